// The four load modes. Each prints a short human summary and, last, one line
// "RESULT mode=<mode> key=value ..." that scripts/bench-node.sh parses; each returns the
// process exit code (1 with --check when a request failed or a message was lost).
#pragma once

#include <boost/asio/awaitable.hpp>

#include "context.h"

namespace plexus::loadgen {

boost::asio::awaitable<int> runLatency(Context& ctx);
boost::asio::awaitable<int> runSequential(Context& ctx);
boost::asio::awaitable<int> runThroughput(Context& ctx);
boost::asio::awaitable<int> runIdle(Context& ctx);

}  // namespace plexus::loadgen
