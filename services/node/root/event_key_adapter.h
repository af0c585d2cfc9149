// The roomserver's EventKeySource over the federation API's remote key cache: keys that signed
// events received over federation are fetched from their servers (and kept) on a miss; our own
// keys are in the cache as trusted keys.
#pragma once

#include "federationapi/impl/remote_key_cache.h"
#include "roomserver/api/event_key_source.h"

namespace plexus::node {

class RemoteKeyCacheEventKeys final : public roomserver::EventKeySource {
 public:
  explicit RemoteKeyCacheEventKeys(federationapi::RemoteKeyCache& cache) : cache_(cache) {}

  void ensureKeys(const CallContext& ctx,
                  const std::map<std::string, std::set<std::string>>& keyIds,
                  std::int64_t minimumValidUntilTs) override;
  std::optional<crypto::PublicKey> keyForEvent(std::string_view server, std::string_view keyId,
                                               std::int64_t originServerTs,
                                               const events::RoomVersion& version) override {
    return cache_.keyForEvent(server, keyId, originServerTs, version);
  }

 private:
  federationapi::RemoteKeyCache& cache_;
};

}  // namespace plexus::node
