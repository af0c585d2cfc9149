// Sync-api value types <-> protobuf messages (convert.h).
#include "syncapi/grpc/convert.h"

#include <utility>

#include "plexus/grpcutil/json_text.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::syncapi::convert {
namespace {

Result<std::optional<json::Object>> optionalObject(bool present, const std::string& text,
                                                   std::string_view field) {
  if (!present) return std::optional<json::Object>();
  PLEXUS_TRY(auto object, jsonObjectField(text, field));
  return std::optional<json::Object>(std::move(object));
}

}  // namespace

void toProto(const json::Object& in, v1::JsonBody& out) { out.set_body_json(jsonText(in)); }

Result<json::Object> fromProto(const v1::JsonBody& in) {
  return jsonObjectField(in.body_json(), "body_json");
}

std::string dirText(char dir) { return std::string(1, dir); }

Result<char> parseDir(std::string_view text) {
  if (text.size() != 1) return fail(ErrorCode::kInvalidParam, "dir must be one character");
  return text[0];
}

void toProto(const SyncRequest& in, v1::SyncRequest& out) {
  out.set_user_id(in.userId);
  out.set_device_id(in.deviceId);
  out.set_since(in.since);
  out.set_timeout_ms(in.timeoutMs);
  out.set_full_state(in.fullState);
  if (in.filter) out.set_filter_json(jsonText(*in.filter));
  out.set_filter_id(in.filterId);
  out.set_set_presence(in.setPresence);
}

Result<SyncRequest> fromProto(const v1::SyncRequest& in) {
  SyncRequest out;
  out.userId = in.user_id();
  out.deviceId = in.device_id();
  out.since = in.since();
  out.timeoutMs = in.timeout_ms();
  out.fullState = in.full_state();
  PLEXUS_TRY(out.filter, optionalObject(in.has_filter_json(), in.filter_json(), "filter_json"));
  out.filterId = in.filter_id();
  out.setPresence = in.set_presence();
  return out;
}

void toProto(const MessagesRequest& in, v1::MessagesRequest& out) {
  out.set_user_id(in.userId);
  out.set_device_id(in.deviceId);
  out.set_room_id(in.roomId);
  out.set_from(in.from);
  out.set_to(in.to);
  out.set_dir(dirText(in.dir));
  out.set_limit(in.limit);
  if (in.filter) out.set_filter_json(jsonText(*in.filter));
}

Result<MessagesRequest> fromProto(const v1::MessagesRequest& in) {
  MessagesRequest out;
  out.userId = in.user_id();
  out.deviceId = in.device_id();
  out.roomId = in.room_id();
  out.from = in.from();
  out.to = in.to();
  PLEXUS_TRY(out.dir, parseDir(in.dir()));
  out.limit = in.limit();
  PLEXUS_TRY(out.filter, optionalObject(in.has_filter_json(), in.filter_json(), "filter_json"));
  return out;
}

void toProto(const ContextRequest& in, v1::ContextRequest& out) {
  out.set_user_id(in.userId);
  out.set_room_id(in.roomId);
  out.set_event_id(in.eventId);
  out.set_limit(in.limit);
  if (in.filter) out.set_filter_json(jsonText(*in.filter));
}

Result<ContextRequest> fromProto(const v1::ContextRequest& in) {
  ContextRequest out;
  out.userId = in.user_id();
  out.roomId = in.room_id();
  out.eventId = in.event_id();
  out.limit = in.limit();
  PLEXUS_TRY(out.filter, optionalObject(in.has_filter_json(), in.filter_json(), "filter_json"));
  return out;
}

void toProto(const RelationsRequest& in, v1::RelationsRequest& out) {
  out.set_user_id(in.userId);
  out.set_room_id(in.roomId);
  out.set_event_id(in.eventId);
  out.set_rel_type(in.relType);
  out.set_event_type(in.eventType);
  out.set_from(in.from);
  out.set_to(in.to);
  out.set_dir(dirText(in.dir));
  out.set_limit(in.limit);
  out.set_recurse(in.recurse);
}

Result<RelationsRequest> fromProto(const v1::RelationsRequest& in) {
  RelationsRequest out;
  out.userId = in.user_id();
  out.roomId = in.room_id();
  out.eventId = in.event_id();
  out.relType = in.rel_type();
  out.eventType = in.event_type();
  out.from = in.from();
  out.to = in.to();
  PLEXUS_TRY(out.dir, parseDir(in.dir()));
  out.limit = in.limit();
  out.recurse = in.recurse();
  return out;
}

void toProto(const ThreadsRequest& in, v1::ThreadsRequest& out) {
  out.set_user_id(in.userId);
  out.set_room_id(in.roomId);
  out.set_include(in.include);
  out.set_from(in.from);
  out.set_limit(in.limit);
}

ThreadsRequest fromProto(const v1::ThreadsRequest& in) {
  ThreadsRequest out;
  out.userId = in.user_id();
  out.roomId = in.room_id();
  out.include = in.include();
  out.from = in.from();
  out.limit = in.limit();
  return out;
}

void toProto(const TypingRequest& in, v1::TypingRequest& out) {
  out.set_room_id(in.roomId);
  out.set_user_id(in.userId);
  out.set_typing(in.typing);
  out.set_timeout_ms(in.timeoutMs);
}

TypingRequest fromProto(const v1::TypingRequest& in) {
  TypingRequest out;
  out.roomId = in.room_id();
  out.userId = in.user_id();
  out.typing = in.typing();
  out.timeoutMs = in.timeout_ms();
  return out;
}

void toProto(const ReceiptRequest& in, v1::ReceiptRequest& out) {
  out.set_room_id(in.roomId);
  out.set_user_id(in.userId);
  out.set_receipt_type(in.receiptType);
  out.set_event_id(in.eventId);
  out.set_thread_id(in.threadId);
  if (in.ts) out.set_ts(*in.ts);
}

ReceiptRequest fromProto(const v1::ReceiptRequest& in) {
  ReceiptRequest out;
  out.roomId = in.room_id();
  out.userId = in.user_id();
  out.receiptType = in.receipt_type();
  out.eventId = in.event_id();
  out.threadId = in.thread_id();
  if (in.has_ts()) out.ts = in.ts();
  return out;
}

void toProto(const SendToDeviceRequest& in, v1::SendToDeviceRequest& out) {
  out.set_sender_user_id(in.senderUserId);
  out.set_sender_device_id(in.senderDeviceId);
  out.set_type(in.type);
  out.set_txn_id(in.txnId);
  out.set_messages_json(jsonText(in.messages));
}

Result<SendToDeviceRequest> fromProto(const v1::SendToDeviceRequest& in) {
  SendToDeviceRequest out;
  out.senderUserId = in.sender_user_id();
  out.senderDeviceId = in.sender_device_id();
  out.type = in.type();
  out.txnId = in.txn_id();
  PLEXUS_TRY(out.messages, jsonObjectField(in.messages_json(), "messages_json"));
  return out;
}

void toProto(const KeyChanges& in, v1::KeyChanges& out) {
  for (const auto& u : in.changed) out.add_changed(u);
  for (const auto& u : in.left) out.add_left(u);
}

KeyChanges fromProto(const v1::KeyChanges& in) {
  KeyChanges out;
  out.changed.assign(in.changed().begin(), in.changed().end());
  out.left.assign(in.left().begin(), in.left().end());
  return out;
}

void toProto(const PresenceStatus& in, v1::PresenceStatus& out) {
  out.set_presence(in.presence);
  if (in.statusMsg) out.set_status_msg(*in.statusMsg);
  if (in.lastActiveAgoMs) out.set_last_active_ago_ms(*in.lastActiveAgoMs);
  out.set_currently_active(in.currentlyActive);
}

PresenceStatus fromProto(const v1::PresenceStatus& in) {
  PresenceStatus out;
  out.presence = in.presence();
  if (in.has_status_msg()) out.statusMsg = in.status_msg();
  if (in.has_last_active_ago_ms()) out.lastActiveAgoMs = in.last_active_ago_ms();
  out.currentlyActive = in.currently_active();
  return out;
}

}  // namespace plexus::syncapi::convert
