// latency: send -> other client's /sync wake-up while many clients send at a fixed total rate.
//
// Client i creates rooms i, i+N, i+2N, ... and is their sender; client (i+1) mod N joins them and
// is their receiver. Every client keeps one /sync long-poll open (timeline-only filter) and
// sends over a small pool of extra connections, opened on demand so that the pacing stays open
// loop (a slow answer never delays the next send). The pacer walks an absolute schedule
// (start + seq/rate) so timer jitter does not accumulate.
//
// Across servers (--receiver-port): the senders and their rooms stay on the first node; N
// receivers registered on the second node join the rooms over federation (?server_name=
// --join-via) and only they long-poll, so every arrival measures send -> the other server's /sync.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <cstdio>
#include <memory>
#include <set>

#include "modes.h"
#include "rss_sampler.h"
#include "setup.h"
#include "stats.h"

namespace plexus::loadgen {

namespace asio = boost::asio;

namespace {

struct Client {
  Account account;
  std::vector<std::unique_ptr<HttpConnection>> idle;  // send connections not in use
  int sendConnections = 0;
  std::unique_ptr<HttpConnection> syncConn;
  std::string since;
};

struct Message {
  Clock::time_point start{};
  Clock::time_point response{};
  bool sent = false;      // the send was answered 200
  bool received = false;  // another member's /sync delivered it
  double fromStartMs = 0;  // send request start -> arrival, once received
  bool measured = true;    // false during --warmup-seconds
};

struct Run {
  explicit Run(asio::io_context& io) : sends(io), syncs(io), arrivals(io) {}
  std::vector<Client> clients;
  std::vector<Client> receivers;  // across servers only: the members on the receiver node
  std::vector<std::string> rooms;
  std::vector<Message> messages;
  WaitGroup sends, syncs;
  WaitGroup arrivals;  // one count per answered send not yet received
  bool stopping = false;
  std::uint64_t sendErrors = 0, syncErrors = 0, duplicates = 0, limitedBatches = 0, strays = 0;
  int maxSendConnections = 0;
  LatencyStats fromStart, fromResponse, sendLatency;
  LatencyStats fromStartAll;  // fromStart with the warm-up's messages
};

asio::awaitable<void> sendOne(Context& ctx, Run& run, std::uint64_t seq) {
  const std::size_t room = seq % run.rooms.size();
  Client& client = run.clients[room % run.clients.size()];
  std::unique_ptr<HttpConnection> conn;
  if (!client.idle.empty()) {
    conn = std::move(client.idle.back());
    client.idle.pop_back();
  } else {
    conn = std::make_unique<HttpConnection>(ctx.io, ctx.endpoint);
    run.maxSendConnections = std::max(run.maxSendConnections, ++client.sendConnections);
  }
  Message& m = run.messages[seq];
  m.start = Clock::now();
  HttpResult r = co_await sendMessage(*conn, client.account, run.rooms[room], seq, std::chrono::seconds(30));
  m.response = Clock::now();
  if (r.ok()) {
    m.sent = true;
    if (m.measured) run.sendLatency.add(msBetween(m.start, m.response));
    if (m.received) {
      if (m.measured) run.fromResponse.add(0);  // arrived before the answer
    } else {
      run.arrivals.add();
    }
  } else {
    if (run.sendErrors++ < 5) reportError("send", r.status ? r.body.substr(0, 200) : r.error);
  }
  client.idle.push_back(std::move(conn));
  run.sends.done();
}

void onArrival(Run& run, const Client& self, const SyncBatch::Arrival& a, Clock::time_point now) {
  if (a.sender == self.account.userId) return;  // the sender's own echo
  if (a.seq >= run.messages.size()) {
    ++run.strays;
    return;
  }
  Message& m = run.messages[a.seq];
  if (m.received) {
    ++run.duplicates;
    return;
  }
  m.received = true;
  m.fromStartMs = msBetween(m.start, now);
  if (m.measured) run.fromStart.add(m.fromStartMs);
  run.fromStartAll.add(m.fromStartMs);
  if (m.sent) {
    if (m.measured) run.fromResponse.add(std::max(0.0, msBetween(m.response, now)));
    run.arrivals.done();
  }
}

asio::awaitable<void> syncLoop(Context& ctx, Run& run, Client& client, Clock::time_point deadline) {
  while (!run.stopping && Clock::now() < deadline) {
    HttpResult r = co_await sync(*client.syncConn, client.account, client.since,
                                 ctx.options.pollTimeoutMs, true);
    const auto now = Clock::now();
    if (run.stopping) break;
    auto batch = r.ok() ? readSyncBatch(r.body) : std::nullopt;
    if (!batch) {
      if (run.syncErrors++ < 5) reportError("sync", r.status ? r.body.substr(0, 200) : r.error);
      co_await sleepFor(ctx.io, std::chrono::milliseconds(100));
      continue;
    }
    if (batch->limited) ++run.limitedBatches;
    for (const auto& a : batch->arrivals) onArrival(run, client, a, now);
    client.since = std::move(batch->nextBatch);
  }
  run.syncs.done();
}

}  // namespace

asio::awaitable<int> runLatency(Context& ctx) {
  const Options& o = ctx.options;
  Run run(ctx.io);
  std::printf("latency: %d clients, %d rooms, %.0f msg/s for %.1f s (after %.1f s of warm-up)\n",
              o.clients, o.rooms, o.rate, o.duration, o.warmupSeconds);
  std::fflush(stdout);
  auto accounts = co_await registerUsers(ctx, o.clients, "lat");
  if (!accounts) co_return 1;
  run.clients.resize(accounts->size());
  for (std::size_t i = 0; i < accounts->size(); ++i) run.clients[i].account = (*accounts)[i];
  const int n = o.clients;
  const bool federated = o.receiverPort.has_value();
  Context rctx{ctx.io, ctx.receiver, ctx.options, ctx.receiver};
  if (federated) {
    auto receivers = co_await registerUsers(rctx, o.clients, "latr");
    if (!receivers) co_return 1;
    run.receivers.resize(receivers->size());
    for (std::size_t i = 0; i < receivers->size(); ++i) run.receivers[i].account = (*receivers)[i];
  }

  run.rooms.resize(static_cast<std::size_t>(o.rooms));
  std::string error;
  bool ok = co_await forEachConcurrent(ctx, o.rooms, o.setupConcurrency,
      [&](HttpConnection& conn, int r) -> asio::awaitable<bool> {
        std::string err;
        auto roomId = co_await createRoom(conn, run.clients[r % n].account, err);
        if (roomId && !federated && n > 1 &&
            !co_await joinRoom(conn, run.clients[(r + 1) % n].account, *roomId, err)) {
          roomId.reset();
        }
        if (!roomId) {
          error = err;
          co_return false;
        }
        run.rooms[r] = std::move(*roomId);
        co_return true;
      });
  if (!ok) {
    reportError("room setup", error);
    co_return 1;
  }
  if (federated) {
    // Remote joins (make_join/send_join between the nodes); each receiver joins its rooms.
    const auto joinStart = Clock::now();
    ok = co_await forEachConcurrent(rctx, o.rooms, o.setupConcurrency,
        [&](HttpConnection& conn, int r) -> asio::awaitable<bool> {
          std::string err;
          if (!co_await joinRoomVia(conn, run.receivers[(r + 1) % n].account, run.rooms[r], o.joinVia, err)) {
            error = err;
            co_return false;
          }
          co_return true;
        });
    if (!ok) {
      reportError("federated join", error);
      co_return 1;
    }
    std::printf("%d rooms joined over federation in %.0f ms\n", o.rooms, msBetween(joinStart, Clock::now()));
    std::fflush(stdout);
  }
  std::vector<Client>& syncers = federated ? run.receivers : run.clients;
  Context& syncCtx = federated ? rctx : ctx;
  // Initial syncs give every client its starting point; the rooms' history is not measured.
  // The setup is over once every client's /sync shows all of its rooms joined: until then the
  // server is still delivering the rooms' creation, which is not the load being measured.
  std::vector<std::set<std::string>> expected(static_cast<std::size_t>(n));
  for (int r = 0; r < o.rooms; ++r) {
    expected[static_cast<std::size_t>((r + 1) % n)].insert(run.rooms[static_cast<std::size_t>(r)]);
    if (!federated)
      expected[static_cast<std::size_t>(r % n)].insert(run.rooms[static_cast<std::size_t>(r)]);
  }
  const auto settleStart = Clock::now();
  const auto settleDeadline = settleStart + std::chrono::seconds(60);
  ok = co_await forEachConcurrent(
      syncCtx, n, o.setupConcurrency, [&](HttpConnection& conn, int i) -> asio::awaitable<bool> {
        std::set<std::string>& missing = expected[static_cast<std::size_t>(i)];
        std::string since;
        do {
          HttpResult r =
              co_await sync(conn, syncers[i].account, since, since.empty() ? 0 : 500, true);
          auto batch = r.ok() ? readSyncBatch(r.body) : std::nullopt;
          if (!batch) {
            error = r.status ? r.body.substr(0, 200) : r.error;
            co_return false;
          }
          for (const auto& room : batch->joinedRooms) missing.erase(room);
          since = batch->nextBatch;
        } while (!missing.empty() && Clock::now() < settleDeadline);
        if (!missing.empty()) {
          error = "a joined room never showed in /sync";
          co_return false;
        }
        syncers[i].since = since;
        co_return true;
      });
  if (!ok) {
    reportError("initial sync", error);
    co_return 1;
  }
  std::printf("setup visible in every client's /sync %.0f ms after the last room was set up\n",
              msBetween(settleStart, Clock::now()));

  const auto warmupCount = static_cast<std::uint64_t>(o.rate * o.warmupSeconds);
  const auto total = warmupCount + static_cast<std::uint64_t>(o.rate * o.duration);
  run.messages.resize(total);
  for (std::uint64_t i = 0; i < warmupCount; ++i) run.messages[i].measured = false;
  const auto hardDeadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                         o.warmupSeconds + o.duration + o.grace + 120));
  run.syncs.add(n);
  for (auto& c : syncers) {
    c.syncConn = std::make_unique<HttpConnection>(ctx.io, syncCtx.endpoint);
    asio::co_spawn(ctx.io, syncLoop(ctx, run, c, hardDeadline), asio::detached);
  }
  co_await sleepFor(ctx.io, std::chrono::milliseconds(500));  // let the long-polls park

  CpuWindow cpu(o.pid);
  cpu.start();
  const auto start = Clock::now();
  const auto period = std::chrono::duration<double>(1.0 / o.rate);
  for (std::uint64_t seq = 0; seq < total && Clock::now() < hardDeadline; ++seq) {
    auto due = start + std::chrono::duration_cast<Clock::duration>(period * static_cast<double>(seq));
    if (due > Clock::now()) co_await sleepUntil(ctx.io, due);
    run.sends.add();
    asio::co_spawn(ctx.io, sendOne(ctx, run, seq), asio::detached);
  }
  const double sendSeconds = msBetween(start, Clock::now()) / 1000;
  co_await run.sends.wait(hardDeadline);
  const auto graceEnd = std::min(hardDeadline, Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                               std::chrono::duration<double>(o.grace)));
  co_await run.arrivals.wait(graceEnd);
  run.stopping = true;
  for (auto& c : syncers) c.syncConn->close();
  co_await run.syncs.wait(Clock::now() + std::chrono::seconds(5));
  for (auto& c : run.clients)
    for (auto& conn : c.idle) conn->close();

  const double nodeCpu = cpu.cpuSeconds();
  std::uint64_t sent = 0, received = 0;
  for (const auto& m : run.messages) {
    sent += m.sent;
    received += m.received;
  }
  const std::uint64_t lost = sent - std::min(sent, received);
  std::printf("sent %llu in %.2f s (%.0f msg/s), received %llu, lost %llu, send errors %llu, sync errors %llu\n",
              static_cast<unsigned long long>(sent), sendSeconds, static_cast<double>(sent) / sendSeconds,
              static_cast<unsigned long long>(received), static_cast<unsigned long long>(lost),
              static_cast<unsigned long long>(run.sendErrors), static_cast<unsigned long long>(run.syncErrors));
  std::printf("send->sync from request start: p50 %.2f ms, p90 %.2f, p99 %.2f, max %.2f\n",
              run.fromStart.percentile(50), run.fromStart.percentile(90), run.fromStart.percentile(99),
              run.fromStart.max());
  std::printf("send->sync from response:      p50 %.2f ms, p90 %.2f, p99 %.2f, max %.2f\n",
              run.fromResponse.percentile(50), run.fromResponse.percentile(90),
              run.fromResponse.percentile(99), run.fromResponse.max());
  std::printf("send request->response:        p50 %.2f ms, p90 %.2f, p99 %.2f, max %.2f\n",
              run.sendLatency.percentile(50), run.sendLatency.percentile(90), run.sendLatency.percentile(99),
              run.sendLatency.max());
  // Where in the run the slow ones were: p99 and max of each second (by send time), so a
  // warm-up or a periodic stall shows apart from steady queueing.
  std::vector<LatencyStats> perSecond;
  for (const auto& m : run.messages) {
    if (!m.received) continue;
    auto second = static_cast<std::size_t>(std::max(0.0, msBetween(start, m.start)) / 1000);
    if (second >= perSecond.size()) perSecond.resize(second + 1);
    perSecond[second].add(m.fromStartMs);
  }
  if (o.warmupSeconds > 0) {
    std::printf(
        "send->sync with the warm-up's messages: p50 %.2f ms, p90 %.2f, p99 %.2f, max %.2f\n",
        run.fromStartAll.percentile(50), run.fromStartAll.percentile(90),
        run.fromStartAll.percentile(99), run.fromStartAll.max());
  }
  std::printf("send->sync p99/max per second of the run, warm-up included (ms):");
  for (auto& s : perSecond) std::printf(" %.0f/%.0f", s.percentile(99), s.max());
  std::printf("\n");
  std::printf(
      "RESULT mode=latency%s clients=%d rooms=%d rate=%.0f sent=%llu received=%llu lost=%llu "
      "send_errors=%llu sync_errors=%llu duplicates=%llu limited=%llu max_send_conns=%d "
      "achieved_rate=%.0f node_cpu_s=%.2f node_cpu_ms_per_msg=%.3f warmup_s=%.1f %s %s %s %s\n",
      federated ? " federated=1" : "", o.clients, o.rooms, o.rate,
      static_cast<unsigned long long>(sent), static_cast<unsigned long long>(received),
      static_cast<unsigned long long>(lost), static_cast<unsigned long long>(run.sendErrors),
      static_cast<unsigned long long>(run.syncErrors),
      static_cast<unsigned long long>(run.duplicates),
      static_cast<unsigned long long>(run.limitedBatches), run.maxSendConnections,
      static_cast<double>(sent) / sendSeconds, nodeCpu,
      sent ? nodeCpu * 1000 / static_cast<double>(sent) : 0.0, o.warmupSeconds,
      run.fromStart.summary("sync").c_str(), run.fromStartAll.summary("sync_all").c_str(),
      run.fromResponse.summary("sync_after_resp").c_str(), run.sendLatency.summary("send").c_str());
  const bool clean = run.sendErrors == 0 && run.syncErrors == 0 && lost == 0 && sent == total;
  co_return (o.check && !clean) ? 1 : 0;
}

}  // namespace plexus::loadgen
