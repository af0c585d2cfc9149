// startup mode: spawn a node and time its first answered request (see mode_startup.cc).
#pragma once

#include "options.h"

namespace plexus::loadgen {

// Spawns options.command (output to options.logFile), polls until GET /_matrix/client/versions
// answers 200 (at most 30 s), prints the RESULT line and leaves the node running. Exit code.
int runStartup(const Options& options);

}  // namespace plexus::loadgen
