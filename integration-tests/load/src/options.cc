// Flag parsing and --help text of plexus_loadgen.
#include "options.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string_view>

namespace plexus::loadgen {
namespace {

constexpr const char* kUsage = R"(usage: plexus_loadgen MODE [flags]

Load generator for a Plexus (or any Matrix) node on loopback. Many keep-alive HTTP/1.1
connections from one thread (Boost.Beast + C++20 coroutines), no thread per client. Users are
registered with POST /register (m.login.dummy, no password: no password hash in the setup).
The last line of output is "RESULT mode=... key=value ...".

Modes:
  latency     --clients N rooms R: client i creates rooms i, i+N, ...; client i+1 joins them.
              Every client long-polls /sync (timeline filter). Messages are sent open loop at
              --rate msg/s in total (round robin over rooms) for --duration s; the other member's
              /sync measures send request start -> event arrival (and send response -> arrival).
              --warmup-seconds S first sends at the same rate for S s that the latency figures
              leave out (their messages must still arrive).
  sequential  one client, one room: --warmup then --messages sends, each awaited: messages/s.
  throughput  --clients N each in its own room send closed loop (--depth in flight each) for
              --duration s: total messages/s.
  startup     spawns the command after "--" (a node listening on --host/--port), polls
              GET /_matrix/client/versions every millisecond from the spawn on and reports the
              time to the first 200; the node is left running (its PID is in the RESULT line).
              Needs --log FILE for the node's output.
  idle        --users U registered, then --connections K long-polling /sync connections spread
              over them (a user's token is shared by K/U connections) held for --hold s,
              re-polling when a poll returns. With --pid, samples the node's VmRSS meanwhile.

Flags (defaults in brackets):
  --host H [127.0.0.1]  --port P [8008]
  --clients N [100]  --rooms R [100]  --rate MSG_PER_S [1000]  --duration S [10]
  --messages M [2000]  --warmup W [100]  --depth D [1]
  --connections K [10000]  --users U [100]  --poll-timeout MS [30000]  --hold S [30]
  --setup-concurrency C [16]  --ramp-concurrency C [256]  --grace S [5]
  --warmup-seconds S [0]
  --prefix NAME [random]   user names are NAME-<lat|seq|tp|idle>-<i>
  --log FILE               startup: where the node's stdout and stderr go
  --pid PID                the node's process: idle samples its VmRSS/VmHWM every 250 ms;
                           the send modes report its CPU time per message (/proc/PID/stat)
  --check                  exit 1 on any failed request, lost message or missing connection
  --receiver-port P        latency across servers: receivers live on the node at
  --receiver-host H          H:P [127.0.0.1] (register, join, /sync there); senders and rooms
                           stay on --host/--port (federation: send -> other server's /sync)
  --join-via NAME          latency: receivers join with ?server_name=NAME (the rooms' server)
)";

template <typename T>
bool number(std::string_view text, T& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

std::optional<Options> parseOptions(int argc, char** argv, int& exitCode) {
  Options o;
  exitCode = 2;
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return std::nullopt;
  }
  std::string_view first = argv[1];
  if (first == "--help" || first == "-h") {
    std::fputs(kUsage, stdout);
    exitCode = 0;
    return std::nullopt;
  }
  o.mode = first;
  if (o.mode != "latency" && o.mode != "sequential" && o.mode != "throughput" && o.mode != "idle" &&
      o.mode != "startup") {
    std::fprintf(stderr, "plexus_loadgen: unknown mode '%s'\n%s", argv[1], kUsage);
    return std::nullopt;
  }
  for (int i = 2; i < argc; ++i) {
    std::string_view name = argv[i];
    if (name == "--help" || name == "-h") {
      std::fputs(kUsage, stdout);
      exitCode = 0;
      return std::nullopt;
    }
    if (name == "--") {
      for (int j = i + 1; j < argc; ++j) o.command.emplace_back(argv[j]);
      break;
    }
    if (name == "--check") {
      o.check = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "plexus_loadgen: %s needs a value\n", argv[i]);
      return std::nullopt;
    }
    std::string_view v = argv[++i];
    int pid = 0;
    bool ok = true;
    if (name == "--host") o.host = v;
    else if (name == "--port") ok = number(v, o.port);
    else if (name == "--clients") ok = number(v, o.clients) && o.clients > 0;
    else if (name == "--rooms") ok = number(v, o.rooms) && o.rooms > 0;
    else if (name == "--rate") ok = number(v, o.rate) && o.rate > 0;
    else if (name == "--duration") ok = number(v, o.duration) && o.duration > 0;
    else if (name == "--messages") ok = number(v, o.messages) && o.messages > 0;
    else if (name == "--warmup") ok = number(v, o.warmup) && o.warmup >= 0;
    else if (name == "--depth") ok = number(v, o.depth) && o.depth > 0;
    else if (name == "--connections") ok = number(v, o.connections) && o.connections > 0;
    else if (name == "--users") ok = number(v, o.users) && o.users > 0;
    else if (name == "--poll-timeout") ok = number(v, o.pollTimeoutMs) && o.pollTimeoutMs >= 0;
    else if (name == "--hold") ok = number(v, o.hold) && o.hold >= 0;
    else if (name == "--setup-concurrency") ok = number(v, o.setupConcurrency) && o.setupConcurrency > 0;
    else if (name == "--ramp-concurrency") ok = number(v, o.rampConcurrency) && o.rampConcurrency > 0;
    else if (name == "--grace") ok = number(v, o.grace) && o.grace >= 0;
    else if (name == "--warmup-seconds")
      ok = number(v, o.warmupSeconds) && o.warmupSeconds >= 0;
    else if (name == "--prefix") o.prefix = v;
    else if (name == "--receiver-port") { std::uint16_t p = 0; ok = number(v, p) && p > 0; o.receiverPort = p; }
    else if (name == "--receiver-host") o.receiverHost = v;
    else if (name == "--join-via") o.joinVia = v;
    else if (name == "--log") o.logFile = v;
    else if (name == "--pid") { ok = number(v, pid) && pid > 0; o.pid = pid; }
    else {
      std::fprintf(stderr, "plexus_loadgen: unknown flag '%s'\n%s", argv[i - 1], kUsage);
      return std::nullopt;
    }
    if (!ok) {
      std::fprintf(stderr, "plexus_loadgen: bad value '%s' for %s\n", argv[i], argv[i - 1]);
      return std::nullopt;
    }
  }
  if (o.mode == "startup" && (o.command.empty() || o.logFile.empty())) {
    std::fprintf(stderr, "plexus_loadgen: startup needs --log FILE and -- COMMAND...\n");
    return std::nullopt;
  }
  if (o.prefix.empty()) {
    std::random_device rd;
    o.prefix = "lg" + std::to_string(rd() % 1000000);
  }
  exitCode = 0;
  return o;
}

}  // namespace plexus::loadgen
