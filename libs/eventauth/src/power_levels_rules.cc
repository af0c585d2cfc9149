// The m.room.power_levels rules: the new content's shape (strict from v10), v12 creators kept
// out of `users`, and what the sender may change relative to their own level.
#include <array>
#include <optional>

#include "identifiers.h"
#include "rule_context.h"

namespace plexus::eventauth::detail {

namespace {

constexpr std::array<std::string_view, 7> kScalarKeys = {
    "users_default", "events_default", "state_default", "ban", "redact", "kick", "invite"};

using Level = std::optional<std::int64_t>;

Level levelAt(const json::Object* object, std::string_view key, const events::RoomVersion& v) {
  const json::Value* value = object != nullptr ? object->find(key) : nullptr;
  if (value == nullptr) return std::nullopt;
  return parsePowerLevel(*value, v);
}

const json::Object* objectAt(const json::Object& content, std::string_view key) {
  const json::Value* value = content.find(key);
  return value != nullptr ? value->getObject() : nullptr;
}

// SPEC: v10 rules 9.1-9.3 (v12 10.1-10.3); before v10 only `users` is checked (v1 rule 10.1).
Status checkShape(const json::Object& content, const events::RoomVersion& version) {
  if (version.integerPowerLevels) {
    for (std::string_view key : kScalarKeys) {
      const json::Value* value = content.find(key);
      if (value != nullptr && !value->isInt()) {
        return deny("m.room.power_levels", std::string(key) + " is not an integer");
      }
    }
    for (std::string_view key : {std::string_view("events"), std::string_view("notifications")}) {
      const json::Value* value = content.find(key);
      if (value == nullptr) continue;
      if (!value->isObject())
        return deny("m.room.power_levels", std::string(key) + " is not an object");
      for (const auto& [name, level] : *value->getObject()) {
        if (!level.isInt()) {
          return deny("m.room.power_levels", std::string(key) + " has a non-integer value");
        }
      }
    }
  }
  const json::Value* users = content.find("users");
  if (users == nullptr) return {};
  if (!users->isObject()) return deny("m.room.power_levels", "users is not an object");
  for (const auto& [userId, level] : *users->getObject()) {
    if (!isValidUserId(userId)) return deny("m.room.power_levels", "users has an invalid user ID");
    if (!parsePowerLevel(level, version)) {
      return deny("m.room.power_levels", "users has a value that is not an integer");
    }
  }
  return {};
}

// Entries of a level map that were changed or removed (`oldMap` side) must not be above the
// sender (or, for users, at or above); entries added or changed must not be above the sender.
Status checkMapChanges(const json::Object* oldMap, const json::Object* newMap,
                       std::string_view name, std::int64_t senderLevel, std::string_view sender,
                       bool isUsers, const events::RoomVersion& version) {
  if (oldMap != nullptr) {
    for (const auto& [key, value] : *oldMap) {
      const Level oldLevel = parsePowerLevel(value, version);
      if (!oldLevel || oldLevel == levelAt(newMap, key, version)) continue;
      if (isUsers && key == sender) continue;
      if (isUsers ? *oldLevel >= senderLevel : *oldLevel > senderLevel) {
        return deny("m.room.power_levels",
                    std::string(name) + " entry changed or removed at or above the sender's level");
      }
    }
  }
  if (newMap != nullptr) {
    for (const auto& [key, value] : *newMap) {
      const Level newLevel = parsePowerLevel(value, version);
      if (!newLevel || newLevel == levelAt(oldMap, key, version)) continue;
      if (*newLevel > senderLevel) {
        return deny("m.room.power_levels",
                    std::string(name) + " entry set above the sender's level");
      }
    }
  }
  return {};
}

}  // namespace

Status checkPowerLevelsEvent(RuleContext& ctx, const PowerLevels& current) {
  const events::RoomVersion& version = ctx.version;
  const json::Object& content = ctx.event.content();
  PLEXUS_TRY_VOID(checkShape(content, version));
  if (version.privilegedCreators) {
    // SPEC: v12 rule 10.4: creators cannot be given (or demoted to) a level.
    if (const json::Object* users = objectAt(content, "users")) {
      for (const auto& [userId, level] : *users) {
        if (current.isCreator(userId))
          return deny("m.room.power_levels", "users lists a room creator");
      }
    }
  }
  const events::Pdu* previous = ctx.stateEvent("m.room.power_levels", "");
  if (previous == nullptr) return {};

  const json::Object& old = previous->content();
  const std::string_view sender = ctx.event.sender();
  const std::int64_t senderLevel = current.userLevel(sender);
  for (std::string_view key : kScalarKeys) {
    const Level oldLevel = levelAt(&old, key, version);
    const Level newLevel = levelAt(&content, key, version);
    if (oldLevel == newLevel) continue;
    if ((oldLevel && *oldLevel > senderLevel) || (newLevel && *newLevel > senderLevel)) {
      return deny("m.room.power_levels", std::string(key) + " changed beyond the sender's level");
    }
  }
  PLEXUS_TRY_VOID(checkMapChanges(objectAt(old, "events"), objectAt(content, "events"), "events",
                                  senderLevel, sender, false, version));
  if (version.limitNotificationsPowerLevels) {
    PLEXUS_TRY_VOID(checkMapChanges(objectAt(old, "notifications"),
                                    objectAt(content, "notifications"), "notifications",
                                    senderLevel, sender, false, version));
  }
  return checkMapChanges(objectAt(old, "users"), objectAt(content, "users"), "users", senderLevel,
                         sender, true, version);
}

}  // namespace plexus::eventauth::detail
