// SyncService: filters, typing, receipts, presence and send-to-device.
#include <charconv>

#include "plexus/json/canonical.h"
#include "syncapi/impl/client_event.h"
#include "syncapi/impl/sync_service.h"

namespace plexus::syncapi {

Result<std::string> SyncService::performCreateFilter(const CallContext&, const std::string& userId,
                                                     const json::Object& filter) {
  PLEXUS_TRY_VOID(parseFilter(filter));  // reject what could never be applied
  PLEXUS_TRY(std::int64_t id, store_->storeFilter(userId, json::canonical(filter)));
  return std::to_string(id);
}

Result<json::Object> SyncService::queryFilter(const CallContext&, const std::string& userId,
                                              const std::string& filterId) {
  std::int64_t id = 0;
  auto [ptr, ec] = std::from_chars(filterId.data(), filterId.data() + filterId.size(), id);
  if (ec != std::errc() || ptr != filterId.data() + filterId.size() || id <= 0) {
    return fail(ErrorCode::kNotFound, "no such filter");
  }
  PLEXUS_TRY(auto text, store_->queryFilter(userId, id));
  if (!text) return fail(ErrorCode::kNotFound, "no such filter");
  return parseStored(*text);
}

void SyncService::scheduleTypingExpiry(const std::string& roomId, std::int64_t untilMs,
                                       bool sendsEdus) {
  auto delay = std::chrono::milliseconds(std::max<std::int64_t>(0, untilMs - now()) + 1);
  notifier_.schedule(Notifier::Clock::now() + delay, [this, roomId, untilMs, sendsEdus] {
    std::vector<std::string> expired;
    if (typing_.expire(roomId, now(), &expired) != 0) wakeRoom(roomId, {});
    // Other servers learn that a local user stopped typing, as if the client had said so.
    for (const auto& userId : expired) {
      if (sendsEdus) sendTypingEdu(CallContext{}, TypingRequest{roomId, userId, false, 0});
    }
    // Someone still types until at least this deadline (not reached yet by the injected
    // clock, or extended): check again then.
    std::int64_t next = typing_.nextExpiry(roomId);
    if (next != 0 && next <= untilMs) scheduleTypingExpiry(roomId, next, sendsEdus);
  });
}

Status SyncService::performTyping(const CallContext& ctx, const TypingRequest& request) {
  if (!rooms_.isJoined(request.roomId, request.userId)) {
    return fail(ErrorCode::kForbidden, "user is not joined to the room");
  }
  std::int64_t timeout = std::clamp<std::int64_t>(request.timeoutMs, 0, 120000);
  std::int64_t until = now() + timeout;
  if (typing_.set(request.roomId, request.userId, request.typing, until) != 0) {
    wakeRoom(request.roomId, {});
  }
  if (request.typing) scheduleTypingExpiry(request.roomId, until);
  if (replicated()) publishTyping(request, until);
  sendTypingEdu(ctx, request);
  return {};
}

Status SyncService::performReceipt(const CallContext& ctx, const ReceiptRequest& request) {
  if (request.receiptType != "m.read" && request.receiptType != "m.read.private") {
    return fail(ErrorCode::kInvalidParam, "unsupported receipt type: " + request.receiptType);
  }
  if (!rooms_.isJoined(request.roomId, request.userId)) {
    return fail(ErrorCode::kForbidden, "user is not joined to the room");
  }
  PLEXUS_TRY(auto event, store_->queryEvent(request.eventId));
  if (!event || event->roomId != request.roomId) {
    return fail(ErrorCode::kNotFound, "unknown event");
  }
  if (!request.threadId.empty() && request.threadId != "main" && request.threadId[0] != '$') {
    return fail(ErrorCode::kInvalidParam, "thread_id must be \"main\" or an event ID");
  }
  Receipt r;
  r.roomId = request.roomId;
  r.userId = request.userId;
  r.receiptType = request.receiptType;
  r.threadId = request.threadId;
  r.eventId = request.eventId;
  r.ts = request.ts.value_or(now());
  PLEXUS_TRY(std::int64_t pos, store_->storeReceipt(r, true));
  receiptMarks_.bump(request.roomId, pos);
  advance(pos);
  if (request.receiptType == "m.read.private") {
    wakeUsers({request.userId});
  } else {
    wakeRoom(request.roomId, {});
  }
  sendReceiptEdu(ctx, request, r.ts);
  return {};
}

Status SyncService::performSetPresence(const CallContext&, const std::string& userId,
                                       const std::string& presence,
                                       const std::optional<std::string>& statusMsg) {
  if (presence != "online" && presence != "offline" && presence != "unavailable") {
    return fail(ErrorCode::kInvalidParam, "presence must be online, offline or unavailable");
  }
  return storePresenceChange(userId, presence, statusMsg, now());
}

Status SyncService::storePresenceChange(const std::string& userId, const std::string& presence,
                                        const std::optional<std::string>& statusMsg,
                                        std::int64_t lastActiveTs) {
  PresenceRow row;
  row.userId = userId;
  row.presence = presence;
  row.statusMsg = statusMsg;
  row.lastActiveTs = lastActiveTs;
  PLEXUS_TRY(std::int64_t pos, store_->storePresence(row));
  presenceMarks_.bump(userId, pos);
  advance(pos);
  auto users = rooms_.usersSharingRooms(userId);
  users.insert(userId);
  wakeUsers(std::vector<std::string>(users.begin(), users.end()));
  sendPresenceEdu(CallContext{}, userId, presence, statusMsg, lastActiveTs);
  return {};
}

Result<PresenceStatus> SyncService::queryPresence(const CallContext&, const std::string& userId) {
  PLEXUS_TRY(auto row, store_->queryPresence(userId));
  if (!row) return fail(ErrorCode::kNotFound, "no presence known for " + userId);
  PresenceStatus s;
  s.presence = row->presence;
  s.statusMsg = row->statusMsg;
  s.lastActiveAgoMs = std::max<std::int64_t>(0, now() - row->lastActiveTs);
  s.currentlyActive = row->presence == "online";
  return s;
}

Status SyncService::performSendToDevice(const CallContext& ctx,
                                        const SendToDeviceRequest& request) {
  if (request.type.empty() || request.txnId.empty()) {
    return fail(ErrorCode::kInvalidParam, "missing event type or transaction ID");
  }
  std::vector<ToDeviceMessage> messages;
  std::vector<std::string> recipients;
  // Recipients on other servers, for m.direct_to_device EDUs. Only a local sender's messages
  // leave: those that came over federation were already filtered to our users.
  json::Object remote;
  const bool mayForward = edus_ && !options_.serverName.empty() && isLocal(request.senderUserId);
  for (const auto& [userId, devices] : request.messages) {
    const json::Object* byDevice = devices.getObject();
    if (!byDevice) return fail(ErrorCode::kBadJson, "messages must map users to devices");
    for (const auto& [deviceId, content] : *byDevice) {
      if (!content.isObject()) return fail(ErrorCode::kBadJson, "message content must be an object");
    }
    if (!isLocal(userId)) {
      if (mayForward) remote.set(userId, devices);
      continue;
    }
    recipients.push_back(userId);
    for (const auto& [deviceId, content] : *byDevice) {
      std::vector<std::string> targets;
      if (deviceId == "*") {
        if (!keys_) continue;
        PLEXUS_TRY(targets, keys_->queryDeviceIds(ctx, userId));
      } else {
        targets.push_back(deviceId);
      }
      for (const auto& d : targets) {
        ToDeviceMessage m;
        m.userId = userId;
        m.deviceId = d;
        m.sender = request.senderUserId;
        m.type = request.type;
        m.content = json::canonical(content);
        messages.push_back(std::move(m));
      }
    }
  }
  // The txn row is written even with no local recipient, so a retried request sends nothing.
  PLEXUS_TRY(auto pos, store_->storeToDevice(request.senderUserId, request.senderDeviceId,
                                             request.txnId, messages));
  if (!pos) return {};  // a retried transaction: already queued
  if (!remote.empty()) {
    // Unique per sending server (positions are never reused), at most 32 characters.
    sendRemoteToDevice(ctx, request, remote, "td" + std::to_string(*pos));
  }
  for (const auto& user : recipients) toDeviceMarks_.bump(user, *pos);
  advance(*pos);
  wakeUsers(recipients);
  return {};
}

}  // namespace plexus::syncapi
