// The node's identity: its server name and the key that signs its events and requests, decided
// once at start from the config. A DNS-named server takes both from the config (server_name and
// the signing key file). A key-named node (`plexus node --p2p`, DESIGN.md §4) has one ed25519
// node key file in its data dir, made on first start and reused after: its server name is the
// key's 64-digit lowercase hex and its signing key is that same key under key ID `ed25519:p2p`.
// The name certifies the key, so a key-named node never rotates it.
#pragma once

#include <string>
#include <string_view>

#include "plexus/config/config.h"
#include "plexus/core/result.h"
#include "plexus/events/server_identity.h"

namespace plexus::node {

// <data_dir>/<kNodeKeyFileName>: "ed25519 p2p <unpadded base64 seed>" (root/signing_key.h).
inline constexpr std::string_view kNodeKeyFileName = "node.key";
// The key ID a key-named node signs with. Any ed25519 key ID of a key-named server verifies with
// the name's key (federation::KeyRing); this one is what the node publishes and names.
inline constexpr std::string_view kNodeKeyId = "ed25519:p2p";

// Whether `config` describes a key-named node: p2p enabled without a server name of its own
// (server_name left at its default), or a server_name that is itself key-named. With p2p enabled
// and another server_name the node is a DNS-named server that joins the overlay as a peer.
bool isKeyNamedNode(const config::Config& config);

// Where a node's key file is: <data_dir>/node.key.
std::string nodeKeyPath(const config::Config& config);

struct NodeIdentity {
  events::ServerIdentity identity;
  std::string keyPath;    // the file the key came from
  bool created = false;   // the key was generated now
  bool keyNamed = false;  // isKeyNamedNode: the server name is the key
};

// Loads the signing key (generating it on first start) and, for a key-named node, sets
// config.global.serverName to the hex of the node key. The data dir must exist. Errors:
// kInvalidParam (a malformed key file; a key-named server_name that is not the node key's, or
// whose node key file is missing), kInternal (the key file cannot be written).
Result<NodeIdentity> loadNodeIdentity(config::Config& config);

}  // namespace plexus::node
