// `plexus sim`: runs the overlay simulator (libs/overlay, the routers a node runs) on a
// generated topology or an edge-list file and writes the measurements as JSON
// (docs/overlay-results.md explains every key).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <span>
#include <string>

#include "cli/flags.h"
#include "plexus/overlay/sim.h"

namespace plexus::cli {
namespace {

constexpr const char* kUsage =
    "usage: plexus sim (--nodes N --topology KIND | --graph EDGELIST) [--churn "
    "PERCENT_PER_MINUTE]\n"
    "                  [--seed S] [--radius R] [--trees L] [--pairs P] [--loss RATE] [--idle "
    "SECONDS]\n"
    "                  [--no-newcomer] [--quiet | --verbose] --json FILE\n"
    "  KIND: rgg (random geometric; --radius, else the smallest that connects), mobile, ba\n"
    "  (scale-free, m = 2), grid, line, internet. ba with --seed 7 and rgg with --radius 0.065\n"
    "  --seed 7 at 1,000 nodes are the reference graphs of shared/research/graphs.\n"
    "  --churn 5 takes 5 % of the nodes off or back on per minute during a churn phase.\n"
    "  --json - writes to stdout. Progress goes to stderr unless --quiet.\n";

bool parseNumber(const std::string& text, double& out) {
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return end && *end == '\0' && !text.empty();
}

}  // namespace

int runSim(std::span<char* const> args) {
  overlay::SimOptions options;
  std::string jsonPath;
  bool quiet = false;
  FlagReader flags(args);
  while (flags.next()) {
    const auto name = flags.name();
    if (name == "--no-newcomer") {
      options.newcomer = false;
      continue;
    }
    if (name == "--quiet") {
      quiet = true;
      continue;
    }
    if (name == "--verbose") {
      options.verbose = true;
      continue;
    }
    if (name == "--help" || name == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    auto value = flags.value();
    if (!value) {
      std::fprintf(stderr, "plexus sim: %s\n%s", flags.error().c_str(), kUsage);
      return 2;
    }
    double number = 0;
    const bool numeric = parseNumber(*value, number);
    if (name == "--topology") {
      options.topology = *value;
    } else if (name == "--graph") {
      options.graphFile = *value;
    } else if (name == "--json") {
      jsonPath = *value;
    } else if (numeric && name == "--nodes" && number >= 2 && number <= 1e6) {
      options.nodes = static_cast<int>(number);
    } else if (numeric && name == "--churn" && number >= 0 && number <= 100) {
      options.churnPercentPerMinute = number;
    } else if (numeric && name == "--seed" && number >= 0) {
      options.seed = static_cast<std::uint64_t>(number);
    } else if (numeric && name == "--trees" && number >= 1 && number <= 8) {
      options.trees = static_cast<int>(number);
    } else if (numeric && name == "--pairs" && number >= 1 && number <= 1e6) {
      options.pairs = static_cast<int>(number);
    } else if (numeric && name == "--loss" && number >= 0 && number < 1) {
      options.lossRate = number;
    } else if (numeric && name == "--radius" && number > 0 && number < 1) {
      options.radius = number;
    } else if (numeric && name == "--idle" && number >= 1) {
      options.idleSeconds = number;
    } else {
      std::fprintf(stderr, "plexus sim: bad flag or value: %.*s %s\n%s",
                   static_cast<int>(name.size()), name.data(), value->c_str(), kUsage);
      return 2;
    }
  }
  if (jsonPath.empty()) {
    std::fprintf(stderr, "plexus sim: --json FILE is required\n%s", kUsage);
    return 2;
  }
  auto result = overlay::runSimulation(options, quiet ? nullptr : &std::cerr);
  if (!result.ok()) {
    std::fprintf(stderr, "plexus sim: %s\n", result.error().message.c_str());
    return 1;
  }
  if (jsonPath == "-") {
    std::fputs(result->c_str(), stdout);
    return 0;
  }
  std::ofstream out(jsonPath);
  out << *result;
  if (!out) {
    std::fprintf(stderr, "plexus sim: cannot write %s\n", jsonPath.c_str());
    return 1;
  }
  return 0;
}

}  // namespace plexus::cli
