// KeyFetcher: how signing keys of other servers are fetched, as an interface so this library
// stays free of networking; the federation service plugs its HTTPS client in. refreshKeys() is
// the policy on top: ask the server itself first, then each trusted notary, keep what validates.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/federation/key_ring.h"
#include "plexus/federation/server_name.h"
#include "plexus/json/value.h"

namespace plexus::federation {

class KeyFetcher {
 public:
  virtual ~KeyFetcher() = default;

  // `GET /_matrix/key/v2/server` on `server` (resolved by server discovery, over TLS). Returns
  // the response body. Errors: kUnavailable when unreachable or not a 200 JSON object. May block;
  // called from the service's worker threads, concurrently for different servers.
  virtual Result<json::Object> fetchDirect(const ServerName& server) = 0;

  // `POST /_matrix/key/v2/query` on `notary` with `body` (see buildKeyQueryRequest). Returns the
  // response body. Errors: kUnavailable. Same threading as fetchDirect.
  virtual Result<json::Object> fetchViaNotary(const ServerName& notary,
                                              const json::Object& body) = 0;
};

struct KeyRefreshOptions {
  // Trusted notaries, asked in order when the server itself fails. Their own keys must already
  // be in the ring (from configuration).
  std::vector<ServerName> notaries;
  // Keys must be valid until at least this time to satisfy the refresh (0: any).
  std::int64_t minimumValidUntilTs = 0;
};

// Fetches keys of `server` until every ID in `keyIds` is in `ring` with a validity reaching
// options.minimumValidUntilTs (or, when `keyIds` is empty, until one response was accepted):
// directly first, then through each notary. Responses are validated (parseServerKeys /
// parseNotaryResponse) and merged at `nowMs`. Errors: kUnavailable when the keys could not be
// obtained (the message lists why each source failed). A key-named server is never fetched from:
// its keys are its name (KeyRing), so this succeeds at once for ed25519 key IDs and fails with
// kUnavailable for others.
Status refreshKeys(KeyRing& ring, KeyFetcher& fetcher, const ServerName& server,
                   std::span<const std::string> keyIds, std::int64_t nowMs,
                   const KeyRefreshOptions& options = {});

}  // namespace plexus::federation
