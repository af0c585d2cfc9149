// The node's Server-Server API listener (issue 4): the federationapi pieces (our signing keys,
// the remote key cache with its HTTPS fetchers, the key and version routes) on a second
// http::Server, TLS with the configured certificate or a self-signed one from the data dir.
// Notary fetches run on a small worker pool of its own so that they never block the io threads
// or the client API's workers.
#pragma once

#include <cstdint>
#include <memory>

#include "plexus/config/config.h"
#include "plexus/core/result.h"
#include "plexus/events/server_identity.h"
#include "plexus/storage/database.h"

namespace plexus::node {

class FederationListener {
 public:
  // Migrates the federationapi tables in `db`, loads our signing keys (importing `identity`'s
  // key on first start) and listens on config.federation.listen with TLS: tls_cert/tls_key, or
  // when neither is set a self-signed certificate kept in the data dir (made on first start;
  // see self_signed_certificate.h). `db` must outlive the listener.
  // Errors: storage errors; kInvalidParam for a bad address, only one of tls_cert/tls_key, or
  // unusable TLS files; kInternal when the self-signed certificate cannot be written;
  // kUnavailable when the address cannot be bound.
  static Result<std::unique_ptr<FederationListener>> start(const config::Config& config,
                                                           const events::ServerIdentity& identity,
                                                           storage::Database& db);
  ~FederationListener();  // stop()
  FederationListener(const FederationListener&) = delete;
  FederationListener& operator=(const FederationListener&) = delete;

  // The bound port (useful with port 0).
  std::uint16_t port() const;
  // Stops listening (letting in-flight requests finish), then the worker pool. Idempotent.
  void stop();

 private:
  struct Impl;
  explicit FederationListener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace plexus::node
