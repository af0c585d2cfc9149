// KeyserverApi: the keyserver's contract. It keeps the public halves of local users' end-to-end
// encryption keys (the server never sees private keys): device identity keys, one-time and
// fallback keys, cross-signing keys and signatures between them, the device-list change stream,
// and server-side key backup (opaque, client-encrypted session keys).
//
// Callers: client-api (the /keys and /room_keys endpoints; device deletion and deactivation
// hooks), sync-api (one-time-key counts, unused fallback key types, device-list positions and
// changes; it also consumes DeviceListUpdate from api/output.h), federation-api (serving our
// users' keys to other servers; remote users' m.device_list_update / m.signing_key_update).
//
// Conventions: every method is thread-safe; each request is one storage transaction, so a
// failing request changes nothing. Device-list changes get a new stream position and a
// DeviceListUpdate bus message, published after commit. Errors are plexus::ErrorCode values;
// kInternal / kUnavailable mean storage trouble (retryable for kUnavailable).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyserver/api/types.h"
#include "plexus/core/call_context.h"
#include "plexus/core/result.h"
#include "plexus/json/value.h"

namespace plexus::keyserver {

class KeyserverApi {
 public:
  virtual ~KeyserverApi() = default;

  // ---- device keys, one-time keys, fallback keys ----

  // POST /keys/upload for (userId, deviceId).
  // deviceKeys: DeviceKeys; user_id and device_id must equal the caller's, keys must hold
  //   "ed25519:<device_id>", and it must be signed by that key. Uploading the same keys again
  //   is a no-op; different keys for a device that already has keys are refused (kInvalidParam)
  //   until the device is deleted.
  // oneTimeKeys / fallbackKeys: {"<algorithm>:<key id>": key (string or signed object)}. A
  //   one-time key ID already stored with different content is refused (kInvalidParam); the
  //   same content is ignored. A fallback key replaces the device's previous fallback key of
  //   that algorithm and is unused; re-uploading the identical key keeps its used flag.
  // Returns the unused one-time key counts after the upload.
  // Errors: kBadJson (wrong shapes), kInvalidParam (mismatched IDs, conflicts),
  //   kInvalidSignature (device keys not signed by their own ed25519 key).
  virtual Result<OneTimeKeyCounts> performUploadKeys(const CallContext& ctx,
                                                     std::string_view userId,
                                                     std::string_view deviceId,
                                                     const std::optional<json::Object>& deviceKeys,
                                                     const json::Object& oneTimeKeys,
                                                     const json::Object& fallbackKeys) = 0;

  // Sets the display name shown in /keys/query as unsigned.device_display_name (client-api
  // calls it when a device is created or renamed). Counts as a device-list change when the
  // name changes. An empty name removes it.
  virtual Status performSetDeviceDisplayName(const CallContext& ctx, std::string_view userId,
                                             std::string_view deviceId,
                                             std::string_view displayName) = 0;

  // POST /keys/query by requestingUserId. Unknown users and devices are simply absent.
  // Remote users (when the service knows its server name and has a federation sender) are
  // answered from the cache when their list is tracked, not stale, and still shares a room
  // with a local user; otherwise a shared user's list is resynced (GET /user/devices, cached)
  // and any other is asked from their server (POST /user/keys/query, not cached), each within
  // the remote-query timeout. SPEC: servers that could not be reached are keyed in
  // `failures` ({"status": 503, "message"}); their users are absent. user_signing_keys holds
  // only the requester's own. Errors: storage only.
  virtual Result<QueryKeysResponse> queryKeys(const CallContext& ctx,
                                              std::string_view requestingUserId,
                                              const DeviceKeysQuery& query) = 0;

  // POST /keys/claim: for each (user, device, algorithm) takes one unused one-time key, each key
  // given out at most once even under concurrent claims; when none is left, returns the
  // device's fallback key of that algorithm (marking it used; it may be returned again).
  // Devices with neither are absent from the response. Remote users are claimed from their
  // servers (POST /user/keys/claim, one request per server); unreachable servers are keyed in
  // `failures`.
  virtual Result<ClaimKeysResponse> performClaimKeys(const CallContext& ctx,
                                                     const ClaimKeysRequest& request) = 0;

  // Unused one-time keys of a device per algorithm (/keys/upload response, /sync's
  // device_one_time_keys_count).
  virtual Result<OneTimeKeyCounts> queryOneTimeKeyCounts(const CallContext& ctx,
                                                         std::string_view userId,
                                                         std::string_view deviceId) = 0;

  // Algorithms of the device's fallback keys that have not been used (/sync's
  // device_unused_fallback_key_types), sorted.
  virtual Result<std::vector<std::string>> queryUnusedFallbackKeyTypes(
      const CallContext& ctx, std::string_view userId, std::string_view deviceId) = 0;

  // ---- device-list stream ----

  // The latest device-list stream position (0 before any change). Positions increase and are
  // visible in order: once queryDeviceListPosition() returns p, every change <= p is readable.
  virtual Result<std::int64_t> queryDeviceListPosition(const CallContext& ctx) = 0;

  // Local users whose device keys, display names or cross-signing keys changed at positions in
  // (from, to]. `requestingUserId` is for logging and future filtering: the keyserver does not
  // know room membership, so the caller (client-api / sync-api) keeps only users that share a
  // room with the requester and computes `left` itself; `left` is always empty here.
  // Errors: kInvalidParam when from > to or either is negative.
  virtual Result<KeyChanges> queryKeyChanges(const CallContext& ctx,
                                             std::string_view requestingUserId,
                                             std::int64_t from, std::int64_t to) = 0;

  // ---- federation: remote users' device lists ----

  // An m.device_list_update EDU from `origin` (SPEC: server-server-api "Device Management"):
  // {user_id, device_id, stream_id, prev_id?, deleted?, device_display_name?, keys?}. Applied
  // to the cached list when every prev_id was seen (<= the newest applied stream ID); a gap,
  // or a user not cached yet, resyncs the whole list from the origin (GET /user/devices). A
  // user no local user shares a room with is ignored. Each applied change is a device-list
  // change of the remote user (DeviceListUpdate on the bus: /sync device_lists for local
  // users sharing a room). Errors: kForbidden (user not of `origin`, or one of ours),
  // kBadJson (shape). A failed resync is not an error: the cache is marked stale and
  // refetched on the next /keys/query.
  virtual Status inputDeviceListUpdate(const CallContext& ctx, std::string_view origin,
                                       const json::Object& content) = 0;

  // An m.signing_key_update EDU from `origin`: {user_id, master_key?, self_signing_key?}
  // replaces the cached cross-signing keys given; a device-list change of the user. Ignored
  // for users no local user shares a room with. Errors: kForbidden, kBadJson.
  virtual Status inputSigningKeyUpdate(const CallContext& ctx, std::string_view origin,
                                       const json::Object& content) = 0;

  // The stream_id of GET /_matrix/federation/v1/user/devices/{userId} for a local user: the
  // position of the user's latest device change (0 when none). The next
  // m.device_list_update for the user names it in prev_id, so a server that resynced from
  // /user/devices applies it without another resync.
  virtual Result<std::int64_t> queryUserDeviceListStreamId(const CallContext& ctx,
                                                           std::string_view userId) = 0;

  // ---- cross-signing ----

  // POST /keys/device_signing/upload (user-interactive auth is client-api's job; see
  // queryCrossSigningUploadIsNoOp). Each key: user_id == userId, usage holds "master" /
  // "self_signing" / "user_signing", keys holds exactly one "ed25519:<unpadded base64>" whose
  // value is that public key. Self- and user-signing keys must be signed by the master key
  // (the uploaded one, or the stored one when none is uploaded). Absent keys are kept.
  // Errors: kBadJson (shapes), kInvalidParam (wrong user, usage, no master key to sign with),
  //   kInvalidSignature (not signed by the master key).
  virtual Status performUploadCrossSigningKeys(const CallContext& ctx, std::string_view userId,
                                               const CrossSigningKeys& keys) = 0;

  // True when the user has a master key and every key in `keys` equals the stored one (the
  // request adds nothing new): SPEC: then /keys/device_signing/upload needs no UIA.
  virtual Result<bool> queryCrossSigningUploadIsNoOp(const CallContext& ctx,
                                                     std::string_view userId,
                                                     const CrossSigningKeys& keys) = 0;

  // POST /keys/signatures/upload by userId. body: {userId: {keyId: signed object}}, keyId a
  // device ID or a cross-signing public key. Accepted: the uploader's own devices signed by
  // their self-signing key; their own master key signed by one of their devices; another
  // user's master key signed by the uploader's user-signing key (visible only to the
  // uploader). The object must equal the stored key apart from signatures. Each failure is
  // reported per key (M_INVALID_SIGNATURE, M_NOT_FOUND, M_BAD_JSON, M_FORBIDDEN); the rest are
  // stored. Errors: storage only.
  virtual Result<UploadSignaturesResponse> performUploadSignatures(const CallContext& ctx,
                                                                   std::string_view userId,
                                                                   const json::Object& body) = 0;

  // ---- deletion hooks ----

  // Removes the devices' keys, one-time keys, fallback keys and the signatures on them; each
  // device that had keys gets a deleted device-list change. Unknown devices are ignored.
  virtual Status performDeleteDeviceKeys(const CallContext& ctx, std::string_view userId,
                                         const std::vector<std::string>& deviceIds) = 0;

  // Deactivation: removes all the user's device keys, cross-signing keys, signatures they made
  // or received, and key backups.
  virtual Status performDeleteUserKeys(const CallContext& ctx, std::string_view userId) = 0;

  // ---- key backup (/room_keys) ----

  // POST /room_keys/version: creates a new version, which becomes the current (latest) one.
  // Errors: kBadJson when algorithm is empty.
  virtual Result<std::string> performCreateBackupVersion(const CallContext& ctx,
                                                         std::string_view userId,
                                                         std::string_view algorithm,
                                                         const json::Object& authData) = 0;

  // GET /room_keys/version[/{version}]: nullopt asks for the latest version.
  // Errors: kNotFound (no such version, deleted, or no backup at all).
  virtual Result<BackupVersion> queryBackupVersion(const CallContext& ctx,
                                                   std::string_view userId,
                                                   const std::optional<std::string>& version) = 0;

  // PUT /room_keys/version/{version}: replaces auth_data. Errors: kNotFound; kInvalidParam when
  // algorithm differs from the version's.
  virtual Status performUpdateBackupVersion(const CallContext& ctx, std::string_view userId,
                                            std::string_view version, std::string_view algorithm,
                                            const json::Object& authData) = 0;

  // DELETE /room_keys/version/{version}: deletes it and its keys; the number is not reused.
  // Errors: kNotFound.
  virtual Status performDeleteBackupVersion(const CallContext& ctx, std::string_view userId,
                                            std::string_view version) = 0;

  // PUT /room_keys/keys[...]: stores keys in `version`. SPEC: an existing key for a session is
  // replaced only by a better one: verified beats unverified, then the lower
  // first_message_index, then the lower forwarded_count (ties keep the stored key).
  // Errors: kNotFound (no such version); kWrongRoomKeysVersion when `version` is not the
  // current version (client-api adds "current_version" from queryBackupVersion(nullopt)).
  virtual Result<BackupKeysSummary> performUploadBackupKeys(const CallContext& ctx,
                                                            std::string_view userId,
                                                            std::string_view version,
                                                            const BackupKeys& keys) = 0;

  // GET /room_keys/keys[...] of any existing version. A room with no keys gives an empty map;
  // a missing session is kNotFound. Errors: kNotFound (version or session).
  virtual Result<BackupKeys> queryBackupKeys(const CallContext& ctx, std::string_view userId,
                                             std::string_view version,
                                             const BackupKeySelector& selector) = 0;

  // DELETE /room_keys/keys[...]: removes the selected keys. Errors: kNotFound (version).
  virtual Result<BackupKeysSummary> performDeleteBackupKeys(const CallContext& ctx,
                                                            std::string_view userId,
                                                            std::string_view version,
                                                            const BackupKeySelector& selector) = 0;
};

}  // namespace plexus::keyserver
