// The network side of key fetching and server discovery over libs/http's Client: an HTTPS
// KeyFetcher that sends through a FederationTransport (the node's pooled
// federation_https::HttpsFederationTransport) or, standalone, reaches a server where the
// ServerResolver says (addresses in order, the Host header and certificate name it gives), and
// a WellKnownFetcher for `https://<host>/.well-known/matrix/server`. TLS verification is on by
// default; both cap the response size and the time spent.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include "plexus/federation/federation_transport.h"
#include "plexus/federation/key_fetcher.h"
#include "plexus/federation/server_resolver.h"
#include "plexus/federation/well_known.h"
#include "plexus/http/client.h"

namespace plexus::federationapi {

struct FederationHttpOptions {
  std::chrono::milliseconds connectTimeout{5'000};  // per address, handshake included
  std::chrono::milliseconds requestTimeout{10'000};
  std::size_t maxResponseBytes = 512 * 1024;
  // verifyPeer = false accepts self-signed peers: test networks only.
  http::TlsClientOptions tls;
  // "host" or "host:port" -> "address[:port]", as http::ClientOptions::resolveOverrides. Used by
  // the .well-known fetcher (the key fetcher gets its addresses from the resolver).
  std::map<std::string, std::string> resolveOverrides;
};

// One HTTPS request to a resolved server: each endpoint in turn until one answers.
// Errors: kUnavailable when none could be reached, kTooLarge past the size cap.
Result<http::ClientResponse> requestResolved(const federation::ResolvedServer& server,
                                             http::ClientRequest request,
                                             const FederationHttpOptions& options);

class HttpsKeyFetcher : public federation::KeyFetcher {
 public:
  // Through `transport` (must outlive this), e.g. the HttpsFederationTransport the federation
  // sender uses too: kept-alive connections and cached discovery. options.requestTimeout and
  // options.maxResponseBytes bound each fetch; the TLS and resolver fields are the transport's.
  explicit HttpsKeyFetcher(federation::FederationTransport& transport,
                           FederationHttpOptions options = {});
  // Standalone: a new connection per fetch to where `resolver` (must outlive this) says; its
  // calls are serialised here (it is not thread-safe).
  HttpsKeyFetcher(federation::ServerResolver& resolver, FederationHttpOptions options = {});
  ~HttpsKeyFetcher() override;

  // KeyFetcher
  Result<json::Object> fetchDirect(const federation::ServerName& server) override;
  Result<json::Object> fetchViaNotary(const federation::ServerName& notary,
                                      const json::Object& body) override;

 private:
  Result<json::Object> call(const federation::ServerName& server,
                            federation::OutboundRequest request);

  std::unique_ptr<federation::FederationTransport> owned_;  // standalone mode only
  federation::FederationTransport& transport_;
  FederationHttpOptions options_;
};

class HttpsWellKnownFetcher : public federation::WellKnownFetcher {
 public:
  explicit HttpsWellKnownFetcher(FederationHttpOptions options = {}, int maxRedirects = 5)
      : options_(std::move(options)), maxRedirects_(maxRedirects) {}

  // WellKnownFetcher
  federation::WellKnownResponse fetch(const std::string& hostname) override;

 private:
  FederationHttpOptions options_;
  int maxRedirects_;
};

}  // namespace plexus::federationapi
