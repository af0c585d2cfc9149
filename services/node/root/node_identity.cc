// Deciding the node's server name and signing key: the configured pair, or the node key file of
// a key-named node.
#include "root/node_identity.h"

#include <filesystem>

#include "plexus/federation/server_name.h"
#include "root/signing_key.h"

namespace plexus::node {

bool isKeyNamedNode(const config::Config& config) {
  const std::string& name = config.global.serverName;
  if (federation::isKeyNamedServer(name)) return true;
  return config.p2p.enabled && name == config::GlobalConfig::defaults().serverName;
}

std::string nodeKeyPath(const config::Config& config) {
  return (std::filesystem::path(config.global.dataDir) / kNodeKeyFileName).string();
}

Result<NodeIdentity> loadNodeIdentity(config::Config& config) {
  NodeIdentity out;
  if (!isKeyNamedNode(config)) {
    out.keyPath = config.global.effectiveSigningKeyPath();
    PLEXUS_TRY(SigningKeyFile key, loadOrCreateSigningKey(out.keyPath));
    out.identity = {config.global.serverName, key.keyId, key.key};
    out.created = key.created;
    return out;
  }
  out.keyNamed = true;
  out.keyPath = nodeKeyPath(config);
  const std::string configured = config.global.serverName;
  const bool named = federation::isKeyNamedServer(configured);
  std::error_code ec;
  // A configured key-named server_name needs the key it names: a new key could never match it.
  if (named && !std::filesystem::exists(out.keyPath, ec))
    return fail(
        ErrorCode::kInvalidParam,
        "server_name " + configured + " is key-named but there is no node key at " + out.keyPath);
  PLEXUS_TRY(SigningKeyFile key, loadOrCreateSigningKey(out.keyPath, kNodeKeyId));
  const std::string derived = federation::keyNamedServerName(key.key.publicKey());
  if (named && configured != derived)
    return fail(ErrorCode::kInvalidParam, "server_name " + configured +
                                              " is key-named but the node key at " + out.keyPath +
                                              " names " + derived);
  config.global.serverName = derived;
  out.identity = {derived, key.keyId, key.key};
  out.created = key.created;
  return out;
}

}  // namespace plexus::node
