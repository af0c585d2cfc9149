// Server signing keys as `/_matrix/key/v2/server` publishes them and `/_matrix/key/v2/query`
// (a notary) relays them: building our own signed response, validating a remote one (self-signed,
// right server, usable key material) and handling the notary's extra signature.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/crypto/ed25519.h"
#include "plexus/crypto/json_signing.h"
#include "plexus/json/value.h"

namespace plexus::federation {

// SPEC: keys.yaml, valid_until_ts — "Servers MUST use the lesser of this field and 7 days into
// the future when determining if a key is valid."
inline constexpr std::int64_t kMaxKeyValidityMs = 7LL * 24 * 60 * 60 * 1000;

// One of our current signing keys.
struct SigningKeyEntry {
  std::string keyId;  // "ed25519:a_Xyz1"
  crypto::SigningKey key;
};

// One of our retired keys, still published so old events verify.
struct OldKeyEntry {
  std::string keyId;
  crypto::PublicKey key;
  std::int64_t expiredTs = 0;
};

struct OldVerifyKey {
  crypto::PublicKey key;
  std::int64_t expiredTs = 0;
};

// A validated key response. Keys of other algorithms, or with IDs outside the spec's
// `ed25519:[a-zA-Z0-9_]+`, are left out (they cannot be used).
struct ServerKeys {
  std::string serverName;
  std::map<std::string, crypto::PublicKey> verifyKeys;
  std::map<std::string, OldVerifyKey> oldVerifyKeys;
  std::int64_t validUntilTs = 0;  // as published, not clamped
  json::Object json;              // the response as received, for notaries to re-serve
};

// True for "ed25519:" followed by 1+ of [a-zA-Z0-9_] (keys.yaml: "The version must have
// characters matching the regular expression [a-zA-Z0-9_]").
bool isValidEd25519KeyId(std::string_view keyId);

// Our `GET /_matrix/key/v2/server` body, signed by every current key. Needs at least one current
// key (the response must be self-signed); `validUntilTs` is the caller's (spec: avoid responses
// that expire in less than an hour).
json::Object buildServerKeyResponse(std::string_view serverName,
                                    std::span<const SigningKeyEntry> current,
                                    std::span<const OldKeyEntry> old, std::int64_t validUntilTs);

// Validates a key response claimed to be from `expectedServer`: required fields and types,
// server_name equal to `expectedServer`, 32-byte keys, and self-signed: at least one signature
// by a listed verify key, and every signature by a listed verify key verifies. For a key-named
// `expectedServer` every listed key (current or old) must be its name's key. Errors: kBadJson
// (shape), kForbidden (server name mismatch, a key-named server listing another key),
// kInvalidSignature (not self-signed).
Result<ServerKeys> parseServerKeys(const json::Object& response, std::string_view expectedServer);

// The effective validity the spec requires: min(valid_until_ts, fetchedAtMs + 7 days).
std::int64_t effectiveValidUntil(std::int64_t validUntilTs, std::int64_t fetchedAtMs);

// Notary side: adds the notary's signature to a server's key response (the origin's signatures
// stay), as `/_matrix/key/v2/query` returns it.
void addNotarySignature(json::Object& serverKeysJson, std::string_view notaryName,
                        const SigningKeyEntry& notaryKey);

// {"server_keys": [...]}.
json::Object buildNotaryResponse(std::vector<json::Object> signedServerKeys);

// What we ask a notary for: key IDs of a server (none = all keys), valid until at least when.
struct KeyQuery {
  std::string serverName;
  std::vector<std::string> keyIds;
  std::optional<std::int64_t> minimumValidUntilTs;
};

// The `POST /_matrix/key/v2/query` body for `queries`.
json::Object buildKeyQueryRequest(std::span<const KeyQuery> queries);

// Parses a `POST /_matrix/key/v2/query` body (notary side). Errors: kBadJson.
Result<std::vector<KeyQuery>> parseKeyQueryRequest(const json::Object& body);

struct NotaryResult {
  std::vector<ServerKeys> accepted;
  std::vector<std::string> rejected;  // one reason per entry left out
};

// Validates a notary's `/_matrix/key/v2/query` response: each entry must pass parseServerKeys for
// its own server_name and carry a valid signature of `notaryName` by a key `notaryKeys` knows.
// Entries for servers outside `requested` (when non-empty) or failing a check are left out with a
// reason. Errors: kBadJson when the response is not {"server_keys": [objects]}.
Result<NotaryResult> parseNotaryResponse(const json::Object& response, std::string_view notaryName,
                                         const crypto::KeyLookup& notaryKeys,
                                         const std::set<std::string>& requested = {});

}  // namespace plexus::federation
