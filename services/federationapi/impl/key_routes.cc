// Handlers of the key, notary and version endpoints.
#include "federationapi/impl/key_routes.h"

#include <charconv>
#include <set>

#include "plexus/json/parse.h"

namespace plexus::federationapi {
namespace {

void runMaybeBlocking(const KeyRoutesContext& context, std::function<void()> work) {
  if (context.runBlocking)
    context.runBlocking(std::move(work));
  else
    work();
}

// True when `response` lists every key in `keyIds` (any when empty) and is valid until `minTs`.
bool satisfies(const json::Object& response, const std::vector<std::string>& keyIds,
               std::int64_t validUntilTs, std::int64_t minTs) {
  if (validUntilTs < minTs) return false;
  const auto* verify = response.find("verify_keys");
  const auto* old = response.find("old_verify_keys");
  for (const auto& keyId : keyIds) {
    bool listed = (verify && verify->get(keyId)) || (old && old->get(keyId));
    if (!listed) return false;
  }
  return true;
}

// The notary entry for one queried server, or nullopt when we have nothing for it.
std::optional<json::Object> notaryEntry(const KeyRoutesContext& context,
                                        const federation::KeyQuery& query) {
  auto& own = *context.ownKeys;
  std::int64_t nowMs = own.now();
  std::int64_t minTs = query.minimumValidUntilTs.value_or(nowMs);
  if (query.serverName == own.serverName()) return own.keyResponse(context.ownKeyValidityMs);

  auto server = federation::ServerName::parse(query.serverName);
  if (!server) return std::nullopt;
  auto load = [&]() -> std::optional<std::pair<json::Object, std::int64_t>> {
    auto stored = context.remoteKeys->storedResponse(query.serverName);
    if (!stored.ok() || !*stored) return std::nullopt;
    auto parsed = json::parseObject((*stored)->responseJson);
    if (!parsed) return std::nullopt;
    return std::make_pair(std::move(*parsed), (*stored)->validUntilTs);
  };
  auto cached = load();
  if (!cached || !satisfies(cached->first, query.keyIds, cached->second, minTs)) {
    // The fetch result is re-read from the store; a failure leaves what we had.
    (void)context.remoteKeys->ensureKeys(*server, query.keyIds, minTs);
    if (auto fresh = load()) cached = std::move(fresh);
  }
  if (!cached) return std::nullopt;
  // NOTSPEC: when nothing fresh enough can be had, the stale response is still returned (marked
  // by its own valid_until_ts) so the requester can use it for old events; synapse does the same.
  federation::addNotarySignature(cached->first, own.serverName(), own.signingKey());
  return std::move(cached->first);
}

void answerQuery(const KeyRoutesContext& context, std::vector<federation::KeyQuery> queries,
                 http::Responder responder) {
  runMaybeBlocking(context, [&context, queries = std::move(queries), responder]() {
    std::vector<json::Object> entries;
    std::set<std::string> seen;
    for (const auto& query : queries) {
      if (!seen.insert(query.serverName).second) continue;
      if (auto entry = notaryEntry(context, query)) entries.push_back(std::move(*entry));
    }
    responder.send(http::Response::json(federation::buildNotaryResponse(std::move(entries))));
  });
}

// Limits how much one notary request may make us fetch.
constexpr std::size_t kMaxQueriedServers = 100;

}  // namespace

void registerKeyRoutes(http::Router& router, const KeyRoutesContext& context) {
  auto serverKeys = [&context](const http::Request&) {
    return http::Response::json(context.ownKeys->keyResponse(context.ownKeyValidityMs));
  };
  router.addSync("GET", "/_matrix/key/v2/server", serverKeys);
  // Deprecated form: the key ID is ignored and every key returned (spec: keys v2 server).
  router.addSync("GET", "/_matrix/key/v2/server/{keyId}", serverKeys);

  router.addSync("GET", "/_matrix/federation/v1/version", [&context](const http::Request&) {
    return http::Response::json(
        json::Object{{"server", json::Object{{"name", context.softwareName},
                                             {"version", context.softwareVersion}}}});
  });

  router.add("POST", "/_matrix/key/v2/query",
             [&context](http::Request request, http::Responder responder) {
               auto body = json::parseObject(request.body);
               if (!body) {
                 responder.send(http::Response::matrixError(
                     makeError(ErrorCode::kNotJson, "body is not a JSON object")));
                 return;
               }
               auto queries = federation::parseKeyQueryRequest(*body);
               if (!queries) {
                 responder.send(http::Response::matrixError(queries.error()));
                 return;
               }
               if (queries->size() > kMaxQueriedServers) {
                 responder.send(http::Response::matrixError(
                     makeError(ErrorCode::kLimitExceeded, "too many servers in one query")));
                 return;
               }
               answerQuery(context, std::move(*queries), std::move(responder));
             });

  router.add("GET", "/_matrix/key/v2/query/{serverName}",
             [&context](http::Request request, http::Responder responder) {
               federation::KeyQuery query;
               query.serverName = std::string(request.param("serverName"));
               if (auto min = request.query.get("minimum_valid_until_ts")) {
                 std::int64_t value = 0;
                 auto [end, ec] = std::from_chars(min->data(), min->data() + min->size(), value);
                 if (ec != std::errc() || end != min->data() + min->size()) {
                   responder.send(http::Response::matrixError(makeError(
                       ErrorCode::kInvalidParam, "minimum_valid_until_ts is not an integer")));
                   return;
                 }
                 query.minimumValidUntilTs = value;
               }
               answerQuery(context, {std::move(query)}, std::move(responder));
             });
}

}  // namespace plexus::federationapi
