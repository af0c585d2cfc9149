// The node's federation (issue 4), built in two phases around the other services:
//  1. create(): the federationapi key pieces (our signing keys, the remote key cache with its
//     fetchers) and the outbound side (HTTPS transport with kept-alive connections, the
//     X-Matrix requester). The roomserver needs the key cache (event signatures) and the
//     federation sender needs the requester, so this comes before them.
//  2. listen(): the Server-Server API listener — key/version routes and every federation route
//     over the services — with TLS from tls_cert/tls_key or a self-signed certificate kept in
//     the data dir. Handlers run on a worker pool of their own, never on io threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "federationapi/impl/federation_routes.h"
#include "plexus/config/config.h"
#include "plexus/core/result.h"
#include "plexus/events/server_identity.h"
#include "plexus/federation/federation_requester.h"
#include "plexus/federation/federation_transport.h"
#include "plexus/federation/server_keys.h"
#include "plexus/http/server.h"
#include "plexus/storage/database.h"
#include "roomserver/api/event_key_source.h"

namespace plexus::node {

class FederationListener {
 public:
  // Migrates the federationapi tables in `db`, loads our signing keys (importing `identity`'s
  // key on first start), builds the key cache, transport and requester. `db` must outlive the
  // object. Errors: storage errors; kInvalidParam for a bad address, only one of
  // tls_cert/tls_key, or a bad resolve entry.
  // `overlayTransport` (optional, must outlive the object) carries requests to key-named
  // servers (issue 6); others go over HTTPS.
  static Result<std::unique_ptr<FederationListener>> create(
      const config::Config& config, const events::ServerIdentity& identity, storage::Database& db,
      federation::FederationTransport* overlayTransport = nullptr);
  ~FederationListener();  // stop()
  FederationListener(const FederationListener&) = delete;
  FederationListener& operator=(const FederationListener&) = delete;

  // Event signature keys for the roomserver (fetched from their servers on a miss).
  roomserver::EventKeySource& eventKeys();
  // Signed outbound requests for the federation sender.
  federation::FederationRequester& requester();
  // Our current signing key (the key store's; the key file only seeds it on first start). Events
  // must be signed with it too.
  federation::SigningKeyEntry signingKey() const;

  // Listens on config.federation.listen with every route (with federation.listen empty, only
  // builds the routes: a p2p node serves them over the overlay, see handler()). `deps` names the
  // services; its serverName, keys and runBlocking are filled here. Errors: kInvalidParam (unusable
  // TLS files), kInternal (the self-signed certificate cannot be written), kUnavailable (the
  // address cannot be bound).
  // `onResponse` (optional) sees every answered request (HTTP metrics).
  Status listen(federationapi::FederationDeps deps,
                std::function<void(const http::ResponseRecord&)> onResponse = {});

  // After listen(): every federation route as one handler (for requests arriving over the
  // overlay), and the request limits the HTTPS listener applies.
  http::Handler handler();
  http::ParserLimits limits() const;
  http::BodyLimitFor bodyLimitFor();

  // An EDU queued by deps.queueEdu (FederationRoutes::handleQueuedEdu). kUnavailable before
  // listen() or while a service it needs is unavailable.
  Status handleQueuedEdu(const std::string& origin, const json::Object& edu);

  // The bound port (useful with port 0); 0 before listen().
  std::uint16_t port() const;
  // Stops listening (letting in-flight requests finish), then the worker pool. Idempotent.
  void stop();

 private:
  struct Impl;
  explicit FederationListener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  config::Config config_;
};

}  // namespace plexus::node
