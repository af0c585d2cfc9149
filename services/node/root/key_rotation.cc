// rotateSigningKey: the key store first (one transaction), then the key file (atomic rename).
#include "root/key_rotation.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "federationapi/impl/own_signing_keys.h"
#include "federationapi/storage/sql_server_key_store.h"
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

}  // namespace

Result<RotatedKey> rotateSigningKey(const config::Config& config) {
  RotatedKey out;
  out.keyFile = config.global.effectiveSigningKeyPath();
  PLEXUS_TRY(SigningKeyFile file, loadOrCreateSigningKey(out.keyFile));
  if (config.database.usesPostgres())
    PLEXUS_TRY_VOID(createPostgresSchemas(config, {"federationapi"}));
  PLEXUS_TRY(auto db, openServiceDatabase(config, "federationapi"));
  federationapi::SqlServerKeyStore store;
  PLEXUS_TRY_VOID(store.migrate(*db));
  federationapi::OwnSigningKeys keys(*db, store, config.global.serverName);
  PLEXUS_TRY_VOID(keys.load(federation::SigningKeyEntry{file.keyId, file.key}));
  out.oldKeyId = keys.signingKey().keyId;
  PLEXUS_TRY(out.newKeyId, keys.rotate());
  federation::SigningKeyEntry current = keys.signingKey();
  PLEXUS_TRY_VOID(replaceFile(out.keyFile, formatSigningKey({current.keyId, current.key, false})));
  return out;
}

}  // namespace plexus::node
