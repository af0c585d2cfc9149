// Effective power levels of a room: the m.room.power_levels content with the spec's defaults,
// or, before any power-levels event, the creator-only defaults. From room version 12 the room's
// creators (create event sender and `additional_creators`) outrank every power level.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
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
  // Errors: kBadJson when the PL content has values of the wrong type for the room version.
  static Result<PowerLevels> fromState(const events::Pdu& create, const events::Pdu* powerLevels);

  std::int64_t userLevel(std::string_view userId) const;
  // Level needed to send an event of `type` (state or not).
  std::int64_t eventLevel(std::string_view type, bool isState) const;
  std::int64_t ban() const { return ban_; }
  std::int64_t kick() const { return kick_; }
  std::int64_t invite() const { return invite_; }
  std::int64_t redact() const { return redact_; }
  std::int64_t usersDefault() const { return usersDefault_; }
  // Level of notifications.<key> (default 50).
  std::int64_t notificationLevel(std::string_view key) const;

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

// Parses a power-level value: integers always; strings of integers before room version 10.
// nullopt when the value is not acceptable for the version.
std::optional<std::int64_t> parsePowerLevel(const json::Value& value, const events::RoomVersion& version);

}  // namespace plexus::eventauth
