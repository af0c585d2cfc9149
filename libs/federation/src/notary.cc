// The notary side of key exchange (`/_matrix/key/v2/query`): request bodies, the notary's
// countersignature and validating a notary's response.
#include "plexus/crypto/json_signing.h"
#include "plexus/federation/server_keys.h"

namespace plexus::federation {
namespace {

Unexpected badQuery(std::string why) {
  return fail(ErrorCode::kBadJson, "invalid key query: " + std::move(why));
}

}  // namespace

void addNotarySignature(json::Object& serverKeysJson, std::string_view notaryName,
                        const SigningKeyEntry& notaryKey) {
  crypto::signJson(serverKeysJson, notaryName, notaryKey.keyId, notaryKey.key);
}

json::Object buildNotaryResponse(std::vector<json::Object> signedServerKeys) {
  json::Array entries;
  entries.reserve(signedServerKeys.size());
  for (auto& o : signedServerKeys) entries.emplace_back(std::move(o));
  return json::Object{{"server_keys", std::move(entries)}};
}

json::Object buildKeyQueryRequest(std::span<const KeyQuery> queries) {
  json::Object servers;
  for (const auto& q : queries) {
    json::Object criteria;
    for (const auto& keyId : q.keyIds) {
      json::Object c;
      if (q.minimumValidUntilTs) c.set("minimum_valid_until_ts", *q.minimumValidUntilTs);
      criteria.set(keyId, std::move(c));
    }
    servers.set(q.serverName, std::move(criteria));
  }
  return json::Object{{"server_keys", std::move(servers)}};
}

Result<std::vector<KeyQuery>> parseKeyQueryRequest(const json::Object& body) {
  const json::Value* servers = body.find("server_keys");
  if (!servers || !servers->getObject()) return badQuery("server_keys missing");
  std::vector<KeyQuery> out;
  for (const auto& [server, criteria] : *servers->getObject()) {
    if (!criteria.getObject()) return badQuery("criteria of " + server + " is not an object");
    KeyQuery q{server, {}, std::nullopt};
    for (const auto& [keyId, c] : *criteria.getObject()) {
      if (!c.getObject()) return badQuery("criteria of " + keyId + " is not an object");
      if (const json::Value* min = c.get("minimum_valid_until_ts")) {
        if (!min->getInt()) return badQuery("minimum_valid_until_ts is not an integer");
        // One query per server: the strictest minimum of its keys.
        if (!q.minimumValidUntilTs || *min->getInt() > *q.minimumValidUntilTs) {
          q.minimumValidUntilTs = *min->getInt();
        }
      }
      q.keyIds.push_back(keyId);
    }
    out.push_back(std::move(q));
  }
  return out;
}

Result<NotaryResult> parseNotaryResponse(const json::Object& response, std::string_view notaryName,
                                         const crypto::KeyLookup& notaryKeys,
                                         const std::set<std::string>& requested) {
  const json::Value* entries = response.find("server_keys");
  if (!entries || !entries->getArray()) {
    return fail(ErrorCode::kBadJson, "notary response has no server_keys array");
  }
  NotaryResult result;
  for (const json::Value& entry : *entries->getArray()) {
    const json::Object* object = entry.getObject();
    if (!object) return fail(ErrorCode::kBadJson, "notary response entry is not an object");
    auto name = entry.getStringAt("server_name");
    if (!name) {
      result.rejected.push_back("entry without server_name");
      continue;
    }
    if (!requested.empty() && !requested.contains(std::string(*name))) {
      result.rejected.push_back(std::string(*name) + ": not requested");
      continue;
    }
    auto keys = parseServerKeys(*object, *name);
    if (!keys) {
      result.rejected.push_back(std::string(*name) + ": " + keys.error().message);
      continue;
    }
    if (auto st = crypto::verifyJsonSignedBy(*object, notaryName, notaryKeys); !st) {
      result.rejected.push_back(std::string(*name) + ": notary signature: " + st.error().message);
      continue;
    }
    result.accepted.push_back(std::move(keys).value());
  }
  return result;
}

}  // namespace plexus::federation
