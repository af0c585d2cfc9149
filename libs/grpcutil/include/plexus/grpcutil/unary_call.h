// One unary RPC made on behalf of a CallContext, shared by every service's gRPC client: the
// context's deadline, trace ID and caller go on the call, a failure comes back as the server's
// Error (status.h), and idempotent calls (query*, and perform* the interface documents as safe
// to repeat) are retried with backoff when the channel, not the server, failed — a restarting
// service or a dropped connection — as long as the deadline leaves room.
#pragma once

#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <thread>

#include "plexus/core/call_context.h"
#include "plexus/core/result.h"
#include "plexus/grpcutil/call_context.h"
#include "plexus/grpcutil/status.h"

namespace plexus::grpcutil {

enum class Retry {
  kNever,       // the call changes state and a lost answer must not repeat it
  kIdempotent,  // safe to repeat: retried after transport failures
};

struct RetryPolicy {
  int maxAttempts = 4;
  std::chrono::milliseconds firstBackoff{25};
  std::chrono::milliseconds maxBackoff{400};
  // Calls without a deadline get this one per attempt, so a dead peer cannot hang a caller.
  std::chrono::milliseconds defaultDeadline{30'000};
};

// True when `status` came from the channel rather than from the server's handler: no Plexus
// errcode in the trailers and a code that means "did not get through". Only then is a retry
// safe to consider (the handler may still have run for DEADLINE_EXCEEDED, hence idempotent only).
bool isTransportFailure(const grpc::Status& status, const grpc::ClientContext& client);

// The wait before attempt `attempt` (1-based retries): exponential from firstBackoff, capped,
// with jitter in [50%, 100%].
std::chrono::milliseconds backoffFor(const RetryPolicy& policy, int attempt);

template <typename Stub, typename Request, typename Response>
Result<Response> unaryCall(Stub& stub, const CallContext& ctx,
                           grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                        Response*),
                           const Request& request, Retry retry, const RetryPolicy& policy = {}) {
  // gRPC rounds deadlines up to the next millisecond: an expired one could still be served.
  if (ctx.expired()) return fail(ErrorCode::kUnavailable, "deadline exceeded before the call");
  CallContext bounded = ctx;
  if (bounded.deadline == CallContext::Clock::time_point::max())
    bounded.deadline = CallContext::Clock::now() + policy.defaultDeadline;
  for (int attempt = 1;; ++attempt) {
    grpc::ClientContext client;
    applyCallContext(bounded, client);
    Response response;
    grpc::Status status = (stub.*method)(&client, request, &response);
    if (status.ok()) return response;
    const bool again = retry == Retry::kIdempotent && attempt < policy.maxAttempts &&
                       isTransportFailure(status, client);
    if (!again) return fromGrpcStatus(status, client);
    const auto wait = backoffFor(policy, attempt);
    if (CallContext::Clock::now() + wait >= bounded.deadline) return fromGrpcStatus(status, client);
    std::this_thread::sleep_for(wait);
  }
}

}  // namespace plexus::grpcutil
