// SyncService: the push side of notifications — what sync-api knows about a stored
// notification is handed to the PushDeliverer; the room name, alias and unread count are read
// later, on the deliverer's worker thread.
#include "plexus/json/parse.h"
#include "syncapi/impl/sync_service.h"

namespace plexus::syncapi {

void SyncService::queuePushes(const roomserver::OutputRoomEvent& output,
                              const RoomEventWrite& write) {
  if (!pushes_ || write.notifications.empty()) return;
  const StoredEvent& e = write.event;
  const json::Value* content = output.event.find("content");
  std::string senderName = rooms_.displayName(output.roomId, e.sender);
  for (const auto& n : write.notifications) {
    auto actions = json::parse(n.actions);
    if (!actions.ok() || !actions->isArray()) continue;
    PushNotification p;
    p.userId = n.userId;
    p.eventId = e.eventId;
    p.roomId = e.roomId;
    p.type = e.type;
    p.sender = e.sender;
    if (content && content->isObject()) p.content = *content->getObject();
    if (!senderName.empty()) p.senderDisplayName = senderName;
    p.userIsTarget = e.type == "m.room.member" && e.stateKey == n.userId;
    p.actions = std::move(*actions->getArray());
    pushes_->enqueue(std::move(p));  // a full queue drops the push, never the event
  }
}

PushRoomDetails SyncService::pushDetails(const std::string& userId, const std::string& roomId) {
  PushRoomDetails out;
  // SPEC: push-gateway-api counts.unread — unread messages over all the user's rooms.
  for (const auto& room : rooms_.joinedRooms(userId)) {
    auto counts = store_->queryUnreadCounts(userId, room);
    if (counts.ok()) out.unread += counts->notifications;
  }
  auto state = store_->queryCurrentState(roomId);
  if (!state.ok()) return out;
  std::vector<std::string> ids;
  for (const char* type : {"m.room.name", "m.room.canonical_alias"}) {
    auto it = state->find(StateKeyRef{type, ""});
    if (it != state->end()) ids.push_back(it->second);
  }
  if (ids.empty()) return out;
  auto events = store_->queryEvents(ids);
  if (!events.ok()) return out;
  for (const auto& e : *events) {
    auto pdu = json::parseObject(e.json);
    if (!pdu.ok()) continue;
    const json::Value* content = pdu->find("content");
    if (!content) continue;
    if (e.type == "m.room.name") {
      if (auto name = content->getStringAt("name"); name && !name->empty()) {
        out.roomName = std::string(*name);
      }
    } else if (auto alias = content->getStringAt("alias"); alias && !alias->empty()) {
      out.roomAlias = std::string(*alias);
    }
  }
  return out;
}

}  // namespace plexus::syncapi
