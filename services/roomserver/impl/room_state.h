// RoomState: what the roomserver keeps in memory about the head of one room (its current state
// events, forward extremities and snapshot) so that building and authorizing a local event needs
// no database reads. One per room, guarded by that room's write mutex; loaded from the store on
// first use and replaced only after a write commits.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/eventauth/event_auth.h"
#include "plexus/events/pdu.h"
#include "roomserver/storage/roomserver_store.h"

namespace plexus::roomserver {

struct StateSlot {
  std::string eventId;
  std::int64_t eventNid = 0;  // 0 while the event is not committed
  std::int64_t typeNid = 0;
  std::int64_t stateKeyNid = 0;
  std::shared_ptr<const events::Pdu> pdu;
};

struct Extremity {
  std::string eventId;
  std::int64_t eventNid = 0;  // 0 while not committed
  std::int64_t depth = 0;
};

struct RoomState {
  std::string roomId;
  std::int64_t roomNid = 0;  // 0 for a room being created
  const events::RoomVersion* version = nullptr;
  StoredSnapshot snapshot;  // state after the latest event (nid 0: empty)
  std::map<std::string, StateSlot, std::less<>> state;  // key: stateMapKey(type, stateKey)
  std::vector<Extremity> extremities;                   // deepest first

  static std::string stateMapKey(std::string_view type, std::string_view stateKey);
  const StateSlot* slot(std::string_view type, std::string_view stateKey) const;
  const events::Pdu* find(std::string_view type, std::string_view stateKey) const;
  // content.membership of the user's member event, or nullopt.
  std::optional<std::string> membershipOf(std::string_view userId) const;
};

// eventauth's view of a RoomState.
class RoomStateAuth final : public eventauth::AuthState {
 public:
  explicit RoomStateAuth(const RoomState& state) : state_(state) {}
  const events::Pdu* find(std::string_view type, std::string_view stateKey) const override {
    return state_.find(type, stateKey);
  }

 private:
  const RoomState& state_;
};

// Loads a room's head from the store. Errors: kNotFound when the room is unknown.
Result<RoomState> loadRoomState(RoomserverStore& store, storage::Executor& ex,
                                std::string_view roomId);

}  // namespace plexus::roomserver
