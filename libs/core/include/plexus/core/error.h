// Error values shared by every library and service: a canonical code, the Matrix errcode, a
// human-readable message and an optional retry hint. One table (error_code.cc) maps each code
// to its errcode string, HTTP status and gRPC status so an error crosses any hop unchanged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace plexus {

enum class ErrorCode : std::uint8_t {
  kUnknown,        // M_UNKNOWN, 500
  kBadJson,        // M_BAD_JSON, 400: well-formed JSON with the wrong shape
  kNotJson,        // M_NOT_JSON, 400: not JSON at all
  kInvalidParam,   // M_INVALID_PARAM, 400
  kTooLarge,       // M_TOO_LARGE, 413
  kNotFound,       // M_NOT_FOUND, 404
  kForbidden,      // M_FORBIDDEN, 403: includes events rejected by the auth rules
  kUnrecognized,   // M_UNRECOGNIZED, 404
  kUnknownToken,   // M_UNKNOWN_TOKEN, 401
  kMissingToken,   // M_MISSING_TOKEN, 401
  kLimitExceeded,  // M_LIMIT_EXCEEDED, 429
  kUnsupportedRoomVersion,  // M_UNSUPPORTED_ROOM_VERSION, 400
  kInvalidSignature,        // M_FORBIDDEN, 401 on federation; a signature or hash did not verify
  kUnavailable,             // M_UNKNOWN, 503: a dependency is down; retry
  kInternal,                // M_UNKNOWN, 500: a bug or broken invariant
};

struct ErrorCodeInfo {
  std::string_view errcode;  // Matrix errcode, e.g. "M_BAD_JSON"
  int httpStatus;
  int grpcStatus;  // numeric grpc::StatusCode
};

// The one table: errcode string, HTTP status and gRPC status for each code.
const ErrorCodeInfo& errorCodeInfo(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kUnknown;
  std::string message;
  std::optional<std::int64_t> retryAfterMs;

  std::string_view errcode() const { return errorCodeInfo(code).errcode; }
  int httpStatus() const { return errorCodeInfo(code).httpStatus; }
};

inline Error makeError(ErrorCode code, std::string message) {
  return Error{code, std::move(message), std::nullopt};
}

}  // namespace plexus
