// SyncService: the EDUs local users' actions send to other servers (SPEC: server-server-api
// "Typing Notifications", "Receipts", "Presence", "Send-to-device messaging"). Destinations
// come from the in-memory member index: the servers of a room's joined members (typing,
// receipts) or of everyone sharing a room with the user (presence); our own server never.
// Only local users' actions are sent: EDUs received from other servers enter through the same
// perform* methods and must not echo back.
#include <set>

#include "plexus/log/log.h"
#include "syncapi/impl/sync_service.h"

namespace plexus::syncapi {
namespace {

std::string serverOf(const std::string& userId) {
  auto colon = userId.find(':');
  return colon == std::string::npos ? std::string() : userId.substr(colon + 1);
}

}  // namespace

std::vector<std::string> SyncService::remoteServersOf(const std::vector<std::string>& users) const {
  std::set<std::string> servers;
  for (const auto& user : users) {
    std::string server = serverOf(user);
    if (!server.empty() && server != options_.serverName) servers.insert(server);
  }
  return {servers.begin(), servers.end()};
}

void SyncService::sendEdu(const CallContext& ctx, const std::vector<std::string>& destinations,
                          const std::string& type, const json::Object& content) {
  if (!edus_ || destinations.empty()) return;
  Status sent = edus_->sendEdu(ctx, destinations, type, content);
  if (!sent.ok()) {
    // The local action stands; the remote servers miss this one (ephemeral anyway).
    log::warn("sync-api: outbound EDU not queued",
              {{"edu_type", type}, {"error", sent.error().message}});
  }
}

void SyncService::sendTypingEdu(const CallContext& ctx, const TypingRequest& request) {
  if (!edus_ || options_.serverName.empty() || !isLocal(request.userId)) return;
  sendEdu(
      ctx, remoteServersOf(rooms_.joinedUsers(request.roomId)), "m.typing",
      json::Object{
          {"room_id", request.roomId}, {"typing", request.typing}, {"user_id", request.userId}});
}

void SyncService::sendReceiptEdu(const CallContext& ctx, const ReceiptRequest& request,
                                 std::int64_t ts) {
  // SPEC: private receipts (m.read.private) never leave the server.
  if (!edus_ || options_.serverName.empty() || !isLocal(request.userId) ||
      request.receiptType != "m.read") {
    return;
  }
  json::Object data{{"ts", ts}};
  if (!request.threadId.empty()) data.set("thread_id", request.threadId);
  json::Object receipt{{"data", std::move(data)}, {"event_ids", json::Array{request.eventId}}};
  json::Object content{
      {request.roomId,
       json::Object{{"m.read", json::Object{{request.userId, std::move(receipt)}}}}}};
  sendEdu(ctx, remoteServersOf(rooms_.joinedUsers(request.roomId)), "m.receipt", content);
}

void SyncService::sendPresenceEdu(const CallContext& ctx, const std::string& userId,
                                  const std::string& presence,
                                  const std::optional<std::string>& statusMsg,
                                  std::int64_t lastActiveTs) {
  if (!edus_ || options_.serverName.empty() || !isLocal(userId)) return;
  auto sharing = rooms_.usersSharingRooms(userId);
  json::Object update{{"currently_active", presence == "online"},
                      {"last_active_ago", std::max<std::int64_t>(0, now() - lastActiveTs)},
                      {"presence", presence},
                      {"user_id", userId}};
  if (statusMsg) update.set("status_msg", *statusMsg);
  sendEdu(ctx, remoteServersOf({sharing.begin(), sharing.end()}), "m.presence",
          json::Object{{"push", json::Array{std::move(update)}}});
}

void SyncService::sendRemoteToDevice(const CallContext& ctx, const SendToDeviceRequest& request,
                                     const json::Object& remoteMessages,
                                     const std::string& messageId) {
  // One m.direct_to_device EDU per destination server, holding that server's recipients.
  std::map<std::string, json::Object> byServer;
  for (const auto& [userId, devices] : remoteMessages)
    byServer[serverOf(userId)].set(userId, devices);
  for (auto& [server, messages] : byServer) {
    if (server.empty()) continue;
    sendEdu(ctx, {server}, "m.direct_to_device",
            json::Object{{"message_id", messageId},
                         {"messages", std::move(messages)},
                         {"sender", request.senderUserId},
                         {"type", request.type}});
  }
}

}  // namespace plexus::syncapi
