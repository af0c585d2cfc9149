// Error <-> grpc::Status (status.h).
#include "plexus/grpcutil/status.h"

#include <charconv>
#include <cstdint>
#include <string>

namespace plexus::grpcutil {
namespace {

// Every ErrorCode, in table order. errorCodeInfo answers row 0 for codes past the end of the
// table, which is how the end is found without a second list of codes to keep in step.
template <typename F>
void forEachErrorCode(F&& f) {
  const ErrorCodeInfo* first = &errorCodeInfo(ErrorCode::kUnknown);
  for (int i = 0; i < 256; ++i) {
    auto code = static_cast<ErrorCode>(i);
    if (i > 0 && &errorCodeInfo(code) == first) return;
    f(code);
  }
}

template <typename Int>
std::optional<Int> parseInt(std::string_view s) {
  Int value{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::optional<std::string_view> trailer(const grpc::ClientContext& client, std::string_view key) {
  const auto& md = client.GetServerTrailingMetadata();
  auto it = md.find(grpc::string_ref(key.data(), key.size()));
  if (it == md.end()) return std::nullopt;
  return std::string_view(it->second.data(), it->second.size());
}

}  // namespace

grpc::Status toGrpcStatus(grpc::ServerContextBase& server, const Error& error) {
  const auto& info = errorCodeInfo(error.code);
  server.AddTrailingMetadata(std::string(kErrcodeKey), std::string(info.errcode));
  server.AddTrailingMetadata(std::string(kHttpStatusKey), std::to_string(info.httpStatus));
  if (error.retryAfterMs) {
    server.AddTrailingMetadata(std::string(kRetryAfterKey), std::to_string(*error.retryAfterMs));
  }
  return grpc::Status(static_cast<grpc::StatusCode>(info.grpcStatus), error.message);
}

Error fromGrpcStatus(const grpc::Status& status, const grpc::ClientContext& client) {
  int grpcCode = static_cast<int>(status.error_code());
  auto errcode = trailer(client, kErrcodeKey);
  auto http = trailer(client, kHttpStatusKey);
  if (errcode && http) {
    auto httpStatus = parseInt<int>(*http);
    auto code = httpStatus ? errorCodeFromWire(*errcode, *httpStatus, grpcCode) : std::nullopt;
    if (code) {
      Error e = makeError(*code, status.error_message());
      if (auto retry = trailer(client, kRetryAfterKey))
        e.retryAfterMs = parseInt<std::int64_t>(*retry);
      return e;
    }
  }
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::ABORTED:
      return makeError(ErrorCode::kUnavailable, "gRPC: " + status.error_message());
    default:
      return makeError(ErrorCode::kInternal,
                       "gRPC status " + std::to_string(grpcCode) + ": " + status.error_message());
  }
}

std::optional<ErrorCode> errorCodeFromWire(std::string_view errcode, int httpStatus, int grpcCode) {
  std::optional<ErrorCode> found;
  forEachErrorCode([&](ErrorCode code) {
    const auto& info = errorCodeInfo(code);
    if (!found && info.errcode == errcode && info.httpStatus == httpStatus &&
        info.grpcStatus == grpcCode) {
      found = code;
    }
  });
  return found;
}

}  // namespace plexus::grpcutil
