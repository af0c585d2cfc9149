// TransportSelector: the one FederationTransport the requester sends through, choosing the real
// transport per destination (DESIGN.md §5): key-named servers (server_name.h) go to the overlay,
// every other name to HTTPS after server discovery. This is the hook the overlay transport plugs
// into; without one, key-named destinations fall through to HTTPS, whose discovery refuses them
// without asking DNS (only an explicit resolve override can reach one, as tests do).
#pragma once

#include <string_view>

#include "plexus/federation/federation_transport.h"

namespace plexus::federation {

class TransportSelector final : public FederationTransport {
 public:
  // `dnsNamed` must outlive this; so must `keyNamed` when not null.
  explicit TransportSelector(FederationTransport& dnsNamed, FederationTransport* keyNamed = nullptr)
      : dnsNamed_(dnsNamed), keyNamed_(keyNamed) {}

  // Which transport `destination` goes to.
  FederationTransport& transportFor(std::string_view destination) const;

  // FederationTransport: errors and threading of the chosen transport.
  Result<OutboundResponse> send(std::string_view destination,
                                const OutboundRequest& request) override {
    return transportFor(destination).send(destination, request);
  }

 private:
  FederationTransport& dnsNamed_;
  FederationTransport* keyNamed_;
};

}  // namespace plexus::federation
