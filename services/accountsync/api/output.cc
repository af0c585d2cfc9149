// JSON form of the account-sync bus messages.
#include "accountsync/api/output.h"

namespace plexus::accountsync {

json::Object AccountDataOutput::toJson() const {
  return json::Object{{"user_id", userId},
                      {"room_id", roomId},
                      {"type", type},
                      {"stream_position", streamPosition}};
}

Result<AccountDataOutput> AccountDataOutput::fromJson(const json::Object& object) {
  AccountDataOutput out;
  const json::Value* user = object.find("user_id");
  const json::Value* room = object.find("room_id");
  const json::Value* type = object.find("type");
  const json::Value* pos = object.find("stream_position");
  if (!user || !user->getString() || !room || !room->getString() || !type || !type->getString() ||
      !pos || !pos->getInt()) {
    return fail(ErrorCode::kBadJson, "AccountDataOutput: missing or mistyped field");
  }
  out.userId = *user->getString();
  out.roomId = *room->getString();
  out.type = *type->getString();
  out.streamPosition = *pos->getInt();
  return out;
}

json::Object CredentialsChanged::toJson() const { return json::Object{{"at_ms", atMs}}; }

Result<CredentialsChanged> CredentialsChanged::fromJson(const json::Object& object) {
  const json::Value* at = object.find("at_ms");
  if (!at || !at->getInt()) return fail(ErrorCode::kBadJson, "CredentialsChanged: no at_ms");
  return CredentialsChanged{*at->getInt()};
}

json::Object PushersChanged::toJson() const { return json::Object{{"user_id", userId}}; }

Result<PushersChanged> PushersChanged::fromJson(const json::Object& object) {
  const json::Value* user = object.find("user_id");
  if (!user || !user->getString()) return fail(ErrorCode::kBadJson, "PushersChanged: no user_id");
  return PushersChanged{*user->getString()};
}

}  // namespace plexus::accountsync
