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
  kUserInUse,               // M_USER_IN_USE, 400: the user ID is already taken
  kInvalidUsername,         // M_INVALID_USERNAME, 400: the user ID breaks the grammar
  kExclusive,               // M_EXCLUSIVE, 400: the user ID is reserved (appservice namespace)
  kUserDeactivated,         // M_USER_DEACTIVATED, 403: the account was deactivated
  kWrongRoomKeysVersion,    // M_WRONG_ROOM_KEYS_VERSION, 403: not the current key backup
  kRoomInUse,               // M_ROOM_IN_USE, 400: createRoom with a taken alias
  kConflict,                // M_UNKNOWN, 409: the thing exists already (e.g. a room alias)
  kMissingParam,            // M_MISSING_PARAM, 400: a required parameter is absent
  kGuestAccessForbidden,    // M_GUEST_ACCESS_FORBIDDEN, 403: guests may not call this endpoint
  kThreepidDenied,          // M_THREEPID_DENIED, 403: third-party identifiers are not supported
  kNotYetUploaded,          // M_NOT_YET_UPLOADED, 504: async media created but not uploaded yet
  kCannotOverwriteMedia,    // M_CANNOT_OVERWRITE_MEDIA, 409: async media already has content
  kUserLocked,              // M_USER_LOCKED, 401: an admin locked the account
  kUserSuspended,           // M_USER_SUSPENDED, 403: an admin suspended the account (read-only)
  kIncompatibleRoomVersion,  // M_INCOMPATIBLE_ROOM_VERSION, 400: the remote server cannot join
  kUnableToAuthoriseJoin,    // M_UNABLE_TO_AUTHORISE_JOIN, 400: restricted join, no local member
  kUnableToGrantJoin,        // M_UNABLE_TO_GRANT_JOIN, 400: restricted join, try another server
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
