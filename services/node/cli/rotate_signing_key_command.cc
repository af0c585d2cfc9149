// `plexus rotate-signing-key [--config FILE] [--data-dir DIR]`: retires the server's signing key
// and makes a new one (see root/key_rotation.h). Run it while the node is stopped; the node
// publishes the new key and the old one (in old_verify_keys) when it starts again.
#include <cstdio>
#include <span>
#include <string>

#include "cli/flags.h"
#include "cli/startup.h"
#include "plexus/config/load.h"
#include "root/key_rotation.h"

namespace plexus::cli {
namespace {

constexpr const char* kUsage =
    "usage: plexus rotate-signing-key [--config FILE] [--data-dir DIR]\n"
    "  Run with the node stopped; it signs with the new key when it starts again.\n";

}  // namespace

int runRotateSigningKey(std::span<char* const> args) {
  std::optional<std::string> configPath, dataDir;
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
    if (n == "--config")
      take(configPath);
    else if (n == "--data-dir")
      take(dataDir);
    else
      r.setError("unknown argument '" + std::string(n) + "'");
  }
  if (!r.error().empty()) {
    std::fprintf(stderr, "plexus rotate-signing-key: %s\n%s", r.error().c_str(), kUsage);
    return 2;
  }
  auto loaded = readConfig(configPath);
  if (!loaded.ok()) {
    std::fprintf(stderr, "plexus rotate-signing-key: %s\n", loaded.error().message.c_str());
    return 2;
  }
  config::Config config = std::move(loaded).value();
  if (dataDir) config.global.dataDir = *dataDir;
  if (auto verified = config::verifyOrFail(config); !verified.ok()) {
    std::fprintf(stderr, "plexus rotate-signing-key: %s\n", verified.error().message.c_str());
    return 2;
  }
  if (!config.database.usesPostgres()) {
    std::string dir =
        config.database.sqliteDir.empty() ? config.global.dataDir : config.database.sqliteDir;
    if (auto made = ensureDirectory(dir); !made.ok()) {
      std::fprintf(stderr, "plexus rotate-signing-key: %s\n", made.error().message.c_str());
      return 1;
    }
  }
  auto rotated = node::rotateSigningKey(config);
  if (!rotated.ok()) {
    std::fprintf(stderr, "plexus rotate-signing-key: %s\n", rotated.error().message.c_str());
    return 1;
  }
  std::printf("retired %s, now signing with %s (written to %s)\n", rotated->oldKeyId.c_str(),
              rotated->newKeyId.c_str(), rotated->keyFile.c_str());
  return 0;
}

}  // namespace plexus::cli
