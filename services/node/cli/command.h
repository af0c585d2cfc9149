// A sub-command of the `plexus` binary: a name path ("state replay"), a one-line summary for
// --help, and a function that gets the remaining arguments and returns the exit code.
#pragma once

#include <functional>
#include <span>
#include <string_view>
#include <vector>

namespace plexus::cli {

struct Command {
  std::vector<std::string_view> path;  // e.g. {"state", "replay"}
  std::string_view usage;              // argument synopsis
  std::string_view summary;
  std::function<int(std::span<char* const> args)> run;
};

// Every sub-command, registered in main.cc.
std::span<const Command> allCommands();

}  // namespace plexus::cli
