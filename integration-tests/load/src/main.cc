// plexus_loadgen: drives a Plexus node over its Client-Server API for issue 3's speed goals.
// Parses the flags, raises the fd limit, runs one mode on a single io thread, bounded in time.
#include <sys/resource.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <cstdio>
#include <exception>

#include "mode_startup.h"
#include "modes.h"
#include "options.h"

namespace {

// Thousands of idle connections need as many descriptors; take all the hard limit allows.
void raiseFdLimit(int wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < static_cast<rlim_t>(wanted)) {
    std::fprintf(stderr, "plexus_loadgen: warning: fd limit %llu is below the %d connections wanted\n",
                 static_cast<unsigned long long>(limit.rlim_cur), wanted);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace plexus::loadgen;
  int exitCode = 0;
  auto options = parseOptions(argc, argv, exitCode);
  if (!options) return exitCode;
  if (options->mode == "startup") return runStartup(*options);
  if (options->mode == "idle") raiseFdLimit(options->connections + 64);

  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(options->host, ec);
  if (ec) {
    std::fprintf(stderr, "plexus_loadgen: bad --host '%s'\n", options->host.c_str());
    return 2;
  }
  boost::asio::io_context io(1);
  Context ctx{io, {address, options->port}, *options};
  if (options->receiverPort) {
    auto receiverAddress = boost::asio::ip::make_address(options->receiverHost, ec);
    if (ec) {
      std::fprintf(stderr, "plexus_loadgen: bad --receiver-host '%s'\n", options->receiverHost.c_str());
      return 2;
    }
    ctx.receiver = {receiverAddress, *options->receiverPort};
  }
  auto mode = [&]() -> boost::asio::awaitable<int> {
    if (options->mode == "latency") co_return co_await runLatency(ctx);
    if (options->mode == "sequential") co_return co_await runSequential(ctx);
    if (options->mode == "throughput") co_return co_await runThroughput(ctx);
    co_return co_await runIdle(ctx);
  };
  int result = 1;
  boost::asio::co_spawn(io, mode(), [&](std::exception_ptr e, int code) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::fprintf(stderr, "plexus_loadgen: %s\n", ex.what());
      }
      result = 1;
    } else {
      result = code;
    }
    io.stop();  // detached loops still parked on closed sockets need not be drained
  });
  io.run();
  std::fflush(stdout);
  return result;
}
