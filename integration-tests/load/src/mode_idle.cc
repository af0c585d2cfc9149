// idle: many clients parked in /sync long-polls, as a node with thousands of idle users sees.
//
// U users are registered (no password) and each does one initial sync; then K connections share
// their tokens round robin (registration and login are not what is measured). Each connection
// first polls with timeout=0 (proving it is served), then long-polls with --poll-timeout and
// re-polls whenever a poll returns. At most --ramp-concurrency connections are being opened at a
// time. Once all are open they are held for --hold s while the node's VmRSS is sampled.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <cstdio>
#include <memory>

#include "modes.h"
#include "rss_sampler.h"
#include "setup.h"

namespace plexus::loadgen {

namespace asio = boost::asio;

namespace {

struct Idle {
  explicit Idle(asio::io_context& io) : loops(io), slotFreed(io, Clock::time_point::max()) {}
  std::vector<Account> users;
  std::vector<std::string> since;
  std::vector<std::unique_ptr<HttpConnection>> conns;
  WaitGroup loops;
  asio::steady_timer slotFreed;
  int opening = 0;
  int established = 0;
  bool stopping = false;
  std::uint64_t errors = 0, repolls = 0;
};

asio::awaitable<void> pollLoop(Context& ctx, Idle& idle, int index, Clock::time_point deadline) {
  const std::size_t user = static_cast<std::size_t>(index) % idle.users.size();
  HttpConnection& conn = *idle.conns[static_cast<std::size_t>(index)];
  std::string since = idle.since[user];
  bool first = true;
  while (!idle.stopping && Clock::now() < deadline) {
    HttpResult r = co_await sync(conn, idle.users[user], since, first ? 0 : ctx.options.pollTimeoutMs, true);
    if (idle.stopping) break;
    auto batch = r.ok() ? readSyncBatch(r.body) : std::nullopt;
    if (first) {
      --idle.opening;
      idle.slotFreed.cancel();
    }
    if (!batch) {
      if (idle.errors++ < 5) reportError("sync", r.status ? r.body.substr(0, 200) : r.error);
      if (first) break;  // never established: count it missing rather than retrying forever
      co_await sleepFor(ctx.io, std::chrono::milliseconds(500));
      continue;
    }
    if (first) ++idle.established;
    else ++idle.repolls;
    first = false;
    since = std::move(batch->nextBatch);
  }
  idle.loops.done();
}

}  // namespace

asio::awaitable<int> runIdle(Context& ctx) {
  const Options& o = ctx.options;
  std::printf("idle: %d long-polling connections over %d users, hold %.0f s, poll timeout %d ms\n",
              o.connections, o.users, o.hold, o.pollTimeoutMs);
  std::fflush(stdout);
  Idle idle(ctx.io);
  auto accounts = co_await registerUsers(ctx, o.users, "idle");
  if (!accounts) co_return 1;
  idle.users = std::move(*accounts);
  idle.since.resize(idle.users.size());
  std::string error;
  bool ok = co_await forEachConcurrent(ctx, o.users, o.setupConcurrency,
      [&](HttpConnection& conn, int i) -> asio::awaitable<bool> {
        HttpResult r = co_await sync(conn, idle.users[i], "", 0, true);
        auto batch = r.ok() ? readSyncBatch(r.body) : std::nullopt;
        if (!batch) {
          error = r.status ? r.body.substr(0, 200) : r.error;
          co_return false;
        }
        idle.since[i] = batch->nextBatch;
        co_return true;
      });
  if (!ok) {
    reportError("initial sync", error);
    co_return 1;
  }

  std::unique_ptr<RssSampler> sampler;
  std::int64_t rssBeforeKb = 0;
  if (o.pid) {
    sampler = std::make_unique<RssSampler>(*o.pid);
    sampler->sampleNow();
    rssBeforeKb = sampler->lastRssKb();
  }
  const auto holdDuration = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.hold));
  const auto deadline = Clock::now() + holdDuration + std::chrono::minutes(5);
  const auto rampStart = Clock::now();
  idle.conns.reserve(static_cast<std::size_t>(o.connections));
  for (int i = 0; i < o.connections && Clock::now() < deadline; ++i) {
    while (idle.opening >= o.rampConcurrency && Clock::now() < deadline) {
      idle.slotFreed.expires_at(deadline);
      co_await idle.slotFreed.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    idle.conns.push_back(std::make_unique<HttpConnection>(ctx.io, ctx.endpoint));
    ++idle.opening;
    idle.loops.add();
    asio::co_spawn(ctx.io, pollLoop(ctx, idle, i, deadline), asio::detached);
  }
  while (idle.opening > 0 && Clock::now() < deadline) {
    idle.slotFreed.expires_at(deadline);
    co_await idle.slotFreed.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  const double rampSeconds = msBetween(rampStart, Clock::now()) / 1000;
  std::printf("%d of %d connections established in %.2f s\n", idle.established, o.connections, rampSeconds);
  std::fflush(stdout);
  // Give the last long-polls a moment to reach the node and park before sampling.
  co_await sleepFor(ctx.io, std::chrono::milliseconds(500));
  std::int64_t rssOpenKb = 0;
  if (sampler) {
    sampler->sampleNow();
    rssOpenKb = sampler->lastRssKb();
    asio::co_spawn(ctx.io, sampler->run(ctx.io), asio::detached);
  }
  co_await sleepFor(ctx.io, holdDuration);
  if (sampler) {
    sampler->stop();
    sampler->sampleNow();
  }
  idle.stopping = true;
  for (auto& c : idle.conns) c->close();
  co_await idle.loops.wait(Clock::now() + std::chrono::seconds(10));

  std::printf("held %.0f s: errors %llu, re-polls %llu\n", o.hold, static_cast<unsigned long long>(idle.errors),
              static_cast<unsigned long long>(idle.repolls));
  if (sampler) {
    const double perConn = idle.established
                               ? static_cast<double>(sampler->maxRssKb() - rssBeforeKb) / idle.established
                               : 0;
    std::printf("node VmRSS: %lld kB before, %lld kB open, max %lld kB while held, VmHWM %lld kB "
                "(%.1f kB per connection)\n",
                static_cast<long long>(rssBeforeKb), static_cast<long long>(rssOpenKb),
                static_cast<long long>(sampler->maxRssKb()), static_cast<long long>(sampler->lastHwmKb()),
                perConn);
  }
  std::printf("RESULT mode=idle connections=%d users=%d established=%d ramp_s=%.2f hold_s=%.0f errors=%llu "
              "repolls=%llu rss_before_kb=%lld rss_open_kb=%lld rss_max_kb=%lld hwm_kb=%lld\n",
              o.connections, o.users, idle.established, rampSeconds, o.hold,
              static_cast<unsigned long long>(idle.errors), static_cast<unsigned long long>(idle.repolls),
              static_cast<long long>(rssBeforeKb), static_cast<long long>(rssOpenKb),
              static_cast<long long>(sampler ? sampler->maxRssKb() : 0),
              static_cast<long long>(sampler ? sampler->lastHwmKb() : 0));
  co_return (o.check && (idle.errors != 0 || idle.established != o.connections)) ? 1 : 0;
}

}  // namespace plexus::loadgen
