// `plexus generate-config [--server-name N] [--data-dir D] [--postgres DSN]`: prints a
// commented YAML configuration with every key at its default; `plexus node --config` loads it.
#include <cstdio>
#include <span>
#include <string>

#include "cli/flags.h"
#include "plexus/config/load.h"

namespace plexus::cli {
namespace {

constexpr const char* kUsage =
    "usage: plexus generate-config [--server-name NAME] [--data-dir DIR] [--postgres DSN]\n"
    "  prints the configuration to stdout, e.g. plexus generate-config > plexus.yaml\n";

}  // namespace

int runGenerateConfig(std::span<char* const> args) {
  config::GenerateOptions options;
  FlagReader r(args);
  while (r.next()) {
    std::string_view n = r.name();
    if (n == "--help" || n == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (n == "--server-name") {
      if (auto v = r.value()) options.serverName = *v;
    } else if (n == "--data-dir") {
      if (auto v = r.value()) options.dataDir = *v;
    } else if (n == "--postgres") {
      if (auto v = r.value()) options.postgresDsn = *v;
    } else {
      r.setError("unknown argument '" + std::string(n) + "'");
    }
  }
  if (!r.error().empty()) {
    std::fprintf(stderr, "plexus generate-config: %s\n%s", r.error().c_str(), kUsage);
    return 2;
  }
  std::string yaml = config::generateYaml(options);
  // Refuse to print a file that would not load: the flags may carry bad values.
  auto parsed = config::parseYaml(yaml, "generated");
  Status verified = parsed.ok() ? config::verifyOrFail(*parsed) : Status(parsed.error());
  if (!verified.ok()) {
    std::fprintf(stderr, "plexus generate-config: %s\n", verified.error().message.c_str());
    return 2;
  }
  std::fwrite(yaml.data(), 1, yaml.size(), stdout);
  return 0;
}

}  // namespace plexus::cli
