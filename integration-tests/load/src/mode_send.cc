// sequential and throughput: how many messages/s the node accepts, from one client awaiting each
// answer, and from many clients sending closed loop in their own rooms.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <cstdio>
#include <memory>

#include "modes.h"
#include "rss_sampler.h"
#include "setup.h"
#include "stats.h"

namespace plexus::loadgen {

namespace asio = boost::asio;

namespace {
constexpr auto kSendTimeout = std::chrono::seconds(30);
}

asio::awaitable<int> runSequential(Context& ctx) {
  const Options& o = ctx.options;
  std::printf("sequential: 1 client, %d warm-up + %d messages\n", o.warmup, o.messages);
  std::fflush(stdout);
  auto accounts = co_await registerUsers(ctx, 1, "seq");
  if (!accounts) co_return 1;
  const Account& account = accounts->front();
  HttpConnection conn(ctx.io, ctx.endpoint);
  std::string error;
  auto room = co_await createRoom(conn, account, error);
  if (!room) {
    reportError("createRoom", error);
    co_return 1;
  }
  std::uint64_t seq = 0, errors = 0;
  for (int i = 0; i < o.warmup; ++i) {
    HttpResult r = co_await sendMessage(conn, account, *room, seq++, kSendTimeout);
    if (!r.ok() && errors++ < 5) reportError("send", r.status ? r.body.substr(0, 200) : r.error);
  }
  LatencyStats latency;
  CpuWindow cpu(o.pid);
  cpu.start();
  const auto start = Clock::now();
  int ok = 0;
  for (int i = 0; i < o.messages; ++i) {
    const auto t0 = Clock::now();
    HttpResult r = co_await sendMessage(conn, account, *room, seq++, kSendTimeout);
    latency.add(msBetween(t0, Clock::now()));
    if (r.ok()) {
      ++ok;
    } else if (errors++ < 5) {
      reportError("send", r.status ? r.body.substr(0, 200) : r.error);
    }
  }
  const double seconds = msBetween(start, Clock::now()) / 1000;
  const double nodeCpu = cpu.cpuSeconds();
  conn.close();
  std::printf("%d messages in %.3f s: %.0f msg/s; send p50 %.3f ms p99 %.3f ms; errors %llu\n", ok,
              seconds, ok / seconds, latency.percentile(50), latency.percentile(99),
              static_cast<unsigned long long>(errors));
  std::printf("RESULT mode=sequential messages=%d ok=%d errors=%llu seconds=%.3f msg_per_s=%.0f "
              "node_cpu_s=%.2f node_cpu_ms_per_msg=%.3f %s\n",
              o.messages, ok, static_cast<unsigned long long>(errors), seconds, ok / seconds, nodeCpu,
              ok ? nodeCpu * 1000 / ok : 0.0, latency.summary("send").c_str());
  co_return (o.check && (errors != 0 || ok != o.messages)) ? 1 : 0;
}

namespace {

struct Flood {
  explicit Flood(asio::io_context& io) : done(io) {}
  WaitGroup done;
  std::uint64_t ok = 0, errors = 0;
  std::uint64_t nextSeq = 0;
  LatencyStats latency;
};

asio::awaitable<void> sendLoop(Context& ctx, Flood& flood, const Account& account, const std::string& room,
                               Clock::time_point end) {
  HttpConnection conn(ctx.io, ctx.endpoint);
  while (Clock::now() < end) {
    const auto t0 = Clock::now();
    HttpResult r = co_await sendMessage(conn, account, room, flood.nextSeq++, kSendTimeout);
    const auto t1 = Clock::now();
    if (t1 > end) break;  // only answers inside the window count
    flood.latency.add(msBetween(t0, t1));
    if (r.ok()) {
      ++flood.ok;
    } else if (flood.errors++ < 5) {
      reportError("send", r.status ? r.body.substr(0, 200) : r.error);
    }
  }
  conn.close();
  flood.done.done();
}

}  // namespace

asio::awaitable<int> runThroughput(Context& ctx) {
  const Options& o = ctx.options;
  std::printf("throughput: %d clients x %d in flight, own room each, %.1f s\n", o.clients, o.depth, o.duration);
  std::fflush(stdout);
  auto accounts = co_await registerUsers(ctx, o.clients, "tp");
  if (!accounts) co_return 1;
  std::vector<std::string> rooms(accounts->size());
  std::string error;
  bool ok = co_await forEachConcurrent(ctx, o.clients, o.setupConcurrency,
      [&](HttpConnection& conn, int i) -> asio::awaitable<bool> {
        std::string err;
        auto room = co_await createRoom(conn, (*accounts)[i], err);
        if (!room) {
          error = err;
          co_return false;
        }
        rooms[i] = std::move(*room);
        co_return true;
      });
  if (!ok) {
    reportError("room setup", error);
    co_return 1;
  }
  Flood flood(ctx.io);
  CpuWindow cpu(o.pid);
  cpu.start();
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration));
  for (int i = 0; i < o.clients; ++i) {
    for (int d = 0; d < o.depth; ++d) {
      flood.done.add();
      asio::co_spawn(ctx.io, sendLoop(ctx, flood, (*accounts)[i], rooms[i], end), asio::detached);
    }
  }
  co_await sleepUntil(ctx.io, end);
  const double nodeCpu = cpu.cpuSeconds();
  co_await flood.done.wait(end + std::chrono::seconds(60));
  const double seconds = o.duration;
  const double rate = static_cast<double>(flood.ok) / seconds;
  std::printf("%llu messages in %.1f s: %.0f msg/s; send p50 %.2f ms p99 %.2f ms; errors %llu\n",
              static_cast<unsigned long long>(flood.ok), seconds, rate, flood.latency.percentile(50),
              flood.latency.percentile(99), static_cast<unsigned long long>(flood.errors));
  std::printf("RESULT mode=throughput clients=%d depth=%d ok=%llu errors=%llu seconds=%.1f msg_per_s=%.0f "
              "node_cpu_s=%.2f node_cpu_ms_per_msg=%.3f %s\n",
              o.clients, o.depth, static_cast<unsigned long long>(flood.ok),
              static_cast<unsigned long long>(flood.errors), seconds, rate, nodeCpu,
              flood.ok ? nodeCpu * 1000 / static_cast<double>(flood.ok) : 0.0,
              flood.latency.summary("send").c_str());
  co_return (o.check && (flood.errors != 0 || flood.ok == 0)) ? 1 : 0;
}

}  // namespace plexus::loadgen
