// Value types of the keyserver interface: requests and responses of the E2EE key endpoints
// (/keys/upload, /keys/query, /keys/claim, /keys/changes, cross-signing, signatures) and of
// server-side key backup (/room_keys/...). JSON-shaped parts stay json::Object so that
// client-api passes them through unchanged; toJson() builds the spec's response bodies.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/json/value.h"

namespace plexus::keyserver {

// ---- device keys and one-time keys ----

// Algorithm -> number of unused one-time keys (e.g. {"signed_curve25519": 50}). Always holds
// "signed_curve25519" (0 when none are left), as clients expect.
using OneTimeKeyCounts = std::map<std::string, std::int64_t>;

// User ID -> device IDs (an empty list means every device of the user).
using DeviceKeysQuery = std::map<std::string, std::vector<std::string>>;

struct QueryKeysResponse {
  // userId -> deviceId -> DeviceKeys, with cross-signing signatures merged into `signatures`
  // and unsigned.device_display_name when the device has a display name.
  json::Object deviceKeys;
  // userId -> CrossSigningKey. master keys carry the signatures the requester may see (the
  // owner's device signatures, and the requester's own user-signing signature).
  json::Object masterKeys;
  json::Object selfSigningKeys;
  json::Object userSigningKeys;  // only the requester's own
  // server name -> error object, for servers that could not be reached.
  json::Object failures;

  // {"device_keys", "master_keys", "self_signing_keys", "user_signing_keys", "failures"}.
  json::Object toJson() const;
};

// User ID -> device ID -> algorithm, the body of /keys/claim.
using ClaimKeysRequest = std::map<std::string, std::map<std::string, std::string>>;

struct ClaimKeysResponse {
  // userId -> deviceId -> {"<algorithm>:<key id>": key}
  json::Object oneTimeKeys;
  json::Object failures;

  json::Object toJson() const;  // {"one_time_keys", "failures"}
};

// /keys/changes: users whose device lists changed between two stream positions.
struct KeyChanges {
  std::vector<std::string> changed;  // sorted, unique
  std::vector<std::string> left;     // see KeyserverApi::queryKeyChanges
};

// ---- cross-signing ----

// The body of /keys/device_signing/upload; absent members are left as they are.
struct CrossSigningKeys {
  std::optional<json::Object> master;
  std::optional<json::Object> selfSigning;
  std::optional<json::Object> userSigning;
};

// One failure of /keys/signatures/upload, already in the spec's shape.
struct SignatureFailure {
  std::string errcode;  // e.g. "M_INVALID_SIGNATURE", "M_NOT_FOUND", "M_BAD_JSON"
  std::string error;
};

struct UploadSignaturesResponse {
  // userId -> key ID (device ID or cross-signing public key) -> failure
  std::map<std::string, std::map<std::string, SignatureFailure>> failures;

  json::Object toJson() const;  // {"failures": {...}}
};

// ---- key backup ----

struct BackupVersion {
  std::string version;  // decimal, increasing per user, never reused
  std::string algorithm;
  json::Object authData;
  std::int64_t count = 0;  // keys stored in this version
  std::string etag;        // changes whenever the version's keys change

  // {"algorithm", "auth_data", "count", "etag", "version"}
  json::Object toJson() const;
};

// KeyBackupData: one backed-up session key (session_data is opaque, encrypted by the client).
struct BackupKeyData {
  std::int64_t firstMessageIndex = 0;
  std::int64_t forwardedCount = 0;
  bool isVerified = false;
  json::Object sessionData;

  json::Object toJson() const;
  // Errors: kBadJson when a required field is missing or has the wrong type.
  static Result<BackupKeyData> fromJson(const json::Object& object);
};

// Room ID -> session ID -> key.
using BackupKeys = std::map<std::string, std::map<std::string, BackupKeyData>>;

// {"rooms": {roomId: {"sessions": {sessionId: KeyBackupData}}}}, the shape of
// GET/PUT /room_keys/keys; roomSessionsToJson gives {"sessions": {...}} for one room.
json::Object backupKeysToJson(const BackupKeys& keys);
json::Object roomSessionsToJson(const std::map<std::string, BackupKeyData>& sessions);
// Parses the body of PUT /room_keys/keys. Errors: kBadJson.
Result<BackupKeys> backupKeysFromJson(const json::Object& body);

// Selects keys of a version: all (both empty), one room, or one session of one room.
struct BackupKeySelector {
  std::optional<std::string> roomId;
  std::optional<std::string> sessionId;  // only with roomId
};

// The response of key uploads and deletions: {"count", "etag"} of the version afterwards.
struct BackupKeysSummary {
  std::int64_t count = 0;
  std::string etag;

  json::Object toJson() const;
};

}  // namespace plexus::keyserver
