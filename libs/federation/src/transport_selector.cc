// TransportSelector: key-named destinations to the overlay when there is one.
#include "plexus/federation/transport_selector.h"

#include "plexus/federation/server_name.h"

namespace plexus::federation {

FederationTransport& TransportSelector::transportFor(std::string_view destination) const {
  if (keyNamed_ && isKeyNamedServer(destination)) return *keyNamed_;
  return dnsNamed_;
}

}  // namespace plexus::federation
