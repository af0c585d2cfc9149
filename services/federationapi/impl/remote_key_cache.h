// RemoteKeyCache: other servers' signing keys for the federation API. A federation::KeyRing
// loaded from the ServerKeyStore, refreshed through a KeyFetcher on a miss (directly, then the
// configured notaries) and written back together with the signed responses, which the notary
// endpoint re-serves. Thread-safe; fetches run without holding the lock.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>

#include "federationapi/impl/own_signing_keys.h"
#include "federationapi/storage/server_key_store.h"
#include "plexus/federation/key_fetcher.h"
#include "plexus/federation/key_ring.h"

namespace plexus::federationapi {

struct RemoteKeyCacheOptions {
  federation::KeyRefreshOptions refresh;  // notaries (their keys go in with addTrustedKey)
  // A server is fetched from at most once per interval, so a stream of requests naming unknown
  // keys (or notary queries asking for more validity than it publishes) cannot turn into a
  // stream of outbound fetches.
  std::int64_t retryIntervalMs = 60'000;
  // A request that needs a server's keys while another request fetches them waits this long
  // for that fetch (single flight) before giving up.
  std::int64_t inFlightWaitMs = 30'000;
};

class RemoteKeyCache {
 public:
  // All references must outlive this.
  RemoteKeyCache(storage::Database& db, ServerKeyStore& store, federation::KeyFetcher& fetcher,
                 RemoteKeyCacheOptions options = {}, NowMs now = realNowMs);

  // Loads the cached keys from the store. Errors: storage errors.
  Status load();

  // Adds a key that is trusted without fetching (our own keys, configured notary keys). Not
  // persisted.
  void addTrustedKey(std::string_view server, std::string_view keyId, federation::KeyRecord record);

  // The key `server` may sign a request with now; fetched when unknown or expired. Errors:
  // kUnavailable when it cannot be had (fetch failed, or the server does not list it).
  Result<crypto::PublicKey> keyForRequest(const federation::ServerName& server,
                                          std::string_view keyId);

  // Makes sure every key in `keyIds` of `server` is cached and valid until
  // `minimumValidUntilTs`, fetching when not (with `keyIds` empty: fetches). At most one fetch
  // per server per options.retryIntervalMs. Errors: kUnavailable.
  Status ensureKeys(const federation::ServerName& server, std::span<const std::string> keyIds,
                    std::int64_t minimumValidUntilTs);

  // The latest signed response of `server` we hold. Errors: storage errors.
  Result<std::optional<StoredKeyResponse>> storedResponse(std::string_view server);

  // A copy of the ring, e.g. for event signature checks.
  federation::KeyRing snapshot() const;

  // KeyRing::keyForEvent on the cached keys (no fetch): the key if it may have signed an event
  // sent at `originServerTs` in a room of `version`.
  std::optional<crypto::PublicKey> keyForEvent(std::string_view server, std::string_view keyId,
                                               std::int64_t originServerTs,
                                               const events::RoomVersion& version) const;

  std::int64_t now() const { return now_(); }

 private:
  bool satisfiedLocked(const std::string& server, std::span<const std::string> keyIds,
                       std::int64_t minimumValidUntilTs) const;
  Status fetchAndStore(const federation::ServerName& server, std::span<const std::string> keyIds,
                       std::int64_t minimumValidUntilTs);

  storage::Database& db_;
  ServerKeyStore& store_;
  federation::KeyFetcher& fetcher_;
  RemoteKeyCacheOptions options_;
  NowMs now_;
  mutable std::mutex mutex_;
  std::condition_variable fetchDone_;
  federation::KeyRing ring_;
  // The last fetch of each server's keys, within options_.retryIntervalMs: the key IDs asked
  // for then, and how many fetches for key IDs not asked for before followed (a rotated key).
  struct LastFetch {
    std::int64_t atMs = 0;
    std::set<std::string> keyIds;
    int newKeyFetches = 0;
  };
  std::map<std::string, LastFetch> lastFetch_;
  std::set<std::string> inFlight_;  // servers whose keys a request is fetching now
};

}  // namespace plexus::federationapi
