// Keyserver value types <-> protobuf messages (convert.h).
#include "keyserver/grpc/convert.h"

#include "plexus/grpcutil/json_text.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::keyserver::convert {
namespace {

// An optional JSON member: unset stays unset.
void setOptionalJson(const std::optional<json::Object>& in,
                     std::string* (v1::CrossSigningKeys::*mutableField)(),
                     v1::CrossSigningKeys& out) {
  if (in) *(out.*mutableField)() = jsonText(*in);
}

void toProto(const BackupKeyData& in, v1::BackupKeyData& out) {
  out.set_first_message_index(in.firstMessageIndex);
  out.set_forwarded_count(in.forwardedCount);
  out.set_is_verified(in.isVerified);
  out.set_session_data_json(jsonText(in.sessionData));
}

Result<BackupKeyData> fromProto(const v1::BackupKeyData& in) {
  BackupKeyData out;
  out.firstMessageIndex = in.first_message_index();
  out.forwardedCount = in.forwarded_count();
  out.isVerified = in.is_verified();
  PLEXUS_TRY(out.sessionData, jsonObjectField(in.session_data_json(), "session_data_json"));
  return out;
}

}  // namespace

void toProto(const OneTimeKeyCounts& in, v1::OneTimeKeyCounts& out) {
  for (const auto& [algorithm, count] : in) (*out.mutable_counts())[algorithm] = count;
}

OneTimeKeyCounts fromProto(const v1::OneTimeKeyCounts& in) {
  return OneTimeKeyCounts(in.counts().begin(), in.counts().end());
}

void toProto(const DeviceKeysQuery& in, v1::QueryKeysRequest& out) {
  auto& query = *out.mutable_query();
  for (const auto& [userId, devices] : in) {
    auto& ids = *query[userId].mutable_device_ids();
    ids.Add(devices.begin(), devices.end());
  }
}

DeviceKeysQuery fromProto(const v1::QueryKeysRequest& in) {
  DeviceKeysQuery out;
  for (const auto& [userId, devices] : in.query()) {
    out[userId].assign(devices.device_ids().begin(), devices.device_ids().end());
  }
  return out;
}

void toProto(const QueryKeysResponse& in, v1::QueryKeysResponse& out) {
  out.set_device_keys_json(jsonText(in.deviceKeys));
  out.set_master_keys_json(jsonText(in.masterKeys));
  out.set_self_signing_keys_json(jsonText(in.selfSigningKeys));
  out.set_user_signing_keys_json(jsonText(in.userSigningKeys));
  out.set_failures_json(jsonText(in.failures));
}

Result<QueryKeysResponse> fromProto(const v1::QueryKeysResponse& in) {
  QueryKeysResponse out;
  PLEXUS_TRY(out.deviceKeys, jsonObjectField(in.device_keys_json(), "device_keys_json"));
  PLEXUS_TRY(out.masterKeys, jsonObjectField(in.master_keys_json(), "master_keys_json"));
  PLEXUS_TRY(out.selfSigningKeys,
             jsonObjectField(in.self_signing_keys_json(), "self_signing_keys_json"));
  PLEXUS_TRY(out.userSigningKeys,
             jsonObjectField(in.user_signing_keys_json(), "user_signing_keys_json"));
  PLEXUS_TRY(out.failures, jsonObjectField(in.failures_json(), "failures_json"));
  return out;
}

void toProto(const ClaimKeysRequest& in, v1::ClaimKeysRequest& out) {
  auto& users = *out.mutable_users();
  for (const auto& [userId, devices] : in) {
    auto& algorithms = *users[userId].mutable_algorithms();
    for (const auto& [deviceId, algorithm] : devices) algorithms[deviceId] = algorithm;
  }
}

ClaimKeysRequest fromProto(const v1::ClaimKeysRequest& in) {
  ClaimKeysRequest out;
  for (const auto& [userId, devices] : in.users()) {
    auto& mine = out[userId];
    for (const auto& [deviceId, algorithm] : devices.algorithms()) mine[deviceId] = algorithm;
  }
  return out;
}

void toProto(const ClaimKeysResponse& in, v1::ClaimKeysResponse& out) {
  out.set_one_time_keys_json(jsonText(in.oneTimeKeys));
  out.set_failures_json(jsonText(in.failures));
}

Result<ClaimKeysResponse> fromProto(const v1::ClaimKeysResponse& in) {
  ClaimKeysResponse out;
  PLEXUS_TRY(out.oneTimeKeys, jsonObjectField(in.one_time_keys_json(), "one_time_keys_json"));
  PLEXUS_TRY(out.failures, jsonObjectField(in.failures_json(), "failures_json"));
  return out;
}

void toProto(const KeyChanges& in, v1::KeyChanges& out) {
  out.mutable_changed()->Add(in.changed.begin(), in.changed.end());
  out.mutable_left()->Add(in.left.begin(), in.left.end());
}

KeyChanges fromProto(const v1::KeyChanges& in) {
  KeyChanges out;
  out.changed.assign(in.changed().begin(), in.changed().end());
  out.left.assign(in.left().begin(), in.left().end());
  return out;
}

void toProto(const CrossSigningKeys& in, v1::CrossSigningKeys& out) {
  setOptionalJson(in.master, &v1::CrossSigningKeys::mutable_master_json, out);
  setOptionalJson(in.selfSigning, &v1::CrossSigningKeys::mutable_self_signing_json, out);
  setOptionalJson(in.userSigning, &v1::CrossSigningKeys::mutable_user_signing_json, out);
}

Result<CrossSigningKeys> fromProto(const v1::CrossSigningKeys& in) {
  CrossSigningKeys out;
  if (in.has_master_json()) {
    PLEXUS_TRY(out.master, jsonObjectField(in.master_json(), "master_json"));
  }
  if (in.has_self_signing_json()) {
    PLEXUS_TRY(out.selfSigning, jsonObjectField(in.self_signing_json(), "self_signing_json"));
  }
  if (in.has_user_signing_json()) {
    PLEXUS_TRY(out.userSigning, jsonObjectField(in.user_signing_json(), "user_signing_json"));
  }
  return out;
}

void toProto(const UploadSignaturesResponse& in, v1::UploadSignaturesResponse& out) {
  auto& users = *out.mutable_failures();
  for (const auto& [userId, keys] : in.failures) {
    auto& perKey = *users[userId].mutable_keys();
    for (const auto& [keyId, failure] : keys) {
      auto& f = perKey[keyId];
      f.set_errcode(failure.errcode);
      f.set_error(failure.error);
    }
  }
}

UploadSignaturesResponse fromProto(const v1::UploadSignaturesResponse& in) {
  UploadSignaturesResponse out;
  for (const auto& [userId, keys] : in.failures()) {
    auto& perKey = out.failures[userId];
    for (const auto& [keyId, failure] : keys.keys()) {
      perKey[keyId] = SignatureFailure{failure.errcode(), failure.error()};
    }
  }
  return out;
}

void toProto(const BackupVersion& in, v1::BackupVersion& out) {
  out.set_version(in.version);
  out.set_algorithm(in.algorithm);
  out.set_auth_data_json(jsonText(in.authData));
  out.set_count(in.count);
  out.set_etag(in.etag);
}

Result<BackupVersion> fromProto(const v1::BackupVersion& in) {
  BackupVersion out;
  out.version = in.version();
  out.algorithm = in.algorithm();
  PLEXUS_TRY(out.authData, jsonObjectField(in.auth_data_json(), "auth_data_json"));
  out.count = in.count();
  out.etag = in.etag();
  return out;
}

void toProto(const BackupKeys& in, v1::BackupKeys& out) {
  auto& rooms = *out.mutable_rooms();
  for (const auto& [roomId, sessions] : in) {
    auto& perSession = *rooms[roomId].mutable_sessions();
    for (const auto& [sessionId, data] : sessions) toProto(data, perSession[sessionId]);
  }
}

Result<BackupKeys> fromProto(const v1::BackupKeys& in) {
  BackupKeys out;
  for (const auto& [roomId, sessions] : in.rooms()) {
    auto& perSession = out[roomId];
    for (const auto& [sessionId, data] : sessions.sessions()) {
      PLEXUS_TRY(auto key, fromProto(data));
      perSession.emplace(sessionId, std::move(key));
    }
  }
  return out;
}

void toProto(const BackupKeySelector& in, v1::BackupKeySelector& out) {
  if (in.roomId) out.set_room_id(*in.roomId);
  if (in.sessionId) out.set_session_id(*in.sessionId);
}

BackupKeySelector fromProto(const v1::BackupKeySelector& in) {
  BackupKeySelector out;
  if (in.has_room_id()) out.roomId = in.room_id();
  if (in.has_session_id()) out.sessionId = in.session_id();
  return out;
}

void toProto(const BackupKeysSummary& in, v1::BackupKeysSummary& out) {
  out.set_count(in.count);
  out.set_etag(in.etag);
}

BackupKeysSummary fromProto(const v1::BackupKeysSummary& in) {
  return BackupKeysSummary{in.count(), in.etag()};
}

}  // namespace plexus::keyserver::convert
