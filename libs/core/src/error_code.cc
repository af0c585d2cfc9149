// The error table: Matrix errcode, HTTP status and gRPC status code for each ErrorCode.
#include <array>

#include "plexus/core/error.h"

namespace plexus {
namespace {

// gRPC status numbers (grpc::StatusCode), kept numeric so core does not depend on gRPC.
constexpr int kGrpcUnknown = 2;
constexpr int kGrpcInvalidArgument = 3;
constexpr int kGrpcDeadlineExceeded = 4;
constexpr int kGrpcNotFound = 5;
constexpr int kGrpcAlreadyExists = 6;
constexpr int kGrpcPermissionDenied = 7;
constexpr int kGrpcResourceExhausted = 8;
constexpr int kGrpcInternal = 13;
constexpr int kGrpcUnavailable = 14;
constexpr int kGrpcUnauthenticated = 16;

constexpr std::array<ErrorCodeInfo, 32> kTable = {{
    {"M_UNKNOWN", 500, kGrpcUnknown},                          // kUnknown
    {"M_BAD_JSON", 400, kGrpcInvalidArgument},                 // kBadJson
    {"M_NOT_JSON", 400, kGrpcInvalidArgument},                 // kNotJson
    {"M_INVALID_PARAM", 400, kGrpcInvalidArgument},            // kInvalidParam
    {"M_TOO_LARGE", 413, kGrpcResourceExhausted},              // kTooLarge
    {"M_NOT_FOUND", 404, kGrpcNotFound},                       // kNotFound
    {"M_FORBIDDEN", 403, kGrpcPermissionDenied},               // kForbidden
    {"M_UNRECOGNIZED", 404, kGrpcNotFound},                    // kUnrecognized
    {"M_UNKNOWN_TOKEN", 401, kGrpcUnauthenticated},            // kUnknownToken
    {"M_MISSING_TOKEN", 401, kGrpcUnauthenticated},            // kMissingToken
    {"M_LIMIT_EXCEEDED", 429, kGrpcResourceExhausted},         // kLimitExceeded
    {"M_UNSUPPORTED_ROOM_VERSION", 400, kGrpcInvalidArgument}, // kUnsupportedRoomVersion
    {"M_FORBIDDEN", 401, kGrpcUnauthenticated},                // kInvalidSignature
    {"M_UNKNOWN", 503, kGrpcUnavailable},                      // kUnavailable
    {"M_UNKNOWN", 500, kGrpcInternal},                         // kInternal
    {"M_USER_IN_USE", 400, kGrpcAlreadyExists},                // kUserInUse
    {"M_INVALID_USERNAME", 400, kGrpcInvalidArgument},         // kInvalidUsername
    {"M_EXCLUSIVE", 400, kGrpcInvalidArgument},                // kExclusive
    {"M_USER_DEACTIVATED", 403, kGrpcPermissionDenied},        // kUserDeactivated
    {"M_WRONG_ROOM_KEYS_VERSION", 403, kGrpcPermissionDenied}, // kWrongRoomKeysVersion
    {"M_ROOM_IN_USE", 400, kGrpcAlreadyExists},                // kRoomInUse
    {"M_UNKNOWN", 409, kGrpcAlreadyExists},                    // kConflict
    {"M_MISSING_PARAM", 400, kGrpcInvalidArgument},           // kMissingParam
    {"M_GUEST_ACCESS_FORBIDDEN", 403, kGrpcPermissionDenied},  // kGuestAccessForbidden
    {"M_THREEPID_DENIED", 403, kGrpcPermissionDenied},         // kThreepidDenied
    {"M_NOT_YET_UPLOADED", 504, kGrpcDeadlineExceeded},       // kNotYetUploaded
    {"M_CANNOT_OVERWRITE_MEDIA", 409, kGrpcAlreadyExists},     // kCannotOverwriteMedia
    {"M_USER_LOCKED", 401, kGrpcUnauthenticated},              // kUserLocked
    {"M_USER_SUSPENDED", 403, kGrpcPermissionDenied},          // kUserSuspended
    {"M_INCOMPATIBLE_ROOM_VERSION", 400, kGrpcInvalidArgument},  // kIncompatibleRoomVersion
    {"M_UNABLE_TO_AUTHORISE_JOIN", 400, kGrpcInvalidArgument},   // kUnableToAuthoriseJoin
    {"M_UNABLE_TO_GRANT_JOIN", 400, kGrpcInvalidArgument},       // kUnableToGrantJoin
}};

}  // namespace

const ErrorCodeInfo& errorCodeInfo(ErrorCode code) {
  auto index = static_cast<std::size_t>(code);
  return index < kTable.size() ? kTable[index] : kTable[0];
}

}  // namespace plexus
