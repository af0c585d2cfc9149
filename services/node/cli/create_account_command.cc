// `plexus create-account --config FILE | --data-dir DIR --username U --password P [--admin]`:
// creates a user on the node's account database directly (no running node needed; SQLite
// allows it beside a running node too). On a key-named node the user is @USER:<node key hex>.
#include <cstdio>
#include <filesystem>
#include <span>
#include <string>

#include "accountsync/impl/accountsync_service.h"
#include "cli/flags.h"
#include "cli/startup.h"
#include "plexus/bus/outbox.h"
#include "plexus/config/load.h"
#include "root/node_identity.h"
#include "root/service_databases.h"

namespace plexus::cli {
namespace {

constexpr const char* kUsage =
    "usage: plexus create-account [--config FILE] [--data-dir DIR] [--server-name NAME]\n"
    "                             --username USER --password PASSWORD [--admin]\n";

}  // namespace

int runCreateAccount(std::span<char* const> args) {
  std::optional<std::string> configPath, dataDir, serverName, username, password;
  bool admin = false;
  FlagReader r(args);
  while (r.next()) {
    std::string_view n = r.name();
    auto take = [&](std::optional<std::string>& out) {
      if (auto v = r.value()) out = std::move(*v);
    };
    if (n == "--help" || n == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (n == "--config") take(configPath);
    else if (n == "--data-dir") take(dataDir);
    else if (n == "--server-name") take(serverName);
    else if (n == "--username") take(username);
    else if (n == "--password") take(password);
    else if (n == "--admin") admin = true;
    else r.setError("unknown argument '" + std::string(n) + "'");
  }
  if (r.error().empty() && (!username || !password))
    r.setError("--username and --password are required");
  if (!r.error().empty()) {
    std::fprintf(stderr, "plexus create-account: %s\n%s", r.error().c_str(), kUsage);
    return 2;
  }
  auto loaded = readConfig(configPath);
  if (!loaded.ok()) {
    std::fprintf(stderr, "plexus create-account: %s\n", loaded.error().message.c_str());
    return 2;
  }
  config::Config config = std::move(loaded).value();
  if (dataDir) config.global.dataDir = *dataDir;
  if (serverName) config.global.serverName = *serverName;
  if (auto verified = config::verifyOrFail(config); !verified.ok()) {
    std::fprintf(stderr, "plexus create-account: %s\n", verified.error().message.c_str());
    return 2;
  }
  if (!config.database.usesPostgres()) {
    std::string dir = config.database.sqliteDir.empty() ? config.global.dataDir
                                                        : config.database.sqliteDir;
    if (auto made = ensureDirectory(dir); !made.ok()) {
      std::fprintf(stderr, "plexus create-account: %s\n", made.error().message.c_str());
      return 1;
    }
  } else if (auto schemas = node::createPostgresSchemas(config, {"accountsync"}); !schemas.ok()) {
    std::fprintf(stderr, "plexus create-account: %s\n", schemas.error().message.c_str());
    return 1;
  }

  // A key-named node's users are @user:<hex of its node key>, as under `plexus node --p2p`: the
  // name comes from the key in the data dir (made now if the node never ran). A data dir that
  // holds a node key is a key-named node's even when no config says p2p.
  if (!serverName && !config.p2p.enabled &&
      config.global.serverName == config::GlobalConfig::defaults().serverName &&
      std::filesystem::exists(node::nodeKeyPath(config))) {
    config.p2p.enabled = true;
  }
  if (node::isKeyNamedNode(config)) {
    if (auto made = ensureDirectory(config.global.dataDir); !made.ok()) {
      std::fprintf(stderr, "plexus create-account: %s\n", made.error().message.c_str());
      return 1;
    }
    if (auto identity = node::loadNodeIdentity(config); !identity.ok()) {
      std::fprintf(stderr, "plexus create-account: %s\n", identity.error().message.c_str());
      return 1;
    }
  }

  auto db = node::openServiceDatabase(config, "accountsync");
  if (!db.ok()) {
    std::fprintf(stderr, "plexus create-account: %s\n", db.error().message.c_str());
    return 1;
  }
  if (auto migrated = accountsync::AccountSyncService::migrate(**db); !migrated.ok()) {
    std::fprintf(stderr, "plexus create-account: %s\n", migrated.error().message.c_str());
    return 1;
  }
  // Outputs stay in the database's outbox; the node delivers them when it next runs.
  auto outbox = bus::Outbox::open(**db);
  if (!outbox.ok()) {
    std::fprintf(stderr, "plexus create-account: %s\n", outbox.error().message.c_str());
    return 1;
  }
  accountsync::AccountSyncService accounts(config.global.serverName, **db, **outbox);
  accountsync::RegisterRequest request;
  request.localpart = *username;
  request.password = *password;
  request.admin = admin;
  request.inhibitLogin = true;
  auto created = accounts.performRegister(CallContext::withTimeout(std::chrono::seconds(30),
                                                                   "create-account"),
                                          request);
  if (!created.ok()) {
    std::fprintf(stderr, "plexus create-account: %s\n", created.error().message.c_str());
    return 1;
  }
  std::printf("created %s%s\n", created->userId.c_str(), admin ? " (admin)" : "");
  return 0;
}

}  // namespace plexus::cli
