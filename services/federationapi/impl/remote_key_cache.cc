// RemoteKeyCache: lookups, refreshes and persistence of other servers' keys.
#include "federationapi/impl/remote_key_cache.h"

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "plexus/json/canonical.h"

namespace plexus::federationapi {
namespace {

// Origins named by requests are attacker-chosen: the fetch-time map is pruned past this size.
constexpr std::size_t kMaxTrackedServers = 10'000;
// Fetches for key IDs not asked for before, per server within one retry interval.
constexpr int kMaxNewKeyFetchesPerInterval = 3;

// Remembers every response the fetcher returned, so that what refreshKeys accepted can be
// validated again and persisted with its signed JSON.
class RecordingFetcher : public federation::KeyFetcher {
 public:
  explicit RecordingFetcher(federation::KeyFetcher& inner) : inner_(inner) {}

  struct Fetched {
    std::optional<federation::ServerName> notary;  // none: fetched directly
    json::Object body;
  };
  std::vector<Fetched> fetched;

  Result<json::Object> fetchDirect(const federation::ServerName& server) override {
    auto body = inner_.fetchDirect(server);
    if (body.ok()) fetched.push_back({std::nullopt, *body});
    return body;
  }
  Result<json::Object> fetchViaNotary(const federation::ServerName& notary,
                                      const json::Object& request) override {
    auto body = inner_.fetchViaNotary(notary, request);
    if (body.ok()) fetched.push_back({notary, *body});
    return body;
  }

 private:
  federation::KeyFetcher& inner_;
};

}  // namespace

RemoteKeyCache::RemoteKeyCache(storage::Database& db, ServerKeyStore& store,
                               federation::KeyFetcher& fetcher, RemoteKeyCacheOptions options,
                               NowMs now)
    : db_(db),
      store_(store),
      fetcher_(fetcher),
      options_(std::move(options)),
      now_(std::move(now)) {}

Status RemoteKeyCache::load() {
  PLEXUS_TRY(auto keys, store_.remoteKeys(db_));
  std::lock_guard lock(mutex_);
  for (auto& key : keys) ring_.addKey(key.serverName, key.keyId, key.record);
  return {};
}

void RemoteKeyCache::addTrustedKey(std::string_view server, std::string_view keyId,
                                   federation::KeyRecord record) {
  std::lock_guard lock(mutex_);
  ring_.addKey(server, keyId, record);
}

Result<crypto::PublicKey> RemoteKeyCache::keyForRequest(const federation::ServerName& server,
                                                        std::string_view keyId) {
  {
    std::lock_guard lock(mutex_);
    if (auto key = ring_.keyForRequest(server.str(), keyId, now_())) return *key;
  }
  std::string id(keyId);
  PLEXUS_TRY_VOID(ensureKeys(server, std::span<const std::string>(&id, 1), now_()));
  std::lock_guard lock(mutex_);
  if (auto key = ring_.keyForRequest(server.str(), keyId, now_())) return *key;
  return fail(ErrorCode::kUnavailable, "no usable key " + id + " for " + server.str());
}

bool RemoteKeyCache::satisfiedLocked(const std::string& server, std::span<const std::string> keyIds,
                                     std::int64_t minimumValidUntilTs) const {
  auto fresh = [&](const std::optional<federation::KeyRecord>& record) {
    return record && !record->expiredTs && record->validUntilTs >= minimumValidUntilTs;
  };
  // No key IDs: the caller (the notary) already found the stored response lacking.
  if (keyIds.empty()) return false;
  for (const auto& keyId : keyIds)
    if (!fresh(ring_.find(server, keyId))) return false;
  return true;
}

Status RemoteKeyCache::ensureKeys(const federation::ServerName& server,
                                  std::span<const std::string> keyIds,
                                  std::int64_t minimumValidUntilTs) {
  std::int64_t nowMs = now_();
  {
    std::unique_lock lock(mutex_);
    if (satisfiedLocked(server.str(), keyIds, minimumValidUntilTs)) return {};
    // Another request is fetching this server's keys: wait for that answer instead of failing
    // (a burst of events from a server we have not met yet all need the same keys).
    if (inFlight_.contains(server.str())) {
      fetchDone_.wait_for(lock, std::chrono::milliseconds(options_.inFlightWaitMs),
                          [&] { return !inFlight_.contains(server.str()); });
      if (satisfiedLocked(server.str(), keyIds, minimumValidUntilTs)) return {};
    }
    auto last = lastFetch_.find(server.str());
    if (last != lastFetch_.end() && nowMs - last->second.atMs < options_.retryIntervalMs) {
      // Fetched recently. A key ID not asked for then may be a key the server rotated to since:
      // fetch again, but only a few times per interval (events naming made-up key IDs must not
      // make us hammer a server).
      LastFetch& recent = last->second;
      bool unseen = std::any_of(keyIds.begin(), keyIds.end(),
                                [&](const std::string& id) { return !recent.keyIds.contains(id); });
      if (!unseen || recent.newKeyFetches >= kMaxNewKeyFetchesPerInterval)
        return fail(ErrorCode::kUnavailable,
                    "keys of " + server.str() + " were fetched recently; not fetching again yet");
      ++recent.newKeyFetches;
      recent.keyIds.insert(keyIds.begin(), keyIds.end());
    } else {
      if (lastFetch_.size() >= kMaxTrackedServers)
        std::erase_if(lastFetch_, [&](const auto& entry) {
          return nowMs - entry.second.atMs >= options_.retryIntervalMs;
        });
      lastFetch_[server.str()] = LastFetch{nowMs, {keyIds.begin(), keyIds.end()}, 0};
    }
    inFlight_.insert(server.str());
  }
  Status fetched = fetchAndStore(server, keyIds, minimumValidUntilTs);
  {
    std::lock_guard lock(mutex_);
    inFlight_.erase(server.str());
  }
  fetchDone_.notify_all();
  return fetched;
}

Status RemoteKeyCache::fetchAndStore(const federation::ServerName& server,
                                     std::span<const std::string> keyIds,
                                     std::int64_t minimumValidUntilTs) {
  std::int64_t nowMs = now_();
  federation::KeyRing scratch = snapshot();
  RecordingFetcher recorder(fetcher_);
  federation::KeyRefreshOptions refresh = options_.refresh;
  refresh.minimumValidUntilTs = minimumValidUntilTs;
  Status refreshed = federation::refreshKeys(scratch, recorder, server, keyIds, nowMs, refresh);

  // Validate again what came back (refreshKeys keeps no responses) and keep the good ones.
  std::vector<federation::ServerKeys> accepted;
  for (auto& fetched : recorder.fetched) {
    if (!fetched.notary) {
      if (auto keys = federation::parseServerKeys(fetched.body, server.str()); keys.ok())
        accepted.push_back(std::move(*keys));
      continue;
    }
    auto result = federation::parseNotaryResponse(fetched.body, fetched.notary->str(),
                                                  scratch.requestKeyLookup(nowMs), {server.str()});
    if (result.ok())
      for (auto& keys : result->accepted) accepted.push_back(std::move(keys));
  }
  if (accepted.empty())
    return refreshed.ok() ? fail(ErrorCode::kUnavailable, "no keys") : refreshed;

  std::vector<RemoteKey> rows;
  {
    std::lock_guard lock(mutex_);
    for (const auto& keys : accepted) {
      ring_.addServerKeys(keys, nowMs);
      auto addRow = [&](const std::string& keyId) {
        if (auto record = ring_.find(keys.serverName, keyId))
          rows.push_back({keys.serverName, keyId, *record});
      };
      for (const auto& [keyId, key] : keys.verifyKeys) addRow(keyId);
      for (const auto& [keyId, key] : keys.oldVerifyKeys) addRow(keyId);
    }
  }
  Status stored = db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    for (const auto& row : rows) PLEXUS_TRY_VOID(store_.putRemoteKey(tx, row));
    for (const auto& keys : accepted)
      PLEXUS_TRY_VOID(store_.putKeyResponse(
          tx, {keys.serverName, json::canonical(keys.json), keys.validUntilTs, nowMs}));
    return {};
  });
  if (!stored) return stored;
  return refreshed;
}

Result<std::optional<StoredKeyResponse>> RemoteKeyCache::storedResponse(std::string_view server) {
  return store_.keyResponse(db_, server);
}

std::optional<crypto::PublicKey> RemoteKeyCache::keyForEvent(
    std::string_view server, std::string_view keyId, std::int64_t originServerTs,
    const events::RoomVersion& version) const {
  std::lock_guard lock(mutex_);
  return ring_.keyForEvent(server, keyId, originServerTs, version);
}

federation::KeyRing RemoteKeyCache::snapshot() const {
  std::lock_guard lock(mutex_);
  return ring_;
}

}  // namespace plexus::federationapi
