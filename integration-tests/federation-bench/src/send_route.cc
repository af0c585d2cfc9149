// The /send route in process, for the ingest benchmark.
#include "send_route.h"

#include <span>

#include "federationapi/impl/federation_routes.h"
#include "federationapi/impl/remote_key_cache.h"
#include "federationapi/storage/sql_server_key_store.h"
#include "plexus/federation/key_fetcher.h"
#include "plexus/federation/server_keys.h"
#include "plexus/federation/x_matrix.h"
#include "plexus/http/request.h"
#include "plexus/http/responder.h"
#include "plexus/http/router.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::fedbench {
namespace {

// Serves the bench server's key response; nothing else is reachable.
class BenchKeyFetcher final : public federation::KeyFetcher {
 public:
  explicit BenchKeyFetcher(const events::ServerIdentity& remote)
      : name_(remote.serverName), entry_{remote.keyId, remote.signingKey} {}
  Result<json::Object> fetchDirect(const federation::ServerName& server) override {
    if (server.str() != name_) return fail(ErrorCode::kUnavailable, "unreachable");
    std::int64_t validUntil = 4'000'000'000'000;  // far in the future
    return federation::buildServerKeyResponse(name_, std::span(&entry_, 1), {}, validUntil);
  }
  Result<json::Object> fetchViaNotary(const federation::ServerName&, const json::Object&) override {
    return fail(ErrorCode::kUnavailable, "no notaries");
  }

 private:
  std::string name_;
  federation::SigningKeyEntry entry_;
};

}  // namespace

struct SendRoute::Request {
  http::Request http;
};

struct SendRoute::State {
  State(storage::Database& db, const events::ServerIdentity& r)
      : remote(r), fetcher(r), cache(db, keyStore, fetcher) {}
  events::ServerIdentity remote;
  std::string ourName;
  federationapi::SqlServerKeyStore keyStore;
  BenchKeyFetcher fetcher;
  federationapi::RemoteKeyCache cache;
  std::unique_ptr<federationapi::FederationRoutes> routes;
  http::Router router;
};

SendRoute::SendRoute(std::unique_ptr<State> state) : state_(std::move(state)) {}
SendRoute::~SendRoute() = default;

Result<std::unique_ptr<SendRoute>> SendRoute::create(storage::Database& db,
                                                     roomserver::RoomserverApi& roomserver,
                                                     const std::string& ourName,
                                                     const events::ServerIdentity& remote) {
  auto state = std::make_unique<State>(db, remote);
  state->ourName = ourName;
  PLEXUS_TRY_VOID(state->keyStore.migrate(db));
  PLEXUS_TRY_VOID(state->cache.load());
  federationapi::FederationDeps deps;
  deps.serverName = ourName;
  deps.keys = &state->cache;
  deps.roomserver = &roomserver;
  state->routes = std::make_unique<federationapi::FederationRoutes>(std::move(deps));
  state->routes->registerRoutes(state->router);
  return std::unique_ptr<SendRoute>(new SendRoute(std::move(state)));
}

std::shared_ptr<SendRoute::Request> SendRoute::prepare(const std::string& txnId,
                                                       const std::vector<json::Object>& pdus,
                                                       std::int64_t ts) const {
  json::Array list;
  list.reserve(pdus.size());
  for (const auto& p : pdus) list.emplace_back(p);
  json::Value body(json::Object{
      {"origin", state_->remote.serverName}, {"origin_server_ts", ts}, {"pdus", std::move(list)}});
  auto request = std::make_shared<Request>();
  request->http.method = "PUT";
  request->http.target = "/_matrix/federation/v1/send/" + txnId;
  request->http.body = json::canonical(body);
  auto auth =
      federation::signRequest(state_->remote.serverName, state_->ourName, state_->remote.keyId,
                              state_->remote.signingKey, "PUT", request->http.target, &body);
  request->http.headers.add("Authorization", federation::formatXMatrix(auth));
  return request;
}

Result<std::size_t> SendRoute::dispatch(const Request& request) const {
  http::Request copy = request.http;
  PLEXUS_TRY_VOID(http::parseTarget(copy));
  http::Response out;
  out.status = 0;
  state_->router.dispatch(
      std::move(copy), http::Responder::detached([&out](http::Response r) { out = std::move(r); }));
  if (out.status != 200) {
    return fail(ErrorCode::kUnavailable,
                "send route answered " + std::to_string(out.status) + ": " + out.body);
  }
  PLEXUS_TRY(json::Object answer, json::parseObject(out.body));
  std::size_t errors = 0;
  if (const json::Value* pdus = answer.find("pdus"); pdus && pdus->getObject()) {
    for (const auto& [id, result] : *pdus->getObject()) {
      if (result.get("error")) ++errors;
    }
  }
  return errors;
}

}  // namespace plexus::fedbench
