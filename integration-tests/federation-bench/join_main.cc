// plexus_fedbench_join: issue 4's large-join goal. A real RoomserverService on a fresh SQLite
// database joins a generated remote room (large_room.h) through a fake federation sender whose
// send_join answer carries the whole state as JSON text, parsed inside the timed call the way
// the real sender decodes the HTTP body. Times performJoin end to end (wall, process CPU, peak
// RSS), then runs the verify-only baseline over the same events. Prints one JSON line.
//
//   plexus_fedbench_join [--events N] [--servers N] [--room-version V] [--work-dir DIR]
//                        [--generate-only]
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <unordered_map>

#include "bench_federation.h"
#include "bench_servers.h"
#include "large_room.h"
#include "measure.h"
#include "plexus/bus/outbox.h"
#include "plexus/core/allocator_tuning.h"
#include "plexus/json/parse.h"
#include "roomserver/impl/roomserver_service.h"

namespace plexus::fedbench {
namespace {

struct Options {
  LargeRoomSpec spec;
  std::string workDir = ".";
  bool generateOnly = false;
};

bool parseOptions(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--events" && (v = next()))
      o.spec.events = std::strtoull(v, nullptr, 10);
    else if (a == "--servers" && (v = next()))
      o.spec.servers = std::strtoull(v, nullptr, 10);
    else if (a == "--room-version" && (v = next()))
      o.spec.roomVersion = v;
    else if (a == "--work-dir" && (v = next()))
      o.workDir = v;
    else if (a == "--generate-only")
      o.generateOnly = true;
    else {
      std::fprintf(stderr,
                   "usage: %s [--events N (85000)] [--servers N (1000)] [--room-version V (10)] "
                   "[--work-dir DIR (.)] [--generate-only]\n",
                   argv[0]);
      return false;
    }
  }
  return true;
}

// Generates the cached room in a child process, so that its memory never counts in our RSS.
bool ensureCache(const Options& o, const std::string& path, double& generatedMs) {
  if (largeRoomCached(o.spec, path)) return true;
  std::fprintf(stderr, "generating %zu signed events on %zu servers into %s ...\n", o.spec.events,
               o.spec.servers, path.c_str());
  Stopwatch watch;
  pid_t child = fork();
  if (child < 0) return false;
  if (child == 0) {
    Status made = generateLargeRoom(o.spec, path);
    if (!made.ok()) std::fprintf(stderr, "generation failed: %s\n", made.error().message.c_str());
    _exit(made.ok() ? 0 : 1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  generatedMs = watch.elapsed().wallMs;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int run(const Options& o) {
  std::filesystem::create_directories(o.workDir);
  std::string cache = largeRoomCachePath(o.workDir, o.spec);
  double generatedMs = 0;
  if (!ensureCache(o, cache, generatedMs)) {
    std::fprintf(stderr, "cannot make the room cache %s\n", cache.c_str());
    return 1;
  }
  if (o.generateOnly) {
    std::printf("{\"generated_ms\":%s,\"cache\":\"%s\"}\n", fixed(generatedMs).c_str(),
                cache.c_str());
    return 0;
  }

  // The remote room, as the resident would send it over the wire.
  Stopwatch loadWatch;
  auto loaded = loadLargeRoom(o.spec, cache);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
    return 1;
  }
  LargeRoom room = std::move(*loaded);
  const events::RoomVersion& version = *events::findRoomVersion(o.spec.roomVersion);
  std::string body = "{\"auth_chain\":[";
  for (std::size_t i = 0; i < LargeRoom::kAuthChainSize; ++i) {
    if (i) body += ',';
    body += room.lines[i];
  }
  body += "],\"origin\":\"" + room.residentServer + "\",\"state\":[";
  for (std::size_t i = 0; i < room.lines.size(); ++i) {
    if (i) body += ',';
    body += room.lines[i];
  }
  body += "]}";
  room.lines.clear();
  room.lines.shrink_to_fit();
  malloc_trim(0);  // the cache file's lines are gone: keep them out of the RSS baseline
  FixedKeySource keys;
  std::unordered_map<std::string, crypto::PublicKey> publicKeys;
  for (std::size_t i = 0; i < o.spec.servers; ++i) {
    events::ServerIdentity server = benchServer(benchServerName(i));
    keys.add(server);
    publicKeys.emplace(server.serverName, server.signingKey.publicKey());
  }
  double loadMs = loadWatch.elapsed().wallMs;
  std::size_t bodyBytes = body.size();

  BenchFederation federation;
  federation.makeJoin =
      [&](const std::string& roomId,
          const std::string& userId) -> Result<federationsender::MakeMembershipResponse> {
    json::Array auth;
    for (const auto& id : room.joinAuthEvents) auth.emplace_back(id);
    json::Object event{{"room_id", roomId},
                       {"sender", userId},
                       {"state_key", userId},
                       {"type", "m.room.member"},
                       {"content", json::Object{{"membership", "join"}}},
                       {"prev_events", json::Array{room.lastEventId}},
                       {"auth_events", auth},
                       {"depth", room.lastDepth + 1},
                       {"origin_server_ts", std::int64_t{1'800'000'000'000}},
                       {"origin", room.residentServer}};
    return federationsender::MakeMembershipResponse{std::string(version.id), event};
  };
  Span parseSpan;
  federation.sendJoin =
      [&](const federationsender::SendJoinRequest&) -> Result<federationsender::SendJoinResponse> {
    Stopwatch watch;
    PLEXUS_TRY(json::Object answer, json::parseObject(body));
    body.clear();
    body.shrink_to_fit();
    federationsender::SendJoinResponse response;
    response.origin = room.residentServer;
    auto take = [&](std::string_view key, std::vector<json::Object>& into) {
      json::Value* list = answer.find(key);
      if (!list || !list->getArray()) return;
      into.reserve(list->getArray()->size());
      for (auto& e : *list->getArray()) {
        if (auto* obj = e.getObject()) into.push_back(std::move(*obj));
      }
    };
    take("state", response.state);
    take("auth_chain", response.authChain);
    parseSpan = watch.elapsed();
    return response;
  };

  std::string dbPath = o.workDir + "/fedbench-join.sqlite";
  auto db = openFreshSqlite(dbPath);
  if (!db.ok()) {
    std::fprintf(stderr, "%s\n", db.error().message.c_str());
    return 1;
  }
  auto outbox = bus::Outbox::open(**db);
  if (!outbox.ok()) return 1;
  roomserver::RoomserverService::Options options;
  options.federation = &federation;
  options.keys = &keys;
  roomserver::RoomserverService service(benchServer("local.test"), **db, **outbox,
                                        roomserver::ProfileLookup{}, options);
  if (!service.start().ok()) return 1;

  double rssBefore = currentRssMb();
  double peakBefore = peakRssMb();
  CallContext ctx = CallContext::withTimeout(std::chrono::minutes(10), "fedbench");
  std::string joiner = "@joiner:local.test";
  std::fprintf(stderr, "joining %s (%zu state events, %.1f MB answer) ...\n", room.roomId.c_str(),
               o.spec.events, static_cast<double>(bodyBytes) / 1e6);
  Stopwatch joinWatch;
  auto joined =
      service.performJoin(ctx, {room.roomId, joiner, std::nullopt, {room.residentServer}});
  Span join = joinWatch.elapsed();
  double peakAfter = peakRssMb();
  if (!joined.ok()) {
    std::printf("{\"ok\":false,\"error\":\"%s\",\"wall_ms\":%s}\n", joined.error().message.c_str(),
                fixed(join.wallMs).c_str());
    return 2;
  }
  Stopwatch membersWatch;  // also a check: every member of the answer is joined here
  auto members = service.queryJoinedMembers(ctx, room.roomId);
  Span membersSpan = membersWatch.elapsed();
  std::size_t memberCount = members.ok() ? members->size() : 0;
  std::size_t expectedMembers = o.spec.events - 3;  // creator, the member joins, our joiner

  // Verify-only baseline over the same events (read again: the answer was consumed).
  auto again = loadLargeRoom(o.spec, cache);
  if (!again.ok()) return 1;
  std::vector<json::Object> objects;
  objects.reserve(again->lines.size());
  for (const auto& line : again->lines) objects.push_back(*json::parseObject(line));
  again->lines.clear();
  std::vector<const json::Object*> pointers;
  for (const auto& obj : objects) pointers.push_back(&obj);
  auto items = signedItems(
      pointers, version,
      [&](std::string_view server) { return publicKeys.at(std::string(server)); }, kBenchKeyId);
  if (!items.ok()) return 1;
  objects.clear();
  VerifyOnly verify = verifyOnly(*items);

  double n = static_cast<double>(o.spec.events);
  double joinRate = n / (join.wallMs / 1e3);
  double verifyRate = n / (verify.span.cpuMs / 1e3);
  std::printf(
      "{\"ok\":%s,\"events\":%zu,\"servers\":%zu,\"room_version\":\"%s\",\"answer_mb\":%s,"
      "\"generation_ms_cached\":%s,\"generated_now_ms\":%s,\"load_ms\":%s,"
      "\"join_wall_ms\":%s,\"join_cpu_ms\":%s,\"send_join_parse_ms\":%s,"
      "\"rss_before_mb\":%s,\"peak_rss_before_mb\":%s,\"peak_rss_mb\":%s,"
      "\"join_events_per_s\":%s,\"verify_only_ms\":%s,\"verify_only_events_per_s\":%s,"
      "\"verified\":%zu,\"ratio_join_to_verify_only\":%s,\"joined_members\":%zu,"
      "\"joined_members_query_ms\":%s,\"unexpected_requests\":%d}\n",
      memberCount == expectedMembers ? "true" : "false", o.spec.events, o.spec.servers,
      o.spec.roomVersion.c_str(), fixed(static_cast<double>(bodyBytes) / 1e6).c_str(),
      fixed(room.generationMs).c_str(), fixed(generatedMs).c_str(), fixed(loadMs).c_str(),
      fixed(join.wallMs).c_str(), fixed(join.cpuMs).c_str(), fixed(parseSpan.wallMs).c_str(),
      fixed(rssBefore).c_str(), fixed(peakBefore).c_str(), fixed(peakAfter).c_str(),
      fixed(joinRate, 0).c_str(), fixed(verify.span.cpuMs).c_str(), fixed(verifyRate, 0).c_str(),
      verify.verified, fixed(joinRate / verifyRate, 3).c_str(), memberCount,
      fixed(membersSpan.wallMs).c_str(), federation.otherRequests.load());
  return memberCount == expectedMembers ? 0 : 3;
}

}  // namespace
}  // namespace plexus::fedbench

int main(int argc, char** argv) {
  plexus::core::tuneAllocatorForServer();  // as `plexus node` does
  plexus::fedbench::Options options;
  if (!plexus::fedbench::parseOptions(argc, argv, options)) return 64;
  return plexus::fedbench::run(options);
}
