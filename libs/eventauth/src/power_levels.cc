// PowerLevels: effective levels from the create and power-levels events, plus the value parser
// shared with the m.room.power_levels auth rule.
#include "plexus/eventauth/power_levels.h"

#include <algorithm>
#include <cmath>

namespace plexus::eventauth {

namespace {

using LevelMap = std::vector<std::pair<std::string, std::int64_t>>;

constexpr std::int64_t kImplicitCreatorLevel = 100;
constexpr std::int64_t kDefaultNotificationLevel = 50;

bool isAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// SPEC: v1 "m.room.power_levels events accept values as strings": base-10 digits, optional
// single sign, any leading zeros, optional surrounding whitespace.
std::optional<std::int64_t> parseIntegerString(std::string_view s) {
  while (!s.empty() && isAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isAsciiSpace(s.back())) s.remove_suffix(1);
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  // Accumulate as a negative number so that INT64_MIN is representable.
  std::int64_t value = 0;
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const int digit = c - '0';
    if (value < (kMin + digit) / 10) return std::nullopt;
    value = value * 10 - digit;
  }
  if (!negative) {
    if (value == kMin) return std::nullopt;
    value = -value;
  }
  return value;
}

const LevelMap::value_type* findLevel(const LevelMap& map, std::string_view key) {
  auto it = std::lower_bound(map.begin(), map.end(), key,
                             [](const auto& entry, std::string_view k) { return entry.first < k; });
  if (it == map.end() || it->first != key) return nullptr;
  return &*it;
}

Status readScalar(const json::Object& content, std::string_view key,
                  const events::RoomVersion& version, std::int64_t& out) {
  const json::Value* value = content.find(key);
  if (value == nullptr) return {};
  if (auto level = parsePowerLevel(*value, version)) {
    out = *level;
  } else if (version.integerPowerLevels) {
    return fail(ErrorCode::kBadJson, "power_levels." + std::string(key) + " is not an integer");
  }
  return {};
}

Status readMap(const json::Object& content, std::string_view key,
               const events::RoomVersion& version, LevelMap& out) {
  const json::Value* value = content.find(key);
  if (value == nullptr) return {};
  const json::Object* object = value->getObject();
  if (object == nullptr) {
    if (version.integerPowerLevels) {
      return fail(ErrorCode::kBadJson, "power_levels." + std::string(key) + " is not an object");
    }
    return {};
  }
  out.reserve(object->size());
  for (const auto& [name, entry] : *object) {
    if (auto level = parsePowerLevel(entry, version)) {
      out.emplace_back(name, *level);
    } else if (version.integerPowerLevels) {
      return fail(ErrorCode::kBadJson,
                  "power_levels." + std::string(key) + " has a non-integer value");
    }
  }
  // json::Object keeps keys sorted by bytes already; sort anyway so lookups never depend on it.
  if (!std::is_sorted(out.begin(), out.end())) std::sort(out.begin(), out.end());
  return {};
}

}  // namespace

std::optional<std::int64_t> parsePowerLevel(const json::Value& value,
                                            const events::RoomVersion& version) {
  if (auto i = value.getInt()) return *i;
  if (version.integerPowerLevels) return std::nullopt;
  if (const std::string* s = value.getString()) return parseIntegerString(*s);
  if (auto d = value.getFloat(); d && !version.strictCanonicalJson) {
    // SPEC: v1 "accept values as floats": truncate at the decimal point; non-finite or
    // out-of-range values are not acceptable.
    if (!std::isfinite(*d)) return std::nullopt;
    const double t = std::trunc(*d);
    if (t < -9.2e18 || t > 9.2e18) return std::nullopt;
    return static_cast<std::int64_t>(t);
  }
  return std::nullopt;
}

Result<PowerLevels> PowerLevels::fromState(const events::Pdu& create,
                                           const events::Pdu* powerLevels) {
  PowerLevels levels;
  const events::RoomVersion& version = create.roomVersion();
  if (version.privilegedCreators) {
    levels.creators_.emplace_back(create.sender());
    if (const json::Value* extra = create.content().find("additional_creators")) {
      if (const json::Array* list = extra->getArray()) {
        for (const json::Value& v : *list) {
          const std::string* id = v.getString();
          if (id != nullptr && std::find(levels.creators_.begin(), levels.creators_.end(), *id) ==
                                   levels.creators_.end()) {
            levels.creators_.push_back(*id);
          }
        }
      }
    }
  } else if (powerLevels == nullptr) {
    // SPEC: m.room.power_levels: without a PL event the room creator has 100 (v11+: the create
    // event's sender; before: content.creator).
    if (version.implicitRoomCreator) {
      levels.implicitCreator_ = std::string(create.sender());
    } else if (const json::Value* creator = create.content().find("creator")) {
      if (const std::string* id = creator->getString()) levels.implicitCreator_ = *id;
    }
  }
  if (powerLevels == nullptr) return levels;

  levels.hasPowerLevelsEvent_ = true;
  const json::Object& content = powerLevels->content();
  PLEXUS_TRY_VOID(readScalar(content, "ban", version, levels.ban_));
  PLEXUS_TRY_VOID(readScalar(content, "kick", version, levels.kick_));
  PLEXUS_TRY_VOID(readScalar(content, "invite", version, levels.invite_));
  PLEXUS_TRY_VOID(readScalar(content, "redact", version, levels.redact_));
  PLEXUS_TRY_VOID(readScalar(content, "events_default", version, levels.eventsDefault_));
  PLEXUS_TRY_VOID(readScalar(content, "state_default", version, levels.stateDefault_));
  PLEXUS_TRY_VOID(readScalar(content, "users_default", version, levels.usersDefault_));
  PLEXUS_TRY_VOID(readMap(content, "users", version, levels.users_));
  PLEXUS_TRY_VOID(readMap(content, "events", version, levels.events_));
  PLEXUS_TRY_VOID(readMap(content, "notifications", version, levels.notifications_));
  return levels;
}

bool PowerLevels::isCreator(std::string_view userId) const {
  return std::find(creators_.begin(), creators_.end(), userId) != creators_.end();
}

std::int64_t PowerLevels::userLevel(std::string_view userId) const {
  if (isCreator(userId)) return kCreatorPowerLevel;
  if (const auto* entry = findLevel(users_, userId)) return entry->second;
  if (!hasPowerLevelsEvent_ && !implicitCreator_.empty() && userId == implicitCreator_) {
    return kImplicitCreatorLevel;
  }
  return usersDefault_;
}

std::int64_t PowerLevels::eventLevel(std::string_view type, bool isState) const {
  if (const auto* entry = findLevel(events_, type)) return entry->second;
  return isState ? stateDefault_ : eventsDefault_;
}

std::int64_t PowerLevels::notificationLevel(std::string_view key) const {
  if (const auto* entry = findLevel(notifications_, key)) return entry->second;
  return kDefaultNotificationLevel;
}

Result<const PowerLevels*> PowerLevelsCache::get(const events::Pdu& create,
                                                 const events::Pdu* powerLevels) {
  const std::string_view plId =
      powerLevels != nullptr ? std::string_view(powerLevels->eventId()) : std::string_view();
  for (Entry& entry : entries_) {
    if (entry.levels && entry.powerLevelsId == plId && entry.createId == create.eventId()) {
      return &*entry.levels;
    }
  }
  ++misses_;
  PLEXUS_TRY(PowerLevels levels, PowerLevels::fromState(create, powerLevels));
  Entry& slot = entries_[next_];
  next_ = (next_ + 1) % kEntries;
  slot.createId = create.eventId();
  slot.powerLevelsId = std::string(plId);
  slot.levels = std::move(levels);
  return &*slot.levels;
}

}  // namespace plexus::eventauth
