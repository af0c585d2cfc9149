// HttpsFederationTransport: the FederationTransport for DNS-named servers (DESIGN.md §5). It
// finds a destination with the spec's server discovery (federation::ServerResolver: well-known,
// SRV, ports), speaks HTTP/1.1 over TLS with the Host header and certificate name discovery
// gives, and keeps connections alive in a small bounded pool per destination so a request to a
// recently used server costs no TCP or TLS handshake.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "plexus/federation/dns_resolver.h"
#include "plexus/federation/federation_transport.h"
#include "plexus/federation/well_known.h"
#include "plexus/http/client.h"

namespace plexus::federation_https {

struct HttpsFederationTransportOptions {
  // TCP connect plus TLS handshake, per address tried (within the request's timeout).
  std::chrono::milliseconds connectTimeout{5'000};
  // Caps OutboundRequest::timeoutMs.
  std::chrono::milliseconds maxRequestTimeout{120'000};
  // Caps OutboundRequest::maxResponseBytes.
  std::size_t maxResponseBytes = 64 * 1024 * 1024;
  // Verification is on by default (system store or caFile); verifyPeer = false accepts any
  // certificate: self-signed test networks only.
  http::TlsClientOptions tls;
  // Server name (exactly as the destination is written, e.g. "remote.test" or
  // "remote.test:8448") -> "address:port", "[v6]:port" or "host:port". Skips discovery for that
  // name: the Host header is the server name and the certificate must be valid for its host. For
  // tests and static peer maps.
  std::map<std::string, std::string> resolveOverrides;
  // Connections to one destination, busy or idle. A request past it waits (within its timeout)
  // for one to come free.
  std::size_t maxConnectionsPerDestination = 8;
  // Idle connections kept over all destinations; the least recently used go first.
  std::size_t maxIdleConnections = 1024;
  // An idle connection older than this is closed instead of reused (below the idle timeouts
  // servers commonly use; a connection the server closed anyway is reopened transparently).
  std::chrono::milliseconds idleTimeout{25'000};
  // How long a discovery result is reused for new connections.
  std::chrono::milliseconds resolutionTtl{10 * 60'000};
  // How long a failed discovery is answered from memory (kUnavailable at once).
  std::chrono::milliseconds failedResolutionTtl{10'000};
  // Discovery runs under a lock per shard (ServerResolver and its well-known cache are not
  // thread-safe); destinations in different shards resolve in parallel.
  std::size_t resolverShards = 8;
};

class HttpsFederationTransport : public federation::FederationTransport {
 public:
  // `dns` and `wellKnown` must outlive this and be callable from several threads (both
  // interfaces promise it). The transport keeps its own well-known cache.
  HttpsFederationTransport(federation::DnsResolver& dns, federation::WellKnownFetcher& wellKnown,
                           HttpsFederationTransportOptions options = {});
  ~HttpsFederationTransport() override;
  HttpsFederationTransport(const HttpsFederationTransport&) = delete;
  HttpsFederationTransport& operator=(const HttpsFederationTransport&) = delete;

  // FederationTransport. `destination` must be a valid server name. Tries the discovered
  // addresses in order on a new connection, reuses an idle kept-alive one when there is one.
  // Errors (all kUnavailable, the message starts with the destination): an invalid name,
  // discovery failure (remembered for failedResolutionTtl), connection or TLS failure (e.g.
  // "certificate verification failed"), timeout, an answer past the size cap, a malformed
  // answer, too many requests in flight to the destination for the whole timeout.
  // The timeout covers waiting for a connection, connecting and the exchange; discovery (DNS,
  // .well-known, with their own timeouts) comes on top when the result is not cached.
  // Thread-safe.
  Result<federation::OutboundResponse> send(std::string_view destination,
                                            const federation::OutboundRequest& request) override;

  // Closes every idle kept-alive connection now (busy ones stay open for reuse).
  void closeIdleConnections();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace plexus::federation_https
