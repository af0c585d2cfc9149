// EDU dispatch: typing, receipts, presence and to-device to sync-api; device-list and
// signing-key updates to the keyserver (sync-api when there is none).
#include "federationapi/impl/edu_handler.h"

#include <string>

#include "keyserver/api/keyserver_api.h"
#include "plexus/log/log.h"
#include "syncapi/api/syncapi_api.h"

namespace plexus::federationapi {
namespace {

std::string str(const json::Object& o, std::string_view key) {
  const json::Value* v = o.find(key);
  const std::string* s = v ? v->getString() : nullptr;
  return s ? *s : std::string();
}

// The user belongs to the sending server (EDUs cannot speak for other servers' users).
bool fromOrigin(std::string_view userId, std::string_view origin) {
  return !userId.empty() && serverOfUser(userId) == origin;
}

EduOutcome rejected(std::string_view type, std::string_view origin, std::string_view why) {
  log::info("federation EDU dropped", {{"edu_type", std::string(type)},
                                       {"origin", std::string(origin)},
                                       {"why", std::string(why)}});
  return EduOutcome::kRejected;
}

// A failed service call: kUnavailable says try the EDU again later (queued EDUs are redelivered).
EduOutcome failed(std::string_view type, std::string_view origin, const Error& error) {
  if (error.code == ErrorCode::kUnavailable) return EduOutcome::kUnavailable;
  return rejected(type, origin, error.message);
}

EduOutcome typing(const RouteState& state, const CallContext& ctx, std::string_view origin,
                  const json::Object& content) {
  std::string roomId = str(content, "room_id");
  std::string userId = str(content, "user_id");
  const json::Value* typingValue = content.find("typing");
  if (roomId.empty() || !typingValue || !typingValue->isBool())
    return rejected("m.typing", origin, "bad shape");
  if (!fromOrigin(userId, origin)) return rejected("m.typing", origin, "user of another server");
  if (!checkServerAcl(ctx, state, roomId, origin)) return rejected("m.typing", origin, "ACL");
  syncapi::TypingRequest request;
  request.roomId = roomId;
  request.userId = userId;
  request.typing = *typingValue->getBool();
  auto status = state.deps.sync->performTyping(ctx, request);
  if (!status) return failed("m.typing", origin, status.error());
  return EduOutcome::kAccepted;
}

EduOutcome receipt(const RouteState& state, const CallContext& ctx, std::string_view origin,
                   const json::Object& content) {
  bool any = false;
  bool unavailable = false;
  for (const auto& [roomId, byType] : content) {
    const json::Object* types = byType.getObject();
    if (!types) continue;
    if (!checkServerAcl(ctx, state, roomId, origin)) continue;
    const json::Value* read = types->find("m.read");
    const json::Object* byUser = read ? read->getObject() : nullptr;
    if (!byUser) continue;
    for (const auto& [userId, receiptValue] : *byUser) {
      const json::Object* r = receiptValue.getObject();
      if (!r || !fromOrigin(userId, origin)) continue;
      const json::Value* ids = r->find("event_ids");
      const json::Array* eventIds = ids ? ids->getArray() : nullptr;
      if (!eventIds) continue;
      const json::Value* data = r->find("data");
      syncapi::ReceiptRequest request;
      request.roomId = roomId;
      request.userId = userId;
      request.receiptType = "m.read";
      if (data) {
        if (auto ts = data->get("ts")) request.ts = ts->getInt();
        if (auto thread = data->getStringAt("thread_id")) request.threadId = std::string(*thread);
      }
      for (const auto& id : *eventIds) {
        const std::string* eventId = id.getString();
        if (!eventId) continue;
        request.eventId = *eventId;
        auto status = state.deps.sync->performReceipt(ctx, request);
        if (status) any = true;
        if (!status && status.error().code == ErrorCode::kUnavailable) unavailable = true;
      }
    }
  }
  if (unavailable) return EduOutcome::kUnavailable;  // all of it again: receipts are idempotent
  return any ? EduOutcome::kAccepted : rejected("m.receipt", origin, "nothing accepted");
}

EduOutcome presence(const RouteState& state, const CallContext& ctx, std::string_view origin,
                    const json::Object& content) {
  const json::Value* push = content.find("push");
  const json::Array* updates = push ? push->getArray() : nullptr;
  if (!updates) return rejected("m.presence", origin, "bad shape");
  bool any = false;
  bool unavailable = false;
  for (const auto& update : *updates) {
    const json::Object* u = update.getObject();
    if (!u) continue;
    std::string userId = str(*u, "user_id");
    if (!fromOrigin(userId, origin)) continue;
    std::optional<std::string> statusMsg;
    if (u->find("status_msg")) statusMsg = str(*u, "status_msg");
    auto status = state.deps.sync->performSetPresence(ctx, userId, str(*u, "presence"), statusMsg);
    if (status) any = true;
    if (!status && status.error().code == ErrorCode::kUnavailable) unavailable = true;
  }
  if (unavailable) return EduOutcome::kUnavailable;
  return any ? EduOutcome::kAccepted : rejected("m.presence", origin, "nothing accepted");
}

EduOutcome toDevice(const RouteState& state, const CallContext& ctx, std::string_view origin,
                    const json::Object& content) {
  std::string sender = str(content, "sender");
  std::string type = str(content, "type");
  std::string messageId = str(content, "message_id");
  const json::Value* messages = content.find("messages");
  if (type.empty() || messageId.empty() || !messages || !messages->isObject())
    return rejected("m.direct_to_device", origin, "bad shape");
  if (!fromOrigin(sender, origin))
    return rejected("m.direct_to_device", origin, "sender of another server");
  json::Object local;
  for (const auto& [userId, devices] : *messages->getObject()) {
    if (isLocalUser(state, userId) && devices.isObject()) local.set(userId, devices);
  }
  if (local.empty()) return rejected("m.direct_to_device", origin, "no local recipient");
  syncapi::SendToDeviceRequest request;
  request.senderUserId = sender;
  request.type = type;
  // Idempotent per (sender, device, txnId): a message_id sent twice is delivered once.
  request.txnId = "federation:" + messageId;
  request.messages = std::move(local);
  auto status = state.deps.sync->performSendToDevice(ctx, request);
  if (!status) return failed("m.direct_to_device", origin, status.error());
  return EduOutcome::kAccepted;
}

EduOutcome deviceListChange(const RouteState& state, const CallContext& ctx, std::string_view type,
                            std::string_view origin, const json::Object& content) {
  std::string userId = str(content, "user_id");
  if (!fromOrigin(userId, origin)) return rejected(type, origin, "user of another server");
  if (state.deps.keyserver) {
    // The keyserver keeps remote device lists and cross-signing keys (prev_id chains, resync);
    // its bus output tells sync-api's users that the list changed.
    auto status = type == "m.device_list_update"
                      ? state.deps.keyserver->inputDeviceListUpdate(ctx, origin, content)
                      : state.deps.keyserver->inputSigningKeyUpdate(ctx, origin, content);
    if (!status) return failed(type, origin, status.error());
    return EduOutcome::kAccepted;
  }
  auto status = state.deps.sync->inputDeviceListChange(ctx, userId);
  if (!status) return failed(type, origin, status.error());
  return EduOutcome::kAccepted;
}

}  // namespace

EduOutcome handleEdu(const RouteState& state, const CallContext& ctx, std::string_view origin,
                     const json::Object& edu) {
  std::string type = str(edu, "edu_type");
  const json::Value* contentValue = edu.find("content");
  const json::Object* content = contentValue ? contentValue->getObject() : nullptr;
  if (!content) return rejected(type, origin, "content is not an object");
  if (!state.deps.sync) return EduOutcome::kIgnored;
  if (type == "m.typing") return typing(state, ctx, origin, *content);
  if (type == "m.receipt") return receipt(state, ctx, origin, *content);
  if (type == "m.presence") return presence(state, ctx, origin, *content);
  if (type == "m.direct_to_device") return toDevice(state, ctx, origin, *content);
  if (type == "m.device_list_update" || type == "m.signing_key_update")
    return deviceListChange(state, ctx, type, origin, *content);
  return EduOutcome::kIgnored;
}

}  // namespace plexus::federationapi
