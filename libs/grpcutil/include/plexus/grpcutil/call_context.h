// CallContext across a gRPC hop: the deadline becomes the gRPC deadline (so the server sees the
// caller's remaining time, and the client gives up when it passes), and the trace ID and caller
// travel as request metadata.
#pragma once

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

#include <string_view>

#include "plexus/core/call_context.h"

namespace plexus::grpcutil {

inline constexpr std::string_view kTraceIdKey = "plexus-trace-id";
inline constexpr std::string_view kCallerKey = "plexus-caller";

// Prepares `client` (a fresh ClientContext, one per call) for a call made on behalf of `ctx`:
// no gRPC deadline when ctx has none (time_point::max()).
void applyCallContext(const CallContext& ctx, grpc::ClientContext& client);

// The CallContext a service adapter passes to the implementation: the gRPC deadline on the
// steady clock (max() when the caller set none), trace ID and caller from the metadata. Takes
// the base of grpc::ServerContext and grpc::CallbackServerContext, so callback handlers use it too.
CallContext callContextFrom(const grpc::ServerContextBase& server);

}  // namespace plexus::grpcutil
