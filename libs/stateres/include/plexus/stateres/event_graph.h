// EventGraph: the events of one room as an interned DAG. Event IDs and (type, state_key) pairs
// become dense integers so that state maps, auth-chain walks and marks are arrays, not string
// maps. Events may be added in any order; an ID referenced (as a prev or auth event) before its
// event is added gets an index at once and stays "missing" until then.
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/events/pdu.h"
#include "plexus/events/room_version.h"

namespace plexus::stateres {

using EventIdx = std::uint32_t;
using KeyIdx = std::uint32_t;
inline constexpr EventIdx kNoEvent = std::numeric_limits<EventIdx>::max();
inline constexpr KeyIdx kNoKey = std::numeric_limits<KeyIdx>::max();

// What the algorithms need to know about an event's type without comparing strings.
enum class EventKind : std::uint8_t { kOther, kCreate, kPowerLevels, kJoinRules, kMember };

class EventGraph {
 public:
  explicit EventGraph(const events::RoomVersion& version);
  EventGraph(EventGraph&&) noexcept = default;
  EventGraph& operator=(EventGraph&&) noexcept = default;

  const events::RoomVersion& roomVersion() const { return *version_; }

  // Adds an event the graph owns. Errors: kBadJson when an event with this ID was already added
  // or the event's room version differs from the graph's.
  Result<EventIdx> add(events::Pdu pdu);
  // Adds an event owned by the caller, which must outlive the graph.
  Result<EventIdx> addBorrowed(const events::Pdu& pdu);
  // Adds many events the graph owns, reading their fields on `threads` threads; returns their
  // indices in order. Errors: those of add().
  Result<std::vector<EventIdx>> addAll(std::vector<events::Pdu> pdus, unsigned threads);

  // Index of an event ID (added or only referenced so far).
  EventIdx find(std::string_view eventId) const;
  // Index for an ID, creating a missing entry when unknown.
  EventIdx intern(std::string_view eventId);

  std::size_t size() const { return nodes_.size(); }
  // The event, or nullptr while it is missing.
  const events::Pdu* pdu(EventIdx e) const { return nodes_[e].pdu; }
  std::string_view eventId(EventIdx e) const { return ids_[e]; }
  std::span<const EventIdx> authEvents(EventIdx e) const {
    const Node& n = nodes_[e];
    return {authEdges_.data() + n.authBegin, n.authCount};
  }
  std::span<const EventIdx> prevEvents(EventIdx e) const {
    const Node& n = nodes_[e];
    return {prevEdges_.data() + n.prevBegin, n.prevCount};
  }
  // The state key of a state event, kNoKey for other events and missing ones.
  KeyIdx stateKey(EventIdx e) const { return nodes_[e].key; }
  EventKind kind(EventIdx e) const { return nodes_[e].kind; }
  // SPEC (v2 "Power events"): power levels, join rules, and leave/ban of someone else.
  bool isPowerEvent(EventIdx e) const { return nodes_[e].powerEvent; }
  // The m.room.power_levels event among the auth events, or kNoEvent.
  EventIdx powerLevelsAuthEvent(EventIdx e) const;
  std::int64_t originServerTs(EventIdx e) const { return nodes_[e].ts; }

  // Rejection is recorded by whoever authorizes events (the replay engine, or a server).
  bool rejected(EventIdx e) const { return nodes_[e].rejected; }
  void setRejected(EventIdx e, bool rejected = true) { nodes_[e].rejected = rejected; }

  // The room's create event (the first m.room.create with state_key "" added), or kNoEvent.
  EventIdx createEvent() const { return create_; }

  // Interned (type, state_key) pairs.
  KeyIdx findKey(std::string_view type, std::string_view stateKey) const;
  KeyIdx internKey(std::string_view type, std::string_view stateKey);
  std::size_t keyCount() const { return keyTypes_.size(); }
  std::string_view keyType(KeyIdx k) const { return std::string_view(keyNames_[k]).substr(0, keyTypes_[k]); }
  std::string_view keyStateKey(KeyIdx k) const { return std::string_view(keyNames_[k]).substr(keyTypes_[k] + 1); }

 private:
  struct Node {
    const events::Pdu* pdu = nullptr;
    std::uint32_t authBegin = 0, prevBegin = 0;
    std::uint16_t authCount = 0, prevCount = 0;
    KeyIdx key = kNoKey;
    std::int64_t ts = 0;
    EventKind kind = EventKind::kOther;
    bool powerEvent = false;
    bool rejected = false;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  // What attaching an event needs from its JSON; computed without touching the graph, so many
  // events can be prepared at once.
  struct Prepared {
    std::vector<std::string_view> auth, prev;
    std::string_view type;
    std::optional<std::string_view> stateKey;
    EventKind kind = EventKind::kOther;
    bool powerEvent = false;
    std::int64_t ts = 0;
  };
  static Prepared prepare(const events::Pdu& pdu);
  Result<EventIdx> attach(const events::Pdu* pdu, Prepared prepared);

  const events::RoomVersion* version_;
  std::deque<events::Pdu> owned_;
  std::vector<std::vector<events::Pdu>> ownedBlocks_;  // from addAll; elements never move
  std::deque<std::string> ids_;  // stable storage for the keys of index_
  std::vector<Node> nodes_;
  std::vector<EventIdx> authEdges_, prevEdges_;
  std::unordered_map<std::string_view, EventIdx, Hash, std::equal_to<>> index_;
  std::deque<std::string> keyNames_;  // type + '\0' + state_key; stable for keyIndex_
  std::vector<std::uint32_t> keyTypes_;  // length of the type part
  struct KeyRef {
    std::string_view type, stateKey;
    friend bool operator==(const KeyRef&, const KeyRef&) = default;
  };
  struct KeyHash {
    std::size_t operator()(const KeyRef& k) const {
      return std::hash<std::string_view>{}(k.type) * 31 + std::hash<std::string_view>{}(k.stateKey);
    }
  };
  std::unordered_map<KeyRef, KeyIdx, KeyHash> keyIndex_;  // views into keyNames_
  EventIdx create_ = kNoEvent;
};

}  // namespace plexus::stateres
