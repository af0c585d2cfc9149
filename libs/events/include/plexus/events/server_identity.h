// The local server as other servers see it: its name and the key it signs events and
// requests with. Built by the composition root from config (or, for a client-side node, from
// the node key: the name is then the key's hex form) and handed to the services that sign.
#pragma once

#include <string>

#include "plexus/crypto/ed25519.h"

namespace plexus::events {

struct ServerIdentity {
  std::string serverName;  // e.g. "example.org" or a node's 64-hex-digit key
  std::string keyId;       // e.g. "ed25519:a_Xyz1"
  crypto::SigningKey signingKey;
};

}  // namespace plexus::events
