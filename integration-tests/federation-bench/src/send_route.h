// The real inbound PUT /_matrix/federation/v1/send route (services/federationapi
// FederationRoutes) in process, without sockets: X-Matrix authentication against a remote key
// cache whose fetcher serves the bench server's key response, the transaction parsing and the
// per-room dispatch into the roomserver. Requests are signed ahead of time, as a sending server
// would; dispatch() runs one through the router synchronously.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/events/server_identity.h"
#include "plexus/json/value.h"
#include "plexus/storage/database.h"

namespace plexus::roomserver {
class RoomserverApi;
}

namespace plexus::fedbench {

class SendRoute {
 public:
  // `db` holds the key store tables (migrated here); `roomserver` ingests the PDUs. Both must
  // outlive this. `remote` is the only server whose requests are accepted.
  static Result<std::unique_ptr<SendRoute>> create(storage::Database& db,
                                                   roomserver::RoomserverApi& roomserver,
                                                   const std::string& ourName,
                                                   const events::ServerIdentity& remote);
  ~SendRoute();

  struct Request;  // a signed PUT /send, ready to dispatch
  std::shared_ptr<Request> prepare(const std::string& txnId, const std::vector<json::Object>& pdus,
                                   std::int64_t ts) const;
  // Dispatches the request; returns the number of PDUs whose result carries an error, or an
  // error when the route did not answer 200.
  Result<std::size_t> dispatch(const Request& request) const;

 private:
  struct State;
  explicit SendRoute(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace plexus::fedbench
