// Error <-> grpc::Status, shared by every service's gRPC binding, so an error crosses a hop with
// its ErrorCode, Matrix errcode, message and retry hint intact. The gRPC status code comes from
// the one error table (errorCodeInfo); the errcode and HTTP status travel as trailing metadata,
// and the client picks the ErrorCode whose table row matches all three.
#pragma once

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <optional>
#include <string_view>

#include "plexus/core/error.h"
#include "plexus/core/result.h"

namespace plexus::grpcutil {

// Trailing-metadata keys (lower case, as gRPC requires).
inline constexpr std::string_view kErrcodeKey = "plexus-errcode";
inline constexpr std::string_view kHttpStatusKey = "plexus-http-status";
inline constexpr std::string_view kRetryAfterKey = "plexus-retry-after-ms";

// What a service adapter answers for a failed call: the table's gRPC code and the message;
// the errcode, HTTP status and retry hint are added to `server`'s trailing metadata.
grpc::Status toGrpcStatus(grpc::ServerContextBase& server, const Error& error);

// The Error a client returns for a failed call. With the server's metadata it is the server's
// Error. Without (no server, connection lost, deadline passed in flight, a server that is not
// Plexus): kUnavailable for UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED and ABORTED, kInternal
// otherwise, with gRPC's message. Call only after the call finished (trailers are read).
Error fromGrpcStatus(const grpc::Status& status, const grpc::ClientContext& client);

// The ErrorCode whose table row has this errcode, HTTP status and gRPC code; nullopt if none.
// Every row's triple is distinct (checked by status_test), so the mapping is exact.
std::optional<ErrorCode> errorCodeFromWire(std::string_view errcode, int httpStatus, int grpcCode);

}  // namespace plexus::grpcutil
