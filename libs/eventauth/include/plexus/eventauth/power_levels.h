// Effective power levels of a room: the m.room.power_levels content with the spec's defaults,
// or, before any power-levels event, the creator-only defaults. From room version 12 the room's
// creators (create event sender and `additional_creators`) outrank every power level.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/events/pdu.h"
#include "plexus/json/value.h"

namespace plexus::eventauth {

// The level a v12 creator has: above any integer a power-levels event can hold.
inline constexpr std::int64_t kCreatorPowerLevel = std::numeric_limits<std::int64_t>::max();

class PowerLevels {
 public:
  // `create` must be the room's create event; `powerLevels` may be null (no PL event yet).
  // The result owns its data (it does not point into either event).
  // Errors: kBadJson when the PL content has values of the wrong type for the room version
  // (v10+ only: before v10 an unparseable value falls back to its default, since those
  // versions never rejected such PL events).
  static Result<PowerLevels> fromState(const events::Pdu& create, const events::Pdu* powerLevels);

  // kCreatorPowerLevel for v12 creators; else users[id], else the creator's implicit 100 when
  // there is no PL event (before v12), else users_default.
  std::int64_t userLevel(std::string_view userId) const;
  // Level needed to send an event of `type` (state or not): events[type], else state_default
  // (50) or events_default (0).
  std::int64_t eventLevel(std::string_view type, bool isState) const;
  std::int64_t ban() const { return ban_; }
  std::int64_t kick() const { return kick_; }
  std::int64_t invite() const { return invite_; }
  std::int64_t redact() const { return redact_; }
  std::int64_t usersDefault() const { return usersDefault_; }
  std::int64_t eventsDefault() const { return eventsDefault_; }
  std::int64_t stateDefault() const { return stateDefault_; }
  // Level of notifications.<key> (default 50).
  std::int64_t notificationLevel(std::string_view key) const;

  bool hasPowerLevelsEvent() const { return hasPowerLevelsEvent_; }
  // v12: the create event's sender or one of its `additional_creators`. Always false before v12.
  bool isCreator(std::string_view userId) const;
  // v12: the room's creators (sender first). Empty before v12.
  const std::vector<std::string>& creators() const { return creators_; }

 private:
  PowerLevels() = default;

  std::int64_t ban_ = 50, kick_ = 50, invite_ = 0, redact_ = 50;
  std::int64_t eventsDefault_ = 0, stateDefault_ = 50, usersDefault_ = 0;
  bool hasPowerLevelsEvent_ = false;
  std::vector<std::pair<std::string, std::int64_t>> users_;   // sorted by user ID
  std::vector<std::pair<std::string, std::int64_t>> events_;  // sorted by event type
  std::vector<std::pair<std::string, std::int64_t>> notifications_;
  std::vector<std::string> creators_;  // v12: infinite power; before v12 unused
  std::string implicitCreator_;        // pre-v12, no PL event: this user has 100
};

// Parses a power-level value: integers always; before room version 10 also strings of integers
// (optional sign, leading zeros, surrounding whitespace) and, where the version allows floats
// (v1-v5), floats truncated toward zero. nullopt when the value is not acceptable.
std::optional<std::int64_t> parsePowerLevel(const json::Value& value,
                                            const events::RoomVersion& version);

// Remembers PowerLevels built from a (create event, PL event) pair so that checking many events
// against the same state (state replay, iterative auth checks) builds them once. Keyed by the
// two event IDs, so it stays correct when events are freed and their addresses reused. Holds
// kEntries entries, replaced round-robin. Not thread-safe: use one per thread.
class PowerLevelsCache {
 public:
  static constexpr std::size_t kEntries = 4;
  // The levels for this state; the pointer stays valid until the next get() on this cache.
  // Errors: those of PowerLevels::fromState (not cached).
  Result<const PowerLevels*> get(const events::Pdu& create, const events::Pdu* powerLevels);
  std::size_t misses() const { return misses_; }

 private:
  struct Entry {
    std::string createId;
    std::string powerLevelsId;  // empty: no PL event
    std::optional<PowerLevels> levels;
  };
  std::array<Entry, kEntries> entries_;
  std::size_t next_ = 0;
  std::size_t misses_ = 0;
};

}  // namespace plexus::eventauth
