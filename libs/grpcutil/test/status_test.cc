// grpcutil: the error table maps back exactly, failures without Plexus metadata become
// kUnavailable or kInternal, and CallContext deadlines and metadata survive the conversion.
#include "plexus/grpcutil/status.h"

#include <gtest/gtest.h>

#include <chrono>

#include "plexus/grpcutil/call_context.h"

namespace plexus::grpcutil {
namespace {

TEST(GrpcStatusTest, EveryErrorCodeMapsBackFromItsWireTriple) {
  int checked = 0;
  for (int i = 0; i <= static_cast<int>(ErrorCode::kUnableToGrantJoin); ++i) {
    auto code = static_cast<ErrorCode>(i);
    const auto& info = errorCodeInfo(code);
    auto back = errorCodeFromWire(info.errcode, info.httpStatus, info.grpcStatus);
    ASSERT_TRUE(back.has_value()) << "code " << i;
    EXPECT_EQ(static_cast<int>(*back), i) << "code " << i << " (" << info.errcode << ")";
    ++checked;
  }
  EXPECT_GT(checked, 30);
}

TEST(GrpcStatusTest, UnknownTripleHasNoCode) {
  EXPECT_FALSE(errorCodeFromWire("M_NOT_FOUND", 500, 5).has_value());
  EXPECT_FALSE(errorCodeFromWire("M_NO_SUCH_CODE", 404, 5).has_value());
}

TEST(GrpcStatusTest, TransportFailuresWithoutMetadataAreUnavailable) {
  grpc::ClientContext client;
  auto e = fromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "connect failed"), client);
  EXPECT_EQ(e.code, ErrorCode::kUnavailable);
  grpc::ClientContext client2;
  e = fromGrpcStatus(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "late"), client2);
  EXPECT_EQ(e.code, ErrorCode::kUnavailable);
}

TEST(GrpcStatusTest, OtherFailuresWithoutMetadataAreInternal) {
  grpc::ClientContext client;
  auto e = fromGrpcStatus(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no such method"), client);
  EXPECT_EQ(e.code, ErrorCode::kInternal);
  EXPECT_NE(e.message.find("no such method"), std::string::npos);
}

TEST(GrpcCallContextTest, DeadlineBecomesGrpcDeadline) {
  auto ctx = CallContext::withTimeout(std::chrono::seconds(5), "client-api");
  grpc::ClientContext client;
  applyCallContext(ctx, client);
  auto remaining = client.deadline() - std::chrono::system_clock::now();
  EXPECT_GT(remaining, std::chrono::seconds(4));
  EXPECT_LE(remaining, std::chrono::seconds(5));
}

TEST(GrpcCallContextTest, NoDeadlineStaysNone) {
  CallContext ctx;
  grpc::ClientContext client;
  applyCallContext(ctx, client);
  EXPECT_EQ(client.deadline(), std::chrono::system_clock::time_point::max());
}

TEST(GrpcCallContextTest, ServerContextWithoutDeadlineGivesNone) {
  grpc::ServerContext server;
  auto ctx = callContextFrom(server);
  EXPECT_EQ(ctx.deadline, CallContext::Clock::time_point::max());
  EXPECT_TRUE(ctx.traceId.empty());
}

}  // namespace
}  // namespace plexus::grpcutil
