// RemoteKeyCacheEventKeys: one cache fill per server a batch of events names.
#include "root/event_key_adapter.h"

#include <vector>

#include "plexus/log/log.h"

namespace plexus::node {

void RemoteKeyCacheEventKeys::ensureKeys(const CallContext&,
                                         const std::map<std::string, std::set<std::string>>& keyIds,
                                         std::int64_t minimumValidUntilTs) {
  for (const auto& [server, ids] : keyIds) {
    auto name = federation::ServerName::parse(server);
    if (!name.ok()) continue;  // the signature check reports the event
    std::vector<std::string> wanted(ids.begin(), ids.end());
    Status s = cache_.ensureKeys(*name, wanted, minimumValidUntilTs);
    if (!s.ok())
      log::debug("event signing keys unavailable",
                 {{"server", server}, {"error", s.error().message}});
  }
}

}  // namespace plexus::node
