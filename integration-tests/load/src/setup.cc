// Bounded-concurrency setup work (see the header).
#include "setup.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <cstdio>
#include <memory>

namespace plexus::loadgen {

namespace asio = boost::asio;

void reportError(const std::string& what, const std::string& error) {
  std::fprintf(stderr, "plexus_loadgen: %s: %s\n", what.c_str(), error.c_str());
}

namespace {

struct SharedWork {
  int next = 0;
  int count = 0;
  bool failed = false;
};

asio::awaitable<void> worker(Context& ctx, SharedWork& work, const IndexedTask& task, WaitGroup& wg) {
  HttpConnection conn(ctx.io, ctx.endpoint);
  while (!work.failed && work.next < work.count) {
    int index = work.next++;
    if (!co_await task(conn, index)) work.failed = true;
  }
  conn.close();
  wg.done();
}

}  // namespace

asio::awaitable<bool> forEachConcurrent(Context& ctx, int count, int concurrency, IndexedTask task) {
  SharedWork work;
  work.count = count;
  WaitGroup wg(ctx.io);
  int workers = std::min(concurrency, count);
  wg.add(workers);
  for (int i = 0; i < workers; ++i) asio::co_spawn(ctx.io, worker(ctx, work, task, wg), asio::detached);
  // Setup is bounded too: a node that stops answering fails the run instead of hanging it.
  bool finished = co_await wg.wait(Clock::now() + std::chrono::minutes(10));
  co_return finished && !work.failed;
}

asio::awaitable<std::optional<std::vector<Account>>> registerUsers(Context& ctx, int count,
                                                                  const std::string& tag) {
  std::vector<Account> accounts(static_cast<std::size_t>(count));
  std::string error;
  const std::string prefix = ctx.options.prefix + "-" + tag + "-";
  bool ok = co_await forEachConcurrent(
      ctx, count, ctx.options.setupConcurrency,
      [&](HttpConnection& conn, int i) -> asio::awaitable<bool> {
        std::string err;
        auto account = co_await registerUser(conn, prefix + std::to_string(i), err);
        if (!account) {
          error = err;
          co_return false;
        }
        accounts[static_cast<std::size_t>(i)] = std::move(*account);
        co_return true;
      });
  if (!ok) {
    reportError("registration", error.empty() ? "timed out" : error);
    co_return std::nullopt;
  }
  co_return accounts;
}

}  // namespace plexus::loadgen
