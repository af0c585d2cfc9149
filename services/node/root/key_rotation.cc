// rotateSigningKey: the key store first (one transaction), then the key file (atomic rename).
#include "root/key_rotation.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "federationapi/impl/own_signing_keys.h"
#include "federationapi/storage/sql_server_key_store.h"
#include "root/node_identity.h"
#include "root/service_databases.h"
#include "root/signing_key.h"

namespace plexus::node {
namespace {

// Writes `text` to `path` through a temporary file, fsynced, then renamed over it.
Status replaceFile(const std::string& path, const std::string& text) {
  std::string tmp = path + ".new";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return fail(ErrorCode::kInternal, "cannot write " + tmp + ": " + std::strerror(errno));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return fail(ErrorCode::kInternal, "cannot replace " + path);
  }
  return {};
}

// A data dir whose key store signs with its node key belongs to a key-named node, even when the
// config at hand does not say p2p (`plexus rotate-signing-key --data-dir DIR`).
Status refuseNodeKeyStore(const config::Config& config, federationapi::ServerKeyStore& store,
                          storage::Database& db) {
  std::ifstream in(nodeKeyPath(config), std::ios::binary);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  auto nodeKey = parseSigningKey(text.str());
  if (!nodeKey.ok()) return {};
  PLEXUS_TRY(auto keys, store.ownKeys(db));
  for (const auto& key : keys) {
    if (!key.expiredTs && key.publicKey == nodeKey->key.publicKey())
      return fail(ErrorCode::kInvalidParam,
                  "this data dir is a key-named (p2p) node's: it signs with its node key " +
                      nodeKeyPath(config) + ", which cannot rotate");
  }
  return {};
}

}  // namespace

Result<RotatedKey> rotateSigningKey(const config::Config& config) {
  if (isKeyNamedNode(config))
    return fail(ErrorCode::kInvalidParam,
                "a key-named (p2p) node cannot rotate its signing key: its server name is the key");
  RotatedKey out;
  out.keyFile = config.global.effectiveSigningKeyPath();
  if (config.database.usesPostgres())
    PLEXUS_TRY_VOID(createPostgresSchemas(config, {"federationapi"}));
  PLEXUS_TRY(auto db, openServiceDatabase(config, "federationapi"));
  federationapi::SqlServerKeyStore store;
  PLEXUS_TRY_VOID(store.migrate(*db));
  PLEXUS_TRY_VOID(refuseNodeKeyStore(config, store, *db));
  PLEXUS_TRY(SigningKeyFile file, loadOrCreateSigningKey(out.keyFile));
  federationapi::OwnSigningKeys keys(*db, store, config.global.serverName);
  PLEXUS_TRY_VOID(keys.load(federation::SigningKeyEntry{file.keyId, file.key}));
  out.oldKeyId = keys.signingKey().keyId;
  PLEXUS_TRY(out.newKeyId, keys.rotate());
  federation::SigningKeyEntry current = keys.signingKey();
  PLEXUS_TRY_VOID(replaceFile(out.keyFile, formatSigningKey({current.keyId, current.key, false})));
  return out;
}

}  // namespace plexus::node
