// FederationSenderService: construction, lifecycle, the roomserver.output consumer, EDU queuing
// and stats. The outbound request methods are in outbound_requests.cc.
#include "federationsender/impl/federation_sender_service.h"

#include <chrono>
#include <map>
#include <random>
#include <set>

#include "plexus/bus/typed_topic.h"
#include "plexus/json/canonical.h"
#include "plexus/log/log.h"

namespace plexus::federationsender {
namespace {

FederationSenderOptions withDefaults(FederationSenderOptions options) {
  if (!options.nowMs) {
    options.nowMs = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
  if (!options.random) {
    // Called under the queues' lock only, so one generator needs no lock of its own.
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    options.random = [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
  }
  return options;
}

std::optional<std::string_view> stringAt(const json::Object& o, std::string_view key) {
  const json::Value* v = o.find(key);
  if (!v || !v->getString()) return std::nullopt;
  return std::string_view(*v->getString());
}

}  // namespace

Result<std::unique_ptr<FederationSenderService>> FederationSenderService::create(
    storage::Database& db, bus::Bus& bus, federation::FederationRequester& requester,
    roomserver::RoomserverApi& roomserver, FederationSenderOptions options) {
  return create(db, bus, requester, std::make_unique<RoomserverRoomServers>(roomserver),
                std::move(options));
}

Result<std::unique_ptr<FederationSenderService>> FederationSenderService::create(
    storage::Database& db, bus::Bus& bus, federation::FederationRequester& requester,
    std::unique_ptr<RoomServers> rooms, FederationSenderOptions options) {
  if (!rooms) return fail(ErrorCode::kInvalidParam, "federation sender: no room servers source");
  std::unique_ptr<FederationSenderService> service(new FederationSenderService(
      db, bus, requester, std::move(rooms), withDefaults(std::move(options))));
  PLEXUS_TRY_VOID(service->store_.migrate(db));
  return service;
}

FederationSenderService::FederationSenderService(storage::Database& db, bus::Bus& bus,
                                                 federation::FederationRequester& requester,
                                                 std::unique_ptr<RoomServers> rooms,
                                                 FederationSenderOptions options)
    : db_(db),
      bus_(bus),
      requester_(requester),
      rooms_(std::move(rooms)),
      options_(std::move(options)),
      queues_(db_, store_, requester_, options_) {}

FederationSenderService::~FederationSenderService() { stop(); }

Status FederationSenderService::start() {
  PLEXUS_TRY_VOID(queues_.start());
  if (!subscriptions_.empty()) return {};
  PLEXUS_TRY(auto sub, bus::subscribeTypedBatch<roomserver::OutputRoomEvent>(
                           bus_, options_.busGroup,
                           [this](std::vector<roomserver::OutputRoomEvent>&& outputs,
                                  std::uint64_t) { return inputRoomEvents(outputs); }));
  subscriptions_.push_back(std::move(sub));
  return {};
}

void FederationSenderService::stop() {
  subscriptions_.clear();
  queues_.stop();
}

Status FederationSenderService::inputRoomEvents(
    const std::vector<roomserver::OutputRoomEvent>& outputs) {
  struct Queued {
    const roomserver::OutputRoomEvent* output;
    std::string json;
    std::vector<std::string> destinations;
  };
  std::vector<Queued> queued;
  std::map<std::string, std::vector<std::string>> joinedByRoom;  // one query per room and batch
  const std::string& ours = serverName();
  for (const auto& out : outputs) {
    if (out.kind != roomserver::OutputRoomEvent::Kind::kNewRoomEvent) continue;
    const auto sender = stringAt(out.event, "sender");
    if (!sender || serverOfUserId(*sender) != ours) continue;  // not ours to send
    // The joined servers now (not at the event): a server that joined since hears it too.
    auto cached = joinedByRoom.find(out.roomId);
    if (cached == joinedByRoom.end()) {
      auto joined = rooms_->queryJoinedServers(CallContext{}, out.roomId);
      if (!joined) {
        // A room the roomserver no longer knows will not become known by asking again.
        if (joined.error().code == ErrorCode::kNotFound) continue;
        return Unexpected{std::move(joined).takeError()};  // redelivered by the bus
      }
      cached = joinedByRoom.emplace(out.roomId, std::move(*joined)).first;
    }
    std::set<std::string, std::less<>> servers(cached->second.begin(), cached->second.end());
    // A remote user who leaves, is kicked or banned is no longer joined but must hear it. An
    // invite reached the invitee's server through /invite already.
    if (stringAt(out.event, "type") == "m.room.member") {
      const json::Value* content = out.event.find("content");
      const auto membership = content ? content->getStringAt("membership") : std::nullopt;
      if (const auto target = stringAt(out.event, "state_key"); target && membership != "invite") {
        const std::string_view server = serverOfUserId(*target);
        if (!server.empty()) servers.emplace(server);
      }
    }
    servers.erase(ours);
    if (options_.ownsDestination) {
      std::erase_if(servers, [&](const std::string& s) { return !options_.ownsDestination(s); });
    }
    if (servers.empty()) continue;
    queued.push_back({&out, json::canonical(out.event),
                      std::vector<std::string>(servers.begin(), servers.end())});
  }
  if (queued.empty()) return {};
  const std::int64_t now = options_.nowMs();
  auto stored = db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    for (const auto& q : queued) {
      for (const auto& dest : q.destinations) {
        PLEXUS_TRY_VOID(
            store_.enqueuePdu(tx, dest, q.output->roomId, q.output->eventId, q.json, now));
      }
    }
    return {};
  });
  if (!stored) return stored;
  std::set<std::string> woken;
  for (const auto& q : queued) woken.insert(q.destinations.begin(), q.destinations.end());
  queues_.notifyWork(std::vector<std::string>(woken.begin(), woken.end()));
  return {};
}

Status FederationSenderService::performSendEdu(const CallContext& /*ctx*/,
                                               const std::vector<std::string>& destinations,
                                               const Edu& edu) {
  if (edu.type.empty()) return fail(ErrorCode::kInvalidParam, "EDU without a type");
  std::set<std::string> targets;
  for (const auto& d : destinations) {
    if (!d.empty() && d != serverName()) targets.insert(d);
  }
  if (targets.empty()) return {};
  const std::string content = json::canonical(edu.content);
  const std::int64_t now = options_.nowMs();
  auto stored = db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    for (const auto& dest : targets) {
      PLEXUS_TRY_VOID(store_.enqueueEdu(tx, dest, edu.type, content, now));
    }
    return {};
  });
  if (!stored) return stored;
  queues_.notifyWork(std::vector<std::string>(targets.begin(), targets.end()));
  return {};
}

void FederationSenderService::noteDestinationAlive(const std::string& destination) {
  queues_.noteAlive(destination);
}

Result<SenderStats> FederationSenderService::stats() { return queues_.stats(); }

}  // namespace plexus::federationsender
