// Rule 1 of every room version: the m.room.create event.
#include "identifiers.h"
#include "rule_context.h"

namespace plexus::eventauth::detail {

Status checkCreateEvent(const events::Pdu& event) {
  const events::RoomVersion& version = event.roomVersion();
  const json::Value* prev = event.json().find("prev_events");
  if (prev != nullptr && (!prev->isArray() || !prev->getArray()->empty())) {
    return deny("m.room.create", "a create event has no prev_events");
  }
  if (version.roomIdFromCreateEvent) {
    // SPEC: v12 rule 1.2: the room ID is derived from the create event, which has none.
    if (event.json().contains("room_id")) return deny("m.room.create", "has a room_id");
  } else {
    const std::string_view roomDomain = domainOf(event.roomId());
    if (roomDomain.empty() || roomDomain != domainOf(event.sender())) {
      return deny("m.room.create", "the room_id's domain is not the sender's");
    }
  }
  const json::Object& content = event.content();
  if (const json::Value* roomVersion = content.find("room_version")) {
    const std::string* id = roomVersion->getString();
    if (id == nullptr || events::findRoomVersion(*id) == nullptr) {
      return deny("m.room.create", "content.room_version is not a recognised version");
    }
  }
  if (!version.implicitRoomCreator && !content.contains("creator")) {
    return deny("m.room.create", "content has no creator");
  }
  if (version.privilegedCreators) {
    if (const json::Value* extra = content.find("additional_creators")) {
      const json::Array* list = extra->getArray();
      if (list == nullptr) return deny("m.room.create", "additional_creators is not an array");
      for (const json::Value& entry : *list) {
        const std::string* id = entry.getString();
        if (id == nullptr || !isValidUserId(*id)) {
          return deny("m.room.create", "additional_creators has an invalid user ID");
        }
      }
    }
  }
  return {};
}

}  // namespace plexus::eventauth::detail
