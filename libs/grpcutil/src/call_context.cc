// CallContext <-> gRPC deadline and metadata (call_context.h).
#include "plexus/grpcutil/call_context.h"

#include <grpc/support/time.h>

#include <chrono>
#include <string>

namespace plexus::grpcutil {
namespace {

// Deadlines further away than this are treated as none (and cannot overflow when moved
// between clocks).
constexpr auto kForever = std::chrono::hours(24 * 365);

std::string metadataValue(const grpc::ServerContextBase& server, std::string_view key) {
  const auto& md = server.client_metadata();
  auto it = md.find(grpc::string_ref(key.data(), key.size()));
  if (it == md.end()) return {};
  return std::string(it->second.data(), it->second.size());
}

}  // namespace

void applyCallContext(const CallContext& ctx, grpc::ClientContext& client) {
  if (ctx.deadline != CallContext::Clock::time_point::max()) {
    auto remaining = ctx.deadline - CallContext::Clock::now();
    if (remaining < kForever) {
      // An expired deadline still goes out (as "now"): gRPC then fails the call with
      // DEADLINE_EXCEEDED without sending it, which the client maps to kUnavailable.
      if (remaining < CallContext::Clock::duration::zero()) remaining = {};
      client.set_deadline(
          std::chrono::system_clock::now() +
          std::chrono::duration_cast<std::chrono::system_clock::duration>(remaining));
    }
  }
  if (!ctx.traceId.empty()) client.AddMetadata(std::string(kTraceIdKey), ctx.traceId);
  if (!ctx.caller.empty()) client.AddMetadata(std::string(kCallerKey), ctx.caller);
}

CallContext callContextFrom(const grpc::ServerContextBase& server) {
  CallContext ctx;
  gpr_timespec raw = server.raw_deadline();
  if (gpr_time_cmp(raw, gpr_inf_future(raw.clock_type)) != 0) {
    auto remaining = server.deadline() - std::chrono::system_clock::now();
    if (remaining < kForever) {
      ctx.deadline = CallContext::Clock::now() +
                     std::chrono::duration_cast<CallContext::Clock::duration>(remaining);
    }
  }
  ctx.traceId = metadataValue(server, kTraceIdKey);
  ctx.caller = metadataValue(server, kCallerKey);
  return ctx;
}

}  // namespace plexus::grpcutil
