// `plexus serve SERVICE --config FILE [--shard N]`: one service of the cloud cluster (DESIGN.md
// §1, §6). The config's `cluster` section says where this process serves gRPC and where every
// other service and the Redis bus are; PostgreSQL is the database. Services: accountsync,
// keyserver, media, roomserver, federationsender, syncapi (gRPC on cluster.grpc_listen),
// clientapi (client_api.listen) and federationapi (federation.listen). Runs until SIGINT or
// SIGTERM, then shuts down gracefully.
#include <pthread.h>
#include <signal.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "cli/startup.h"
#include "plexus/config/load.h"
#include "plexus/core/allocator_tuning.h"
#include "plexus/log/log.h"
#include "root/node.h"
#include "root/signing_key.h"

namespace plexus::cli {
namespace {

constexpr const char* kUsage =
    "usage: plexus serve SERVICE --config FILE [--shard N]\n"
    "  SERVICE: accountsync keyserver media roomserver federationsender syncapi clientapi\n"
    "           federationapi\n"
    "  --shard N  this process's shard of a sharded service (roomserver, federationsender);\n"
    "             default: $PLEXUS_SHARD, else 0\n";

constexpr std::array<std::string_view, 8> kServices = {"accountsync", "keyserver",        "media",
                                                       "roomserver",  "federationsender", "syncapi",
                                                       "clientapi",   "federationapi"};

bool parseShard(std::string_view text, int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0;
}

}  // namespace

int runServe(std::span<char* const> args) {
  const auto processStart = std::chrono::steady_clock::now();
  if (args.empty() || std::string_view(args[0]) == "--help" || std::string_view(args[0]) == "-h") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string service = args[0];
  bool known = false;
  for (auto s : kServices) known = known || s == service;
  if (!known) {
    std::fprintf(stderr, "plexus serve: unknown service '%s'\n%s", service.c_str(), kUsage);
    return 2;
  }
  std::optional<std::string> configPath;
  std::optional<int> shard;
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string_view a = args[i];
    const bool hasValue = i + 1 < args.size();
    if (a == "--config" && hasValue) {
      configPath = args[++i];
    } else if (a == "--shard" && hasValue) {
      int n = 0;
      if (!parseShard(args[++i], n)) {
        std::fprintf(stderr, "plexus serve: --shard needs a number >= 0\n");
        return 2;
      }
      shard = n;
    } else {
      std::fprintf(stderr, "plexus serve: unknown or incomplete argument '%s'\n%s",
                   std::string(a).c_str(), kUsage);
      return 2;
    }
  }
  if (!configPath) {
    std::fprintf(stderr, "plexus serve: --config FILE is required\n");
    return 2;
  }
  if (!shard) {
    if (const char* env = std::getenv("PLEXUS_SHARD"); env && *env) {
      int n = 0;
      if (!parseShard(env, n)) {
        std::fprintf(stderr, "plexus serve: PLEXUS_SHARD must be a number >= 0\n");
        return 2;
      }
      shard = n;
    }
  }

  core::tuneAllocatorForServer();
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

  auto loaded = readConfig(configPath);
  if (!loaded.ok()) {
    std::fprintf(stderr, "plexus serve: %s\n", loaded.error().message.c_str());
    return 2;
  }
  config::Config config = std::move(loaded).value();
  config.cluster.shard = shard.value_or(0);
  if (auto verified = config::verifyOrFail(config); !verified.ok()) {
    std::fprintf(stderr, "plexus serve: %s\n", verified.error().message.c_str());
    return 2;
  }
  const std::string& targetsOfMine = service;
  const auto& mine = config.cluster.targetsOf(targetsOfMine);
  if (!mine.empty() && config.cluster.shard >= static_cast<int>(mine.size())) {
    std::fprintf(stderr, "plexus serve: shard %d, but cluster.%s lists %zu\n", config.cluster.shard,
                 service.c_str(), mine.size());
    return 2;
  }
  log::setLevel(log::parseLevel(config.logging.level).value_or(log::Level::kInfo));
  log::info("starting plexus serve",
            {{"service", service},
             {"shard", config.cluster.shard},
             {"server_name", config.global.serverName},
             {"database", config.database.usesPostgres() ? "postgresql" : "sqlite"}});
  if (auto made = ensureDirectory(config.global.dataDir); !made.ok()) {
    log::error("cannot create the data directory", {{"error", made.error().message}});
    return 1;
  }
  std::string keyPath = config.global.effectiveSigningKeyPath();
  auto key = node::loadOrCreateSigningKey(keyPath);
  if (!key.ok()) {
    log::error("signing key unusable", {{"path", keyPath}, {"error", key.error().message}});
    return 1;
  }
  events::ServerIdentity identity{config.global.serverName, key->keyId, key->key};
  node::NodeStartInfo info;
  info.processStart = processStart;
  info.service = service;
  auto node = node::Node::start(config, std::move(identity), info);
  if (!node.ok()) {
    log::error("service failed to start", {{"service", service}, {"error", node.error().message}});
    return 1;
  }
  int received = 0;
  sigwait(&stopSignals, &received);
  log::info("shutting down", {{"signal", received == SIGINT ? "SIGINT" : "SIGTERM"}});
  (*node)->stop();
  return 0;
}

}  // namespace plexus::cli
