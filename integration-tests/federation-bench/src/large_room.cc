// Generating, caching and loading the large remote room.
#include "large_room.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "bench_servers.h"
#include "pdu_factory.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::fedbench {
namespace {

constexpr std::int64_t kBaseTs = 1'700'000'000'000;
constexpr int kFormat = 1;

}  // namespace

std::string largeRoomCachePath(const std::string& dir, const LargeRoomSpec& spec) {
  return dir + "/fedbench-room-v" + spec.roomVersion + "-" + std::to_string(spec.events) + "-" +
         std::to_string(spec.servers) + ".jsonl";
}

Status generateLargeRoom(const LargeRoomSpec& spec, const std::string& path) {
  const events::RoomVersion* version = events::findRoomVersion(spec.roomVersion);
  if (!version || version->eventIdsInEvents) {
    return fail(ErrorCode::kInvalidParam, "room version " + spec.roomVersion + " not supported");
  }
  if (spec.events < 6 || spec.servers < 1) {
    return fail(ErrorCode::kInvalidParam, "need at least 6 events and one server");
  }
  auto start = std::chrono::steady_clock::now();
  std::vector<events::ServerIdentity> servers;
  servers.reserve(spec.servers);
  for (std::size_t i = 0; i < spec.servers; ++i) servers.push_back(benchServer(benchServerName(i)));
  const events::ServerIdentity& resident = servers[0];
  std::string creator = "@creator:" + resident.serverName;
  bool v12 = version->roomIdFromCreateEvent;

  std::vector<std::string> lines;
  lines.reserve(spec.events);
  std::string roomId;
  std::string prev;
  std::int64_t depth = 0;
  std::vector<std::string> createRef;  // the create event in auth_events (not in v12)
  auto add = [&](EventFields fields, const events::ServerIdentity& server) -> Result<std::string> {
    if (!roomId.empty()) fields.roomId = roomId;
    if (!prev.empty()) fields.prevEvents = {prev};
    fields.depth = ++depth;
    fields.originServerTs = kBaseTs + depth;
    PLEXUS_TRY(events::Pdu pdu, signedEvent(fields, server, *version));
    lines.push_back(pdu.canonicalJson());
    prev = pdu.eventId();
    return prev;
  };

  json::Object createContent{{"room_version", std::string(version->id)}};
  if (!version->implicitRoomCreator) createContent.set("creator", creator);
  EventFields create{std::nullopt, creator, "m.room.create", "", createContent, {}, {}, 0, 0};
  if (!v12)
    create.roomId = "!bench:" + resident.serverName;
  else
    create.roomId.reset();
  if (!v12) roomId = *create.roomId;
  PLEXUS_TRY(std::string createId, add(create, resident));
  if (v12) {
    roomId = createId;
    roomId.front() = '!';  // the create event's ID with the room sigil (MSC4291)
  }
  if (!v12) createRef = {createId};

  auto with = [&](std::vector<std::string> refs) {
    std::vector<std::string> out = createRef;
    out.insert(out.end(), refs.begin(), refs.end());
    return out;
  };
  PLEXUS_TRY(std::string creatorJoin, add({std::nullopt,
                                           creator,
                                           "m.room.member",
                                           creator,
                                           json::Object{{"membership", "join"}},
                                           {},
                                           with({}),
                                           0,
                                           0},
                                          resident));
  json::Object plUsers;
  if (!version->privilegedCreators) plUsers.set(creator, 100);
  json::Object pl{{"users", plUsers},    {"users_default", 0}, {"events_default", 0},
                  {"state_default", 50}, {"ban", 50},          {"kick", 50},
                  {"redact", 50},        {"invite", 0}};
  PLEXUS_TRY(
      std::string plId,
      add({std::nullopt, creator, "m.room.power_levels", "", pl, {}, with({creatorJoin}), 0, 0},
          resident));
  PLEXUS_TRY(std::string rulesId, add({std::nullopt,
                                       creator,
                                       "m.room.join_rules",
                                       "",
                                       json::Object{{"join_rule", "public"}},
                                       {},
                                       with({plId, creatorJoin}),
                                       0,
                                       0},
                                      resident));
  PLEXUS_TRY(std::string hvId, add({std::nullopt,
                                    creator,
                                    "m.room.history_visibility",
                                    "",
                                    json::Object{{"history_visibility", "shared"}},
                                    {},
                                    with({plId, creatorJoin}),
                                    0,
                                    0},
                                   resident));
  (void)hvId;
  std::vector<std::string> joinAuth = with({plId, rulesId});
  for (std::size_t i = 0; lines.size() < spec.events; ++i) {
    const events::ServerIdentity& server = servers[i % servers.size()];
    std::string user = "@u" + std::to_string(i) + ":" + server.serverName;
    json::Object content{{"membership", "join"},
                         {"displayname", "Bench user " + std::to_string(i)}};
    PLEXUS_TRY(
        std::string id,
        add({std::nullopt, user, "m.room.member", user, content, {}, joinAuth, 0, 0}, server));
    (void)id;
  }
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  json::Array authArray;
  for (const auto& id : joinAuth) authArray.emplace_back(id);
  json::Object header{{"format", kFormat},
                      {"events", static_cast<std::int64_t>(spec.events)},
                      {"servers", static_cast<std::int64_t>(spec.servers)},
                      {"room_version", spec.roomVersion},
                      {"room_id", roomId},
                      {"resident", resident.serverName},
                      {"join_auth_events", authArray},
                      {"last_event_id", prev},
                      {"last_depth", depth},
                      {"generation_ms", static_cast<std::int64_t>(ms)}};
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return fail(ErrorCode::kUnavailable, "cannot write " + tmp);
    out << json::canonical(header) << '\n';
    for (const auto& line : lines) out << line << '\n';
    if (!out.flush()) return fail(ErrorCode::kUnavailable, "cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return fail(ErrorCode::kUnavailable, "cannot rename " + tmp + ": " + ec.message());
  return {};
}

namespace {

std::int64_t intAt(const json::Object& header, std::string_view key) {
  const json::Value* v = header.find(key);
  return v && v->getInt() ? *v->getInt() : -1;
}
std::string strAt(const json::Object& header, std::string_view key) {
  const json::Value* v = header.find(key);
  return v && v->getString() ? *v->getString() : std::string();
}

// Opens the cache and reads its header; errors when it is missing or for another room.
Result<json::Object> openCache(const LargeRoomSpec& spec, const std::string& path,
                               std::ifstream& in) {
  in.open(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kNotFound, "no cache at " + path);
  std::string line;
  if (!std::getline(in, line)) return fail(ErrorCode::kBadJson, "empty cache " + path);
  PLEXUS_TRY(json::Object header, json::parseObject(line));
  if (intAt(header, "format") != kFormat ||
      intAt(header, "events") != static_cast<std::int64_t>(spec.events) ||
      intAt(header, "servers") != static_cast<std::int64_t>(spec.servers) ||
      strAt(header, "room_version") != spec.roomVersion) {
    return fail(ErrorCode::kBadJson, "the cache at " + path + " is for another room");
  }
  return header;
}

}  // namespace

bool largeRoomCached(const LargeRoomSpec& spec, const std::string& path) {
  std::ifstream in;
  return openCache(spec, path, in).ok();
}

Result<LargeRoom> loadLargeRoom(const LargeRoomSpec& spec, const std::string& path) {
  std::ifstream in;
  PLEXUS_TRY(json::Object header, openCache(spec, path, in));
  std::string line;
  LargeRoom room;
  room.spec = spec;
  room.roomId = strAt(header, "room_id");
  room.residentServer = strAt(header, "resident");
  room.lastEventId = strAt(header, "last_event_id");
  room.lastDepth = intAt(header, "last_depth");
  room.generationMs = static_cast<double>(intAt(header, "generation_ms"));
  if (const json::Value* a = header.find("join_auth_events"); a && a->getArray()) {
    for (const auto& id : *a->getArray()) {
      if (id.getString()) room.joinAuthEvents.push_back(*id.getString());
    }
  }
  room.lines.reserve(spec.events);
  while (std::getline(in, line)) room.lines.push_back(std::move(line));
  if (room.lines.size() != spec.events) {
    return fail(ErrorCode::kBadJson, "the cache at " + path + " is truncated");
  }
  return room;
}

}  // namespace plexus::fedbench
