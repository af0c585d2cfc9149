// The two ports the malicious input fixture gives the roomserver: CacheEventKeys (event signing
// keys from the federation API's RemoteKeyCache, as the node wires them, counting lookups) and
// CountingFederation (a federation sender whose answers tests script and whose calls they count).
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "federationapi/impl/remote_key_cache.h"
#include "federationsender/testing/unavailable_federation_sender.h"
#include "roomserver/api/event_key_source.h"

namespace plexus::federationapi::testing {

// The roomserver's EventKeySource over the remote key cache (as the node wires it).
class CacheEventKeys final : public roomserver::EventKeySource {
 public:
  explicit CacheEventKeys(RemoteKeyCache& cache) : cache_(cache) {}
  void ensureKeys(const CallContext&, const std::map<std::string, std::set<std::string>>& keyIds,
                  std::int64_t minimumValidUntilTs) override {
    for (const auto& [server, ids] : keyIds) {
      auto name = federation::ServerName::parse(server);
      if (!name.ok()) continue;
      std::vector<std::string> wanted(ids.begin(), ids.end());
      (void)cache_.ensureKeys(*name, wanted, minimumValidUntilTs);
    }
  }
  std::optional<crypto::PublicKey> keyForEvent(std::string_view server, std::string_view keyId,
                                               std::int64_t ts,
                                               const events::RoomVersion& version) override {
    ++lookups;
    return cache_.keyForEvent(server, keyId, ts, version);
  }

  // One per signature the roomserver checks.
  std::atomic<int> lookups{0};

 private:
  RemoteKeyCache& cache_;
};

// The remote servers' side of the fetches the roomserver makes: answers /get_missing_events,
// /event and /event_auth from `events` (what the remote servers have), /state_ids from
// `stateIds` when set; counts every call.
class CountingFederation final : public federationsender::testing::UnavailableFederationSender {
 public:
  void serve(const events::Pdu& pdu) {
    std::lock_guard lock(mutex_);
    events_[pdu.eventId()] = pdu.json();
  }
  // Answers every /event_auth with `events` (whatever was asked).
  void answerEventAuthWith(std::vector<json::Object> events) {
    std::lock_guard lock(mutex_);
    authAnswer_ = std::move(events);
  }
  // Answers every /get_missing_events with `events` (whatever was asked).
  void answerMissingEventsWith(std::vector<json::Object> events) {
    std::lock_guard lock(mutex_);
    missingAnswer_ = std::move(events);
  }

  std::atomic<int> missingEventsCalls{0}, stateIdsCalls{0}, stateCalls{0}, eventCalls{0},
      eventAuthCalls{0};

  Result<std::vector<json::Object>> queryMissingEvents(
      const CallContext&, const std::string&,
      const federationsender::MissingEventsRequest& request) override {
    ++missingEventsCalls;
    std::lock_guard lock(mutex_);
    lastMissingLimit = request.limit;
    if (missingAnswer_) return *missingAnswer_;
    return std::vector<json::Object>{};
  }
  Result<federationsender::StateIdsResponse> queryStateIds(const CallContext&, const std::string&,
                                                           const std::string&,
                                                           const std::string&) override {
    ++stateIdsCalls;
    return fail(ErrorCode::kUnavailable, "no state_ids in this fake");
  }
  Result<federationsender::StateResponse> queryState(const CallContext&, const std::string&,
                                                     const std::string&,
                                                     const std::string&) override {
    ++stateCalls;
    return fail(ErrorCode::kUnavailable, "no state in this fake");
  }
  Result<json::Object> queryEvent(const CallContext&, const std::string&,
                                  const std::string& eventId) override {
    ++eventCalls;
    std::lock_guard lock(mutex_);
    auto it = events_.find(eventId);
    if (it == events_.end()) return fail(ErrorCode::kNotFound, "unknown event");
    return it->second;
  }
  Result<std::vector<json::Object>> queryEventAuth(const CallContext&, const std::string&,
                                                   const std::string&,
                                                   const std::string&) override {
    ++eventAuthCalls;
    std::lock_guard lock(mutex_);
    if (authAnswer_) return *authAnswer_;
    return std::vector<json::Object>{};
  }

  int totalCalls() const {
    return missingEventsCalls + stateIdsCalls + stateCalls + eventCalls + eventAuthCalls;
  }
  int lastMissingLimit = 0;

 private:
  std::mutex mutex_;
  std::map<std::string, json::Object> events_;
  std::optional<std::vector<json::Object>> missingAnswer_;
  std::optional<std::vector<json::Object>> authAnswer_;
};

}  // namespace plexus::federationapi::testing
