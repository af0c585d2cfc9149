// plexus_fedbench_ingest: issue 4's steady /send ingest goal. A real RoomserverService on a fresh
// SQLite database hosts a room (created by a local user) that a user of "remote.bench" joined
// over the resident side of the handshake (queryMakeMembership + inputSendMembership). The remote
// server then sends transactions of m.room.message PDUs, each chained on the previous one, which
// go through inputEvents one transaction at a time (a server's transactions to one destination
// are sequential). Reports events/s and per-transaction latency, then the verify-only baseline
// over the same events in the same run. With --route, as many further transactions then go
// through the real PUT /send route (X-Matrix authentication, parsing, dispatch; in process, no
// sockets) for the route's events/s. Prints one JSON line.
//
//   plexus_fedbench_ingest [--txns N] [--per-txn N] [--warmup N] [--room-version V]
//                          [--work-dir DIR] [--route]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "bench_federation.h"
#include "bench_servers.h"
#include "measure.h"
#include "pdu_factory.h"
#include "plexus/bus/outbox.h"
#include "plexus/core/allocator_tuning.h"
#include "plexus/events/event_signing.h"
#include "roomserver/impl/roomserver_service.h"
#include "send_route.h"

namespace plexus::fedbench {
namespace {

using roomserver::RoomserverApi;

struct Options {
  std::size_t txns = 200;
  std::size_t perTxn = 50;
  std::size_t warmup = 10;
  std::string roomVersion = "10";
  std::string workDir = ".";
  bool route = false;
};

bool parseOptions(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--txns" && (v = next()))
      o.txns = std::strtoull(v, nullptr, 10);
    else if (a == "--per-txn" && (v = next()))
      o.perTxn = std::strtoull(v, nullptr, 10);
    else if (a == "--warmup" && (v = next()))
      o.warmup = std::strtoull(v, nullptr, 10);
    else if (a == "--room-version" && (v = next()))
      o.roomVersion = v;
    else if (a == "--work-dir" && (v = next()))
      o.workDir = v;
    else if (a == "--route")
      o.route = true;
    else {
      std::fprintf(stderr,
                   "usage: %s [--txns N (200)] [--per-txn N (50)] [--warmup N (10)] "
                   "[--room-version V (10)] [--work-dir DIR (.)] [--route]\n",
                   argv[0]);
      return false;
    }
  }
  return o.perTxn > 0 && o.txns > 0;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

int fail(const std::string& what) {
  std::fprintf(stderr, "fedbench ingest: %s\n", what.c_str());
  return 1;
}

int run(const Options& o) {
  const events::RoomVersion* version = events::findRoomVersion(o.roomVersion);
  if (!version) return fail("unknown room version " + o.roomVersion);
  std::filesystem::create_directories(o.workDir);
  events::ServerIdentity remote = benchServer("remote.bench");
  FixedKeySource keys;
  keys.add(remote);
  BenchFederation federation;
  auto db = openFreshSqlite(o.workDir + "/fedbench-ingest.sqlite");
  if (!db.ok()) return fail(db.error().message);
  auto outbox = bus::Outbox::open(**db);
  if (!outbox.ok()) return fail(outbox.error().message);
  roomserver::RoomserverService::Options options;
  options.federation = &federation;
  options.keys = &keys;
  roomserver::RoomserverService service(benchServer("local.test"), **db, **outbox,
                                        roomserver::ProfileLookup{}, options);
  if (!service.start().ok()) return fail("start");
  CallContext ctx = CallContext::withTimeout(std::chrono::minutes(10), "fedbench");

  // The room and the remote member.
  roomserver::CreateRoomRequest create;
  create.creator = "@alice:local.test";
  create.roomVersion = o.roomVersion;
  create.preset = roomserver::Preset::kPublicChat;
  create.name = "fedbench ingest";
  auto created = service.performCreateRoom(ctx, create);
  if (!created.ok()) return fail(created.error().message);
  std::string roomId = created->roomId;
  std::string bob = "@bob:" + remote.serverName;
  std::vector<std::string> versions;
  for (const auto& v : events::supportedRoomVersions()) versions.emplace_back(v.id);
  auto made = service.queryMakeMembership(ctx, {roomId, bob, "join", remote.serverName, versions});
  if (!made.ok()) return fail("make_join: " + made.error().message);
  json::Object join = made->eventTemplate;
  join.set("origin", remote.serverName);
  events::hashAndSignEvent(join, remote.serverName, remote.keyId, remote.signingKey, *version);
  auto joinPdu = events::Pdu::fromJson(join, *version);
  if (!joinPdu.ok()) return fail(joinPdu.error().message);
  auto joined = service.inputSendMembership(
      ctx, {roomId, joinPdu->eventId(), "join", remote.serverName, join});
  if (!joined.ok()) return fail("send_join: " + joined.error().message);

  auto stateId = [&](const char* type, const std::string& key) -> std::string {
    auto e = service.queryStateEvent(ctx, roomId, type, key);
    return e.ok() ? e->pdu.eventId() : std::string();
  };
  std::vector<std::string> auth;
  if (!version->roomIdFromCreateEvent) auth.push_back(stateId("m.room.create", ""));
  auth.push_back(stateId("m.room.power_levels", ""));
  auth.push_back(stateId("m.room.member", bob));
  auto latest = service.queryLatestEvents(ctx, roomId);
  if (!latest.ok() || latest->eventIds.size() != 1) return fail("latest events");

  // Every transaction, built and signed before the clock starts.
  std::size_t routeTxns = o.route ? o.txns : 0;
  std::size_t total = o.warmup + o.txns + routeTxns;
  Stopwatch genWatch;
  std::vector<std::vector<RoomserverApi::InputRoomEvent>> txns(total);
  std::vector<const json::Object*> timedEvents;
  std::string prev = latest->eventIds.front();
  std::int64_t depth = latest->depth;
  std::int64_t ts = 1'800'000'000'000;
  for (std::size_t t = 0; t < total; ++t) {
    for (std::size_t i = 0; i < o.perTxn; ++i) {
      std::size_t n = t * o.perTxn + i;
      EventFields fields{
          roomId,
          bob,
          "m.room.message",
          std::nullopt,
          json::Object{{"msgtype", "m.text"}, {"body", "fedbench message " + std::to_string(n)}},
          {prev},
          auth,
          ++depth,
          ++ts};
      auto pdu = signedEvent(fields, remote, *version);
      if (!pdu.ok()) return fail(pdu.error().message);
      prev = pdu->eventId();
      txns[t].push_back({pdu->json(), remote.serverName, RoomserverApi::InputKind::kNew});
    }
  }
  Span generation = genWatch.elapsed();
  std::size_t directEnd = o.warmup + o.txns;
  for (std::size_t t = o.warmup; t < directEnd; ++t) {
    for (const auto& e : txns[t]) timedEvents.push_back(&e.event);
  }
  std::unique_ptr<SendRoute> route;
  std::vector<std::shared_ptr<SendRoute::Request>> requests;
  if (o.route) {
    auto routeMade = SendRoute::create(**db, service, "local.test", remote);
    if (!routeMade.ok()) return fail("send route: " + routeMade.error().message);
    route = std::move(*routeMade);
    for (std::size_t t = directEnd; t < total; ++t) {
      std::vector<json::Object> pdus;
      for (const auto& e : txns[t]) pdus.push_back(e.event);
      requests.push_back(route->prepare("fedbench" + std::to_string(t), pdus, ++ts));
    }
  }

  std::size_t errors = 0;
  std::string firstError;
  auto ingest = [&](std::size_t t) {
    auto results = service.inputEvents(ctx, roomId, txns[t]);
    if (!results.ok()) {
      errors += txns[t].size();
      if (firstError.empty()) firstError = results.error().message;
      return;
    }
    for (const auto& r : *results) {
      if (r.error) {
        ++errors;
        if (firstError.empty()) firstError = *r.error;
      }
    }
  };
  for (std::size_t t = 0; t < o.warmup; ++t) ingest(t);
  std::vector<double> txnMs;
  txnMs.reserve(o.txns);
  Stopwatch ingestWatch;
  for (std::size_t t = o.warmup; t < directEnd; ++t) {
    auto start = std::chrono::steady_clock::now();
    ingest(t);
    txnMs.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  Span ingestSpan = ingestWatch.elapsed();

  // The same load through the /send route.
  Span routeSpan;
  std::vector<double> routeTxnMs;
  if (route) {
    Stopwatch routeWatch;
    for (const auto& request : requests) {
      auto start = std::chrono::steady_clock::now();
      auto answered = route->dispatch(*request);
      routeTxnMs.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
      if (!answered.ok()) {
        errors += o.perTxn;
        if (firstError.empty()) firstError = answered.error().message;
      } else if (*answered > 0) {
        errors += *answered;
        if (firstError.empty()) firstError = "the route reported PDU errors";
      }
    }
    routeSpan = routeWatch.elapsed();
  }
  auto after = service.queryLatestEvents(ctx, roomId);
  bool atHead = after.ok() && after->eventIds == std::vector<std::string>{prev};

  auto items = signedItems(
      timedEvents, *version, [&](std::string_view) { return remote.signingKey.publicKey(); },
      kBenchKeyId);
  if (!items.ok()) return fail(items.error().message);
  VerifyOnly verify = verifyOnly(*items);
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  VerifyOnly verifyAll = verifyOnlyParallel(*items, cores);

  double n = static_cast<double>(o.txns * o.perTxn);
  double rate = n / (ingestSpan.wallMs / 1e3);
  double verifyRate = n / (verify.span.cpuMs / 1e3);
  double verifyAllRate = n / (verifyAll.span.wallMs / 1e3);
  double routeRate = route ? n / (routeSpan.wallMs / 1e3) : 0;
  bool ok = errors == 0 && atHead && verify.verified == timedEvents.size() &&
            federation.otherRequests.load() == 0;
  std::printf(
      "{\"ok\":%s,\"room_version\":\"%s\",\"txns\":%zu,\"per_txn\":%zu,\"warmup_txns\":%zu,"
      "\"generation_ms\":%s,\"ingest_wall_ms\":%s,\"ingest_cpu_ms\":%s,\"events_per_s\":%s,"
      "\"cpu_us_per_event\":%s,\"txn_ms_p50\":%s,\"txn_ms_p99\":%s,\"txn_ms_max\":%s,"
      "\"verify_only_ms\":%s,\"verify_only_events_per_s\":%s,\"ratio_to_verify_only\":%s,"
      "\"errors\":%zu,\"first_error\":\"%s\",\"at_head\":%s,\"unexpected_requests\":%d,"
      "\"route_events_per_s\":%s,\"route_cpu_us_per_event\":%s,\"route_txn_ms_p50\":%s,"
      "\"route_ratio_to_verify_only\":%s,\"cores\":%u,\"verify_all_cores_events_per_s\":%s,"
      "\"ratio_to_verify_all_cores\":%s,\"peak_rss_mb\":%s}\n",
      ok ? "true" : "false", o.roomVersion.c_str(), o.txns, o.perTxn, o.warmup,
      fixed(generation.wallMs).c_str(), fixed(ingestSpan.wallMs).c_str(),
      fixed(ingestSpan.cpuMs).c_str(), fixed(rate, 0).c_str(),
      fixed(ingestSpan.cpuMs * 1e3 / n, 1).c_str(), fixed(percentile(txnMs, 0.5), 2).c_str(),
      fixed(percentile(txnMs, 0.99), 2).c_str(), fixed(percentile(txnMs, 1.0), 2).c_str(),
      fixed(verify.span.cpuMs).c_str(), fixed(verifyRate, 0).c_str(),
      fixed(rate / verifyRate, 3).c_str(), errors, firstError.c_str(), atHead ? "true" : "false",
      federation.otherRequests.load(), fixed(routeRate, 0).c_str(),
      fixed(route ? routeSpan.cpuMs * 1e3 / n : 0, 1).c_str(),
      fixed(percentile(routeTxnMs, 0.5), 2).c_str(), fixed(routeRate / verifyRate, 3).c_str(),
      cores, fixed(verifyAllRate, 0).c_str(), fixed(rate / verifyAllRate, 3).c_str(),
      fixed(peakRssMb()).c_str());
  return ok ? 0 : 2;
}

}  // namespace
}  // namespace plexus::fedbench

int main(int argc, char** argv) {
  plexus::core::tuneAllocatorForServer();  // as `plexus node` does
  plexus::fedbench::Options options;
  if (!plexus::fedbench::parseOptions(argc, argv, options)) return 64;
  return plexus::fedbench::run(options);
}
