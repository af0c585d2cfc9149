// ServerResolver: the spec's "Resolving server names" (Server-Server API, server discovery),
// steps 1-6 in order, turning a server name into the addresses to connect to, the Host header to
// send and the name the TLS certificate must match (and the SNI to send, none for IP literals).
// DNS and .well-known go through injected interfaces; the resolver itself does no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/federation/dns_resolver.h"
#include "plexus/federation/server_name.h"
#include "plexus/federation/well_known.h"

namespace plexus::federation {

inline constexpr std::uint16_t kDefaultFederationPort = 8448;

// Which rule produced the result, named after the spec's numbering (v1.8+).
enum class ResolutionStep : std::uint8_t {
  kIpLiteral,              // 1
  kExplicitPort,           // 2
  kDelegatedIpLiteral,     // 3.1
  kDelegatedExplicitPort,  // 3.2
  kDelegatedSrv,           // 3.3 _matrix-fed._tcp.<delegated_hostname>
  kDelegatedLegacySrv,     // 3.4 _matrix._tcp.<delegated_hostname> (deprecated)
  kDelegatedDefaultPort,   // 3.5
  kSrv,                    // 4   _matrix-fed._tcp.<hostname>
  kLegacySrv,              // 5   _matrix._tcp.<hostname> (deprecated)
  kDefaultPort,            // 6
};

struct Endpoint {
  IpAddress address;
  std::uint16_t port = 0;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

struct ResolvedServer {
  std::vector<Endpoint> endpoints;  // in the order to try; never empty on success
  std::string hostHeader;           // the Host header of every request
  std::string tlsName;              // the name (or bare IP) the certificate must be valid for
  std::optional<std::string> sni;   // SNI to send; none when tlsName is an IP address
  ResolutionStep step = ResolutionStep::kDefaultPort;
};

class ServerResolver {
 public:
  // All three must outlive the resolver.
  ServerResolver(DnsResolver& dns, WellKnownFetcher& wellKnownFetcher, WellKnownCache& cache)
      : dns_(dns), fetcher_(wellKnownFetcher), cache_(cache) {}

  // Resolves `server`. Errors: kUnavailable when the chosen step yields no address (or an SRV
  // record says the service is unavailable, target "."), and at once, without DNS or
  // .well-known, for a key-named server (server_name.h: reached through the overlay only).
  // Blocking; not thread-safe (the cache is shared state): the service serialises calls or keeps
  // one resolver per thread.
  Result<ResolvedServer> resolve(const ServerName& server);

 private:
  // SRV steps for `host`: _matrix-fed._tcp first, then _matrix._tcp. nullopt when neither exists.
  std::optional<Result<std::vector<Endpoint>>> resolveSrv(const std::string& host, bool& legacy);
  Result<std::vector<Endpoint>> resolveAddresses(const std::string& host, std::uint16_t port);

  DnsResolver& dns_;
  WellKnownFetcher& fetcher_;
  WellKnownCache& cache_;
};

}  // namespace plexus::federation
