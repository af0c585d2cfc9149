// The server discovery steps. Each step fixes three things that differ between steps: where to
// connect, the Host header, and the certificate name (SPEC: "Resolving server names").
#include "plexus/federation/server_resolver.h"

#include <algorithm>

namespace plexus::federation {
namespace {

Unexpected unavailable(const std::string& what) {
  return fail(ErrorCode::kUnavailable, "cannot resolve " + what);
}

ResolvedServer ipLiteral(const ServerName& name, std::uint16_t port, ResolutionStep step) {
  ResolvedServer r;
  IpAddress ip{std::string(name.host()), name.kind() == HostKind::kIpv6};
  r.endpoints.push_back(Endpoint{ip, port});
  r.hostHeader = name.str();  // with the port only when the name had one
  r.tlsName = ip.text;        // certificate for the IP address; SNI cannot carry an IP
  r.step = step;
  return r;
}

ResolvedServer named(std::vector<Endpoint> endpoints, std::string hostHeader,
                     std::string_view certName, ResolutionStep step) {
  ResolvedServer r;
  r.endpoints = std::move(endpoints);
  r.hostHeader = std::move(hostHeader);
  r.tlsName = std::string(certName);
  r.sni = r.tlsName;
  r.step = step;
  return r;
}

}  // namespace

Result<std::vector<Endpoint>> ServerResolver::resolveAddresses(const std::string& host,
                                                               std::uint16_t port) {
  PLEXUS_TRY(auto addresses, dns_.lookupAddresses(host));
  if (addresses.empty()) return unavailable(host + ": no AAAA or A records");
  std::vector<Endpoint> out;
  for (auto& a : addresses) out.push_back(Endpoint{std::move(a), port});
  return out;
}

std::optional<Result<std::vector<Endpoint>>> ServerResolver::resolveSrv(const std::string& host,
                                                                        bool& legacy) {
  for (const char* service : {"_matrix-fed._tcp.", "_matrix._tcp."}) {
    legacy = std::string_view(service) == "_matrix._tcp.";
    auto records = dns_.lookupSrv(service + host);
    // A resolver failure is treated like an absent record: the next step still has a chance.
    if (!records || records->empty()) continue;
    if (records->size() == 1 && records->front().target == ".") {
      return Result<std::vector<Endpoint>>(unavailable(service + host + ": service unavailable"));
    }
    // NOTSPEC: RFC 2782 picks randomly by weight within a priority; we order by priority, then
    // heavier weight first, so resolution is deterministic and every target is still tried.
    std::stable_sort(records->begin(), records->end(), [](const SrvRecord& a, const SrvRecord& b) {
      return a.priority != b.priority ? a.priority < b.priority : a.weight > b.weight;
    });
    std::vector<Endpoint> endpoints;
    for (const SrvRecord& r : *records) {
      if (r.target == ".") continue;
      auto addresses = resolveAddresses(r.target, r.port);
      if (!addresses) continue;
      for (auto& e : *addresses) endpoints.push_back(std::move(e));
    }
    if (endpoints.empty()) {
      return Result<std::vector<Endpoint>>(unavailable(service + host + ": no target resolves"));
    }
    return Result<std::vector<Endpoint>>(std::move(endpoints));
  }
  return std::nullopt;
}

Result<ResolvedServer> ServerResolver::resolve(const ServerName& server) {
  // A key-named server (DESIGN.md §4) has no DNS records or .well-known: it is reached through
  // the overlay (TransportSelector), so discovery neither asks DNS nor makes HTTPS requests.
  if (server.isKeyNamed()) {
    return fail(ErrorCode::kUnavailable,
                "cannot resolve " + server.str() +
                    ": a key-named server is reachable only through the overlay, not DNS");
  }
  // Step 1: IP literal, given port or 8448.
  if (server.isIpLiteral()) {
    return ipLiteral(server, server.port().value_or(kDefaultFederationPort),
                     ResolutionStep::kIpLiteral);
  }
  std::string host(server.host());
  // Step 2: hostname with explicit port: AAAA/A, Host = the server name with port.
  if (server.port()) {
    PLEXUS_TRY(auto endpoints, resolveAddresses(host, *server.port()));
    return named(std::move(endpoints), server.str(), host, ResolutionStep::kExplicitPort);
  }
  // Step 3: .well-known delegation.
  if (auto delegated = cache_.lookup(host, fetcher_)) {
    if (delegated->isKeyNamed()) {
      return unavailable(host + ": .well-known delegates to key-named server " + delegated->str());
    }
    // 3.1: IP literal: Host = the IP "including the port if one was provided".
    if (delegated->isIpLiteral()) {
      return ipLiteral(*delegated, delegated->port().value_or(kDefaultFederationPort),
                       ResolutionStep::kDelegatedIpLiteral);
    }
    std::string dhost(delegated->host());
    // 3.2: explicit port: Host = <delegated_hostname>:<delegated_port>.
    if (delegated->port()) {
      PLEXUS_TRY(auto endpoints, resolveAddresses(dhost, *delegated->port()));
      return named(std::move(endpoints), delegated->str(), dhost,
                   ResolutionStep::kDelegatedExplicitPort);
    }
    // 3.3 / 3.4: SRV of the delegated hostname; Host and certificate stay the delegated name.
    bool legacy = false;
    if (auto srv = resolveSrv(dhost, legacy)) {
      PLEXUS_TRY(auto endpoints, std::move(*srv));
      return named(std::move(endpoints), dhost, dhost,
                   legacy ? ResolutionStep::kDelegatedLegacySrv : ResolutionStep::kDelegatedSrv);
    }
    // 3.5: AAAA/A of the delegated hostname on 8448.
    PLEXUS_TRY(auto endpoints, resolveAddresses(dhost, kDefaultFederationPort));
    return named(std::move(endpoints), dhost, dhost, ResolutionStep::kDelegatedDefaultPort);
  }
  // Steps 4 / 5: SRV of the hostname; Host and certificate are the hostname, not the SRV target.
  bool legacy = false;
  if (auto srv = resolveSrv(host, legacy)) {
    PLEXUS_TRY(auto endpoints, std::move(*srv));
    return named(std::move(endpoints), host, host,
                 legacy ? ResolutionStep::kLegacySrv : ResolutionStep::kSrv);
  }
  // Step 6: AAAA/A of the hostname on 8448.
  PLEXUS_TRY(auto endpoints, resolveAddresses(host, kDefaultFederationPort));
  return named(std::move(endpoints), host, host, ResolutionStep::kDefaultPort);
}

}  // namespace plexus::federation
