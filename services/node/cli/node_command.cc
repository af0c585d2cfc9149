// `plexus node`: the client-side node. Flags override the config file. --p2p makes a key-named
// node (root/node_identity.h): its server name is the hex of a node key kept in the data dir, so
// it cannot be combined with --server-name; --overlay-addr, --peer and --no-multicast configure
// the overlay it federates over. --loopback-grpc routes every cross-service call through gRPC. Runs
// until SIGINT or SIGTERM, then shuts down gracefully.
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <span>
#include <string>

#include "cli/flags.h"
#include "cli/startup.h"
#include "plexus/config/load.h"
#include "plexus/core/allocator_tuning.h"
#include "plexus/federation/server_name.h"
#include "plexus/log/log.h"
#include "root/node.h"
#include "root/node_identity.h"

namespace plexus::cli {
namespace {

constexpr const char* kUsage =
    "usage: plexus node [--config FILE] [--data-dir DIR] [--client-addr HOST:PORT]\n"
    "                   [--server-name NAME] [--enable-registration] [--no-rate-limits]\n"
    "                   [--loopback-grpc] [--federation-addr HOST:PORT] [--tls-cert F --tls-key F]\n"
    "                   [--federation-skip-tls-verify] [--p2p] [--overlay-addr HOST:PORT]\n"
    "                   [--peer HOST:PORT]... [--no-multicast] [--log-level LEVEL]\n";

struct NodeFlags {
  std::optional<std::string> configPath;
  std::optional<std::string> dataDir, clientAddr, serverName, logLevel;
  std::optional<std::string> federationAddr, tlsCert, tlsKey, overlayAddr;
  std::vector<std::string> peers;
  bool enableRegistration = false, noRateLimits = false, loopbackGrpc = false;
  bool skipTlsVerify = false, p2p = false, noMulticast = false;
};

// Returns false (with reader.error() set) on a bad or unknown flag.
bool parseFlags(std::span<char* const> args, NodeFlags& f) {
  FlagReader r(args);
  while (r.next()) {
    std::string_view n = r.name();
    auto take = [&](std::optional<std::string>& out) {
      auto v = r.value();
      if (v) out = std::move(*v);
    };
    bool isSwitch = true;
    if (n == "--config") { take(f.configPath); isSwitch = false; }
    else if (n == "--data-dir") { take(f.dataDir); isSwitch = false; }
    else if (n == "--client-addr") { take(f.clientAddr); isSwitch = false; }
    else if (n == "--server-name") { take(f.serverName); isSwitch = false; }
    else if (n == "--log-level") { take(f.logLevel); isSwitch = false; }
    else if (n == "--federation-addr") { take(f.federationAddr); isSwitch = false; }
    else if (n == "--tls-cert") { take(f.tlsCert); isSwitch = false; }
    else if (n == "--tls-key") { take(f.tlsKey); isSwitch = false; }
    else if (n == "--overlay-addr") { take(f.overlayAddr); isSwitch = false; }
    else if (n == "--peer") {
      if (auto v = r.value()) f.peers.push_back(std::move(*v));
      isSwitch = false;
    }
    else if (n == "--enable-registration") f.enableRegistration = true;
    else if (n == "--no-rate-limits") f.noRateLimits = true;
    else if (n == "--loopback-grpc") f.loopbackGrpc = true;
    else if (n == "--federation-skip-tls-verify") f.skipTlsVerify = true;
    else if (n == "--p2p") f.p2p = true;
    else if (n == "--no-multicast") f.noMulticast = true;
    else {
      r.setError("unknown argument '" + std::string(n) + "'");
      break;
    }
    if (isSwitch && r.hasInlineValue()) r.setError(std::string(n) + " takes no value");
  }
  if (!r.error().empty()) {
    std::fprintf(stderr, "plexus node: %s\n%s", r.error().c_str(), kUsage);
    return false;
  }
  return true;
}

void applyFlags(const NodeFlags& f, config::Config& c) {
  if (f.dataDir) c.global.dataDir = *f.dataDir;
  if (f.clientAddr) c.clientApi.listen = *f.clientAddr;
  if (f.serverName) c.global.serverName = *f.serverName;
  if (f.logLevel) c.logging.level = *f.logLevel;
  if (f.enableRegistration) c.clientApi.registrationEnabled = true;
  if (f.noRateLimits) c.clientApi.rateLimits.enabled = false;
  if (f.loopbackGrpc) c.loopbackGrpc = true;
  if (f.federationAddr) c.federation.listen = *f.federationAddr;
  if (f.tlsCert) c.federation.tlsCert = *f.tlsCert;
  if (f.tlsKey) c.federation.tlsKey = *f.tlsKey;
  if (f.skipTlsVerify) c.federation.skipTlsVerify = true;
  if (f.p2p) c.p2p.enabled = true;
  if (f.overlayAddr) c.p2p.overlayListen = *f.overlayAddr;
  if (!f.peers.empty()) c.p2p.peers = f.peers;
  if (f.noMulticast) c.p2p.multicast = false;
}

// --p2p names the server after its node key: another name from the flags or the config file
// contradicts it. Returns the problem, empty when none.
std::string p2pNameConflict(const NodeFlags& f, const config::Config& fromFile) {
  if (!f.p2p) return {};
  if (f.serverName)
    return "--server-name cannot be combined with --p2p: a p2p node's server name is the hex of "
           "its node key";
  const std::string& name = fromFile.global.serverName;
  if (name != config::GlobalConfig::defaults().serverName && !federation::isKeyNamedServer(name))
    return "--p2p names the server after its node key, but the config file sets server_name \"" +
           name + "\" (remove it, or drop --p2p and keep p2p.enabled for a DNS-named peer)";
  return {};
}

void logLaterFeatures(const config::Config& c) {
  // TODO(#6): the overlay (the identity part is in effect: root/node_identity.h).
  if (c.federation.listen.empty() && (!c.federation.tlsCert.empty() || c.federation.skipTlsVerify))
    log::warn("federation settings without federation.listen are unused");
  if (!c.p2p.enabled && (!c.p2p.overlayListen.empty() || !c.p2p.peers.empty()))
    log::warn("overlay settings without p2p.enabled (--p2p) are unused");
}

}  // namespace

int runNode(std::span<char* const> args) {
  const auto processStart = std::chrono::steady_clock::now();
  if (!args.empty() && (std::string_view(args[0]) == "--help" || std::string_view(args[0]) == "-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  core::tuneAllocatorForServer();
  // Blocked before any thread starts, so that every thread inherits the mask and the signals
  // reach only the sigwait below.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

  NodeFlags flags;
  if (!parseFlags(args, flags)) return 2;
  auto loaded = readConfig(flags.configPath);
  if (!loaded.ok()) {
    std::fprintf(stderr, "plexus node: %s\n", loaded.error().message.c_str());
    return 2;
  }
  config::Config config = std::move(loaded).value();
  if (std::string conflict = p2pNameConflict(flags, config); !conflict.empty()) {
    std::fprintf(stderr, "plexus node: %s\n", conflict.c_str());
    return 2;
  }
  applyFlags(flags, config);
  if (auto verified = config::verifyOrFail(config); !verified.ok()) {
    std::fprintf(stderr, "plexus node: %s\n", verified.error().message.c_str());
    return 2;
  }
  log::setLevel(log::parseLevel(config.logging.level).value_or(log::Level::kInfo));
  if (auto made = ensureDirectory(config.global.dataDir); !made.ok()) {
    log::error("cannot create the data directory", {{"error", made.error().message}});
    return 1;
  }
  // Before anything logs the server name: a key-named node learns it from its key.
  auto loadedIdentity = node::loadNodeIdentity(config);
  if (!loadedIdentity.ok()) {
    log::error("signing key unusable", {{"error", loadedIdentity.error().message}});
    return 1;
  }
  node::NodeIdentity nodeIdentity = std::move(loadedIdentity).value();
  log::info("starting plexus node",
            {{"server_name", config.global.serverName}, {"data_dir", config.global.dataDir},
             {"database", config.database.usesPostgres() ? "postgresql" : "sqlite"},
             {"services", node::Node::wiredServices()}});
  log::info(nodeIdentity.created ? "generated signing key" : "loaded signing key",
            {{"path", nodeIdentity.keyPath},
             {"key_id", nodeIdentity.identity.keyId},
             {"key_named", nodeIdentity.keyNamed}});
  logLaterFeatures(config);

  if (!config.database.sqliteDir.empty() && !config.database.usesPostgres()) {
    if (auto made = ensureDirectory(config.database.sqliteDir); !made.ok()) {
      log::error("cannot create the SQLite directory", {{"error", made.error().message}});
      return 1;
    }
  }
  node::NodeStartInfo info;
  info.processStart = processStart;
  auto node = node::Node::start(config, std::move(nodeIdentity.identity), info);
  if (!node.ok()) {
    log::error("node failed to start", {{"error", node.error().message}});
    return 1;
  }

  int received = 0;
  sigwait(&stopSignals, &received);
  log::info("shutting down", {{"signal", received == SIGINT ? "SIGINT" : "SIGTERM"}});
  (*node)->stop();
  return 0;
}

}  // namespace plexus::cli
