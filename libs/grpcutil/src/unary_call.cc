// Retry decisions for unary_call.h.
#include "plexus/grpcutil/unary_call.h"

#include <algorithm>
#include <random>
#include <string>

namespace plexus::grpcutil {

bool isTransportFailure(const grpc::Status& status, const grpc::ClientContext& client) {
  const auto& trailers = client.GetServerTrailingMetadata();
  if (trailers.find(std::string(kErrcodeKey)) != trailers.end()) return false;
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return true;
    default:
      return false;
  }
}

std::chrono::milliseconds backoffFor(const RetryPolicy& policy, int attempt) {
  const int shift = std::clamp(attempt - 1, 0, 16);
  const auto full =
      std::min<std::int64_t>(policy.firstBackoff.count() << shift, policy.maxBackoff.count());
  thread_local std::minstd_rand rng{std::random_device{}()};
  std::uniform_int_distribution<std::int64_t> jitter(full / 2, std::max<std::int64_t>(full, 1));
  return std::chrono::milliseconds(jitter(rng));
}

}  // namespace plexus::grpcutil
