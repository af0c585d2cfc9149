// EventCache: the stored events of one room that federation input needs while it processes a
// batch (prev events, auth events, the events of states being resolved), parsed once and looked
// up by ID. It is also the stateres::EventSource state resolution reads from. Not thread-safe: it
// lives for one inputEvents call under the room's write mutex.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/events/pdu.h"
#include "plexus/stateres/resolver.h"
#include "plexus/storage/database.h"
#include "roomserver/storage/roomserver_store.h"

namespace plexus::roomserver {

struct KnownEvent {
  std::int64_t nid = 0;  // 0: verified in memory, not stored yet
  std::shared_ptr<const events::Pdu> pdu;
  bool rejected = false;
  bool outlier = false;
  bool softFailed = false;
  std::int64_t stateBeforeNid = 0;
};

class EventCache final : public stateres::EventSource {
 public:
  EventCache(RoomserverStore& store, storage::Executor& ex, const events::RoomVersion& version)
      : store_(store), ex_(&ex), version_(version) {}

  // Where the loads read from: the database, or the transaction of a batch of commits (whose
  // uncommitted rows the loads must see).
  void setExecutor(storage::Executor& ex) { ex_ = &ex; }

  // Loads the stored events among `ids` that are not cached yet (unknown IDs are skipped).
  Status loadIds(const std::vector<std::string>& ids);
  Status loadNids(const std::vector<std::int64_t>& nids);
  // Loads the events and everything reachable from them through auth_events.
  Status loadAuthClosure(std::vector<std::string> ids);

  const KnownEvent* get(std::string_view eventId) const;
  const std::string* idOf(std::int64_t nid) const;
  void put(KnownEvent event);

  // stateres::EventSource
  const events::Pdu* find(std::string_view eventId) const override;
  bool isRejected(std::string_view eventId) const override;

 private:
  Status add(const StoredEvent& stored);

  RoomserverStore& store_;
  storage::Executor* ex_;
  const events::RoomVersion& version_;
  std::map<std::string, KnownEvent, std::less<>> byId_;
  std::map<std::int64_t, std::string> idByNid_;
};

}  // namespace plexus::roomserver
