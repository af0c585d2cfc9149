// refreshKeys: direct fetch, then notaries, merging whatever validates into the key ring.
#include "plexus/federation/key_fetcher.h"

namespace plexus::federation {
namespace {

bool satisfied(const KeyRing& ring, const std::string& server, std::span<const std::string> ids,
               std::int64_t minimumValidUntil) {
  for (const auto& id : ids) {
    auto r = ring.find(server, id);
    if (!r) return false;
    std::int64_t until = r->expiredTs ? *r->expiredTs : r->validUntilTs;
    if (until < minimumValidUntil) return false;
  }
  return true;
}

}  // namespace

Status refreshKeys(KeyRing& ring, KeyFetcher& fetcher, const ServerName& server,
                   std::span<const std::string> keyIds, std::int64_t nowMs,
                   const KeyRefreshOptions& options) {
  if (server.isKeyNamed()) {
    // Self-certifying: the ring knows the only key from the name; nothing to fetch, and nothing
    // a server or notary says could change it.
    for (const auto& id : keyIds) {
      if (!isValidEd25519KeyId(id))
        return fail(ErrorCode::kUnavailable,
                    "key-named server " + server.str() + " has no key " + id + " (ed25519 only)");
    }
    return {};
  }
  std::string why;
  bool accepted = false;
  auto done = [&] {
    return keyIds.empty() ? accepted
                          : satisfied(ring, server.str(), keyIds, options.minimumValidUntilTs);
  };

  if (auto body = fetcher.fetchDirect(server); !body) {
    why += "direct: " + body.error().message + "; ";
  } else if (auto keys = parseServerKeys(*body, server.str()); !keys) {
    why += "direct: " + keys.error().message + "; ";
  } else {
    ring.addServerKeys(*keys, nowMs);
    accepted = true;
    if (done()) return {};
    why += "direct: keys missing or expiring too soon; ";
  }

  std::vector<std::string> ids(keyIds.begin(), keyIds.end());
  KeyQuery query{server.str(), ids, std::nullopt};
  if (options.minimumValidUntilTs > 0) query.minimumValidUntilTs = options.minimumValidUntilTs;
  json::Object request = buildKeyQueryRequest(std::span<const KeyQuery>(&query, 1));
  for (const ServerName& notary : options.notaries) {
    std::string where = "notary " + notary.str() + ": ";
    auto body = fetcher.fetchViaNotary(notary, request);
    if (!body) {
      why += where + body.error().message + "; ";
      continue;
    }
    auto result =
        parseNotaryResponse(*body, notary.str(), ring.requestKeyLookup(nowMs), {server.str()});
    if (!result) {
      why += where + result.error().message + "; ";
      continue;
    }
    for (const auto& keys : result->accepted) {
      ring.addServerKeys(keys, nowMs);
      accepted = true;
    }
    if (done()) return {};
    why += where + (result->rejected.empty() ? "keys missing" : result->rejected.front()) + "; ";
  }
  return fail(ErrorCode::kUnavailable, "no usable keys for " + server.str() + ": " + why);
}

}  // namespace plexus::federation
