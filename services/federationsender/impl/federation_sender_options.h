// FederationSenderOptions: the knobs of the federation sender (plain values; the composition
// root fills them from config) and the clock / randomness it runs on (injected by tests).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "federationsender/impl/media_redirect.h"

namespace plexus::federationsender {

struct FederationSenderOptions {
  // Bus consumer group of the roomserver.output subscription.
  std::string busGroup = "federationsender";
  // The cluster's sender shards: whether this shard sends to a destination (the others are
  // left to their shard, which reads the same room events). Empty: every destination.
  std::function<bool(std::string_view destination)> ownsDestination;

  // Threads that deliver transactions; each works on one destination at a time, and a
  // destination has at most one transaction in flight.
  std::size_t workers = 4;

  // Backoff after a failed transaction: the n-th consecutive failure waits
  // min(backoffMaxMs, backoffInitialMs * 2^(n-1)) scaled by a random factor in [0.5, 1].
  std::int64_t backoffInitialMs = 2'000;
  std::int64_t backoffMaxMs = 3'600'000;

  // Catch-up: before sending to a destination, a room with more than catchUpMaxPdusPerRoom
  // unsent PDUs, or whose oldest unsent PDU is older than catchUpMaxAgeMs, keeps only its
  // catchUpKeepPerRoom newest PDUs; the destination fetches the gap with get_missing_events.
  std::int64_t catchUpMaxPdusPerRoom = 1'000;
  std::int64_t catchUpMaxAgeMs = 6LL * 3600 * 1000;
  std::int64_t catchUpKeepPerRoom = 1;

  // Timeouts when the CallContext has no deadline.
  std::int64_t requestTimeoutMs = 30'000;       // handshakes, queries, single events
  std::int64_t largeRequestTimeoutMs = 60'000;  // send_join, state, state_ids, backfill
  std::int64_t transactionTimeoutMs = 60'000;   // PUT /send/{txnId}
  std::int64_t mediaTimeoutMs = 60'000;         // media download / thumbnail (and redirect)

  // Follows the `Location` of a federation media answer. Default (empty):
  // makeHttpRedirectFetcher() — https only, no private IP literals, certificates verified.
  MediaRedirectFetcher mediaRedirect;

  // Wall clock in ms since the epoch (persisted backoff deadlines use it). Default: system.
  std::function<std::int64_t()> nowMs;
  // Uniform random number in [0, 1) for the backoff jitter. Default: a seeded mt19937.
  std::function<double()> random;
};

}  // namespace plexus::federationsender
