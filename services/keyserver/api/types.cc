// JSON shapes of the keyserver's response types (client-server API /keys and /room_keys).
#include "keyserver/api/types.h"

namespace plexus::keyserver {

json::Object QueryKeysResponse::toJson() const {
  return json::Object{{"device_keys", deviceKeys},
                      {"failures", failures},
                      {"master_keys", masterKeys},
                      {"self_signing_keys", selfSigningKeys},
                      {"user_signing_keys", userSigningKeys}};
}

json::Object ClaimKeysResponse::toJson() const {
  return json::Object{{"failures", failures}, {"one_time_keys", oneTimeKeys}};
}

json::Object UploadSignaturesResponse::toJson() const {
  json::Object users;
  for (const auto& [userId, keys] : failures) {
    json::Object perKey;
    for (const auto& [keyId, failure] : keys) {
      perKey.set(keyId, json::Object{{"errcode", failure.errcode}, {"error", failure.error}});
    }
    users.set(userId, std::move(perKey));
  }
  return json::Object{{"failures", std::move(users)}};
}

json::Object BackupVersion::toJson() const {
  return json::Object{{"algorithm", algorithm},
                      {"auth_data", authData},
                      {"count", count},
                      {"etag", etag},
                      {"version", version}};
}

json::Object BackupKeyData::toJson() const {
  return json::Object{{"first_message_index", firstMessageIndex},
                      {"forwarded_count", forwardedCount},
                      {"is_verified", isVerified},
                      {"session_data", sessionData}};
}

Result<BackupKeyData> BackupKeyData::fromJson(const json::Object& object) {
  const json::Value* first = object.find("first_message_index");
  const json::Value* forwarded = object.find("forwarded_count");
  const json::Value* verified = object.find("is_verified");
  const json::Value* data = object.find("session_data");
  if (!first || !first->getInt() || !forwarded || !forwarded->getInt() || !verified ||
      !verified->getBool() || !data || !data->getObject()) {
    return fail(ErrorCode::kBadJson,
                "KeyBackupData needs first_message_index, forwarded_count, is_verified and "
                "session_data");
  }
  if (*first->getInt() < 0 || *forwarded->getInt() < 0) {
    return fail(ErrorCode::kBadJson, "KeyBackupData counts must not be negative");
  }
  BackupKeyData d;
  d.firstMessageIndex = *first->getInt();
  d.forwardedCount = *forwarded->getInt();
  d.isVerified = *verified->getBool();
  d.sessionData = *data->getObject();
  return d;
}

json::Object roomSessionsToJson(const std::map<std::string, BackupKeyData>& sessions) {
  json::Object out;
  for (const auto& [sessionId, data] : sessions) out.set(sessionId, data.toJson());
  return json::Object{{"sessions", std::move(out)}};
}

json::Object backupKeysToJson(const BackupKeys& keys) {
  json::Object rooms;
  for (const auto& [roomId, sessions] : keys) rooms.set(roomId, roomSessionsToJson(sessions));
  return json::Object{{"rooms", std::move(rooms)}};
}

Result<BackupKeys> backupKeysFromJson(const json::Object& body) {
  const json::Value* rooms = body.find("rooms");
  if (!rooms || !rooms->getObject()) return fail(ErrorCode::kBadJson, "rooms must be an object");
  BackupKeys keys;
  for (const auto& [roomId, room] : *rooms->getObject()) {
    const json::Value* sessions = room.get("sessions");
    if (!sessions || !sessions->getObject()) {
      return fail(ErrorCode::kBadJson, "rooms." + roomId + ".sessions must be an object");
    }
    auto& out = keys[roomId];
    for (const auto& [sessionId, data] : *sessions->getObject()) {
      if (!data.getObject()) return fail(ErrorCode::kBadJson, "a session must be an object");
      PLEXUS_TRY(auto parsed, BackupKeyData::fromJson(*data.getObject()));
      out.emplace(sessionId, std::move(parsed));
    }
  }
  return keys;
}

json::Object BackupKeysSummary::toJson() const {
  return json::Object{{"count", count}, {"etag", etag}};
}

}  // namespace plexus::keyserver
