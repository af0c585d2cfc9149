// Entry point of the `plexus` binary: finds the sub-command named by the leading arguments
// and runs it. Unknown commands print usage to stderr and exit 2.
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "cli/command.h"

namespace plexus::cli {
int runStateReplay(std::span<char* const> args);     // state_replay_command.cc
int runNode(std::span<char* const> args);            // node_command.cc
int runGenerateConfig(std::span<char* const> args);  // generate_config_command.cc
int runCreateAccount(std::span<char* const> args);   // create_account_command.cc
int runRotateSigningKey(std::span<char* const> args);  // rotate_signing_key_command.cc
int runServe(std::span<char* const> args);             // serve_command.cc
int runSim(std::span<char* const> args);               // sim_command.cc

namespace {

const std::vector<Command>& commands() {
  static const std::vector<Command> kCommands = {
      {{"node"},
       "[--config FILE] [--data-dir DIR] [--client-addr HOST:PORT] ... (--help)",
       "run every service in one process (client-side node)",
       runNode},
      {{"serve"}, "SERVICE --config FILE [--shard N]", "run one service of the cluster", runServe},
      {{"generate-config"},
       "[--server-name N] [--data-dir D] [--postgres DSN]",
       "print a commented YAML configuration",
       runGenerateConfig},
      {{"create-account"},
       "--config FILE | --data-dir DIR --username U --password P [--admin]",
       "create a user account (no running node needed)",
       runCreateAccount},
      {{"rotate-signing-key"},
       "[--config FILE] [--data-dir DIR]",
       "retire the signing key and make a new one (node stopped)",
       runRotateSigningKey},
      {{"state", "replay"},
       "--room-version V [--trust-event-ids] [--keys FILE] FILE",
       "replay a room's PDUs and print the resolved current state",
       runStateReplay},
      {{"sim"},
       "(--nodes N --topology KIND | --graph EDGELIST) [--churn PER_MINUTE] [--seed S] --json FILE",
       "simulate the overlay's routing on many nodes and write measurements as JSON",
       runSim},
  };
  return kCommands;
}

void printUsage(std::FILE* out) {
  std::fprintf(out, "usage: plexus <command> [args]\n\ncommands:\n");
  for (const Command& c : commands()) {
    std::string name;
    for (auto part : c.path) name += std::string(name.empty() ? "" : " ") + std::string(part);
    std::fprintf(out, "  %-16s %.*s\n      %.*s\n", name.c_str(), static_cast<int>(c.summary.size()),
                 c.summary.data(), static_cast<int>(c.usage.size()), c.usage.data());
  }
}

}  // namespace

std::span<const Command> allCommands() { return commands(); }

}  // namespace plexus::cli

int main(int argc, char** argv) {
  using plexus::cli::Command;
  std::span<char* const> args(argv + 1, static_cast<std::size_t>(argc > 0 ? argc - 1 : 0));
  if (args.empty() || std::strcmp(args[0], "--help") == 0 || std::strcmp(args[0], "-h") == 0 ||
      std::strcmp(args[0], "help") == 0) {
    plexus::cli::printUsage(args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const Command* best = nullptr;
  for (const Command& c : plexus::cli::allCommands()) {
    if (c.path.size() > args.size()) continue;
    bool match = true;
    for (std::size_t i = 0; i < c.path.size(); ++i) match = match && c.path[i] == args[i];
    if (match && (!best || c.path.size() > best->path.size())) best = &c;
  }
  if (!best) {
    std::fprintf(stderr, "plexus: unknown command '%s'\n", args[0]);
    plexus::cli::printUsage(stderr);
    return 2;
  }
  return best->run(args.subspan(best->path.size()));
}
