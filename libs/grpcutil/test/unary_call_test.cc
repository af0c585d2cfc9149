// unaryCall: idempotent calls survive transport failures within their deadline, state-changing
// calls never repeat, and an error the server answered is never retried.
#include "plexus/grpcutil/unary_call.h"

#include <gtest/gtest.h>

#include <string>

namespace plexus::grpcutil {
namespace {

using namespace std::chrono_literals;

struct Req {};
struct Resp {
  int value = 0;
};

// A stand-in stub: answers `failures` times with `failure`, then succeeds.
struct FlakyStub {
  int failures = 0;
  grpc::Status failure{grpc::StatusCode::UNAVAILABLE, "connection refused"};
  int calls = 0;
  grpc::Status Get(grpc::ClientContext*, const Req&, Resp* out) {
    ++calls;
    if (calls <= failures) return failure;
    out->value = 42;
    return grpc::Status::OK;
  }
};

RetryPolicy fast() {
  RetryPolicy p;
  p.firstBackoff = 1ms;
  p.maxBackoff = 4ms;
  return p;
}

TEST(UnaryCallTest, IdempotentCallIsRetriedAfterTransportFailures) {
  FlakyStub stub;
  stub.failures = 2;
  auto r = unaryCall(stub, CallContext{}, &FlakyStub::Get, Req{}, Retry::kIdempotent, fast());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value().value, 42);
  EXPECT_EQ(stub.calls, 3);
}

TEST(UnaryCallTest, NonIdempotentCallIsNotRepeated) {
  FlakyStub stub;
  stub.failures = 1;
  auto r = unaryCall(stub, CallContext{}, &FlakyStub::Get, Req{}, Retry::kNever, fast());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(stub.calls, 1);
}

TEST(UnaryCallTest, RetriesStopAfterMaxAttempts) {
  FlakyStub stub;
  stub.failures = 100;
  auto r = unaryCall(stub, CallContext{}, &FlakyStub::Get, Req{}, Retry::kIdempotent, fast());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(stub.calls, fast().maxAttempts);
}

TEST(UnaryCallTest, AnApplicationErrorIsNotRetried) {
  FlakyStub stub;
  stub.failures = 1;
  stub.failure = grpc::Status(grpc::StatusCode::NOT_FOUND, "no such room");
  auto r = unaryCall(stub, CallContext{}, &FlakyStub::Get, Req{}, Retry::kIdempotent, fast());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(stub.calls, 1);
}

TEST(UnaryCallTest, NoRetryWhenTheDeadlineLeavesNoRoom) {
  FlakyStub stub;
  stub.failures = 5;
  RetryPolicy slow;
  slow.firstBackoff = 200ms;
  slow.maxBackoff = 200ms;
  auto ctx = CallContext::withTimeout(20ms);
  auto r = unaryCall(stub, ctx, &FlakyStub::Get, Req{}, Retry::kIdempotent, slow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(stub.calls, 1);
}

TEST(UnaryCallTest, BackoffGrowsAndIsCapped) {
  RetryPolicy p;
  p.firstBackoff = 10ms;
  p.maxBackoff = 40ms;
  for (int i = 0; i < 20; ++i) {
    auto first = backoffFor(p, 1);
    EXPECT_GE(first, 5ms);
    EXPECT_LE(first, 10ms);
    auto late = backoffFor(p, 10);
    EXPECT_GE(late, 20ms);
    EXPECT_LE(late, 40ms);
  }
}

}  // namespace
}  // namespace plexus::grpcutil
