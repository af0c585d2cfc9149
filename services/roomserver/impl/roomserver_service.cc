// RoomserverService core: construction, the per-room write locks and cached heads, sending one
// event and redactions.
#include "roomserver/impl/roomserver_service.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "plexus/eventauth/power_levels.h"
#include "plexus/events/redaction.h"
#include "plexus/storage/errors.h"

namespace plexus::roomserver {
namespace {

std::int64_t systemClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

RoomserverService::RoomserverService(events::ServerIdentity identity, storage::Database& db,
                                     bus::OutputSink& outputs, ProfileLookup profiles,
                                     Options options)
    : identity_(std::move(identity)), db_(db), outputs_(outputs), profiles_(std::move(profiles)),
      options_(std::move(options)), store_(db) {
  if (!options_.clock) options_.clock = systemClockMs;
  if (options_.maxPrevEvents == 0) options_.maxPrevEvents = 1;
  if (!profiles_) profiles_ = [](const CallContext&, std::string_view) { return Profile{}; };
  federation_.store(options_.federation);
}

RoomserverService::~RoomserverService() = default;

Status RoomserverService::start() { return store_.migrate(); }

RoomWriter::Deps RoomserverService::writerDeps() {
  return RoomWriter::Deps{store_,   identity_,        now(), options_.maxPrevEvents,
                          outputs_, options_.observer};
}

SendBatcher::Options RoomserverService::batchingOptions() const {
  SendBatcher::Options batching = options_.sendBatching;
  if (RoomserverObserver* observer = options_.observer) {
    auto previous = batching.afterWrite;
    batching.afterWrite = [observer, previous](std::size_t n) {
      observer->messagesBatched(n);
      if (previous) previous(n);
    };
  }
  return batching;
}

std::int64_t RoomserverService::newRoomTimestamp() {
  std::int64_t ts = now();
  std::int64_t last = lastRoomTimestamp_.load();
  while (!lastRoomTimestamp_.compare_exchange_weak(last, std::max(ts, last + 1))) {
  }
  return std::max(ts, last + 1);
}

Result<std::unique_ptr<RoomWriter>> RoomserverService::startNewRoom(
    const events::RoomVersion* version, const std::string& creator,
    const json::Object& createContent) {
  // With N shards a random ID is ours with probability 1/N: 10,000 draws never all miss.
  for (int attempt = 0; attempt < 10000; ++attempt) {
    RoomState fresh;
    fresh.version = version;
    if (!version->roomIdFromCreateEvent) fresh.roomId = newRoomId();
    RoomWriter::Deps deps = writerDeps();
    deps.nowMs = newRoomTimestamp();
    auto writer = std::make_unique<RoomWriter>(deps, std::move(fresh));
    EventDraft draft{creator, "m.room.create", std::string(), createContent, {}};
    PLEXUS_TRY_VOID(writer->append(draft));
    if (!options_.ownsRoom || options_.ownsRoom(writer->head().roomId)) return writer;
  }
  return fail(ErrorCode::kInternal, "no room ID for this shard");
}

std::string RoomserverService::newRoomId() {
  static constexpr std::string_view kAlphabet =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  std::string id = "!";
  for (int i = 0; i < 18; ++i) id.push_back(kAlphabet[pick(rng)]);
  return id + ":" + identity_.serverName;
}

// --- Per-room locks ---

std::shared_ptr<RoomserverService::RoomEntry> RoomserverService::entryFor(const std::string& roomId) {
  std::lock_guard lock(roomsMutex_);
  auto& entry = rooms_[roomId];
  if (!entry) entry = std::make_shared<RoomEntry>();
  return entry;
}

Result<RoomserverService::LockedRoom> RoomserverService::lockRoom(const std::string& roomId) {
  LockedRoom room{entryFor(roomId), {}};
  room.lock = std::unique_lock(room.entry->mutex);
  if (!room.entry->head) {
    auto loaded = loadRoomState(store_, db_, roomId);
    if (!loaded.ok()) {
      // Unknown room IDs must not accumulate entries.
      std::lock_guard lock(roomsMutex_);
      auto it = rooms_.find(roomId);
      if (it != rooms_.end() && it->second == room.entry) rooms_.erase(it);
      return std::move(loaded).takeError();
    }
    room.entry->head = std::move(*loaded);
  }
  return room;
}

// --- Sending ---

Result<SendEventResponse> RoomserverService::sendLocked(
    LockedRoom& room, const EventDraft& draft, const std::optional<TransactionRef>& transaction) {
  RoomWriter writer(writerDeps(), room.head());
  PLEXUS_TRY(PendingEvent * pending, writer.append(draft, transaction));
  std::string eventId = pending->pdu->eventId();
  // A message (the bulk of all writes) joins the group commit of messages to other rooms.
  const bool plain = writer.isPlainMessage();
  auto committed = plain ? writer.commitMessage(sendBatcher_) : writer.commit(db_);
  if (!committed.ok()) {
    if (transaction && storage::isUniqueViolation(committed.error())) {
      // Another request with the same transaction won the race: answer as it did.
      PLEXUS_TRY(auto existing, store_.transactionEvent(db_, transaction->userId,
                                                        transaction->deviceId,
                                                        transaction->transactionId));
      if (existing) return SendEventResponse{*existing};
    }
    return std::move(committed).takeError();
  }
  if (!plain) writer.publish();
  room.entry->head = writer.takeHead();
  return SendEventResponse{eventId};
}

Result<SendEventResponse> RoomserverService::performSendEvent(const CallContext& ctx,
                                                              const SendEventRequest& request) {
  auto sent = sendEvent(ctx, request);
  if (sent.ok() || !request.transaction) return sent;
  // A transaction ID used before answers with its event, whatever this attempt ran into (the
  // ID's row already there, or a room that changed since). Looked up only after a failure: a
  // lookup before every send would cost each send a database round trip.
  const TransactionRef& t = *request.transaction;
  auto existing = store_.transactionEvent(db_, t.userId, t.deviceId, t.transactionId);
  if (existing.ok() && *existing) return SendEventResponse{**existing};
  return sent;
}

Result<SendEventResponse> RoomserverService::sendEvent(const CallContext& ctx,
                                                       const SendEventRequest& request) {
  if (request.type == "m.room.create") {
    return fail(ErrorCode::kForbidden, "m.room.create cannot be sent into an existing room");
  }
  if (request.type == "m.room.redaction" && !request.stateKey) {
    // A redaction sent as an ordinary event (PUT /send/m.room.redaction) must still be applied.
    const json::Value* redacts = request.content.find("redacts");
    if (!redacts || !redacts->getString()) {
      return fail(ErrorCode::kInvalidParam, "m.room.redaction needs content.redacts");
    }
    std::optional<std::string> reason;
    if (auto r = request.content.find("reason"); r && r->getString()) reason = *r->getString();
    return performRedact(ctx, RedactRequest{request.roomId, request.sender, *redacts->getString(),
                                            reason, request.transaction});
  }
  PLEXUS_TRY(LockedRoom room, lockRoom(request.roomId));
  EventDraft draft{request.sender, request.type, request.stateKey, request.content, std::nullopt};
  return sendLocked(room, draft, request.transaction);
}

// --- Redaction ---

Result<SendEventResponse> RoomserverService::performRedact(const CallContext&,
                                                           const RedactRequest& request) {
  if (request.transaction) {
    const TransactionRef& t = *request.transaction;
    PLEXUS_TRY(auto existing, store_.transactionEvent(db_, t.userId, t.deviceId, t.transactionId));
    if (existing) return SendEventResponse{*existing};
  }
  PLEXUS_TRY(LockedRoom room, lockRoom(request.roomId));
  const RoomState& head = room.head();
  const events::RoomVersion& version = *head.version;
  PLEXUS_TRY(auto targets, store_.eventsByIds(db_, {request.redactsEventId}));
  if (targets.empty() || targets.front().roomNid != head.roomNid) {
    return fail(ErrorCode::kNotFound, "unknown event " + request.redactsEventId + " in this room");
  }
  const StoredEvent& target = targets.front();

  // SPEC: rooms/v3+ "Redactions": the auth rules accept any redaction; it is applied only when
  // the sender sent the target or has the redact power level. A local user lacking both is
  // refused outright.
  const events::Pdu* create = head.find("m.room.create", "");
  if (!create) return fail(ErrorCode::kInternal, "room has no create event");
  PLEXUS_TRY(auto levels, eventauth::PowerLevels::fromState(*create, head.find("m.room.power_levels", "")));
  bool allowed = target.sender == request.sender ||
                 levels.userLevel(request.sender) >= levels.redact();
  if (!allowed) {
    return fail(ErrorCode::kForbidden, "you may only redact your own events without the redact "
                                       "power level");
  }

  EventDraft draft;
  draft.sender = request.sender;
  draft.type = "m.room.redaction";
  if (request.reason) draft.content.set("reason", *request.reason);
  // SPEC: rooms/v11: content.redacts; the top-level key stays for older clients and versions.
  if (version.updatedRedactionRules) draft.content.set("redacts", request.redactsEventId);
  draft.redacts = request.redactsEventId;

  RoomWriter writer(writerDeps(), head);
  PLEXUS_TRY(PendingEvent * pending, writer.append(draft, request.transaction));
  std::string eventId = pending->pdu->eventId();
  if (!target.redactedBy) {
    PLEXUS_TRY(events::Pdu original, events::Pdu::parse(target.json, version));
    writer.redactWithLast(
        PendingRedaction{target.eventId, target.eventNid, events::redact(original.json(), version)});
  }
  auto committed = writer.commit(db_);
  if (!committed.ok()) {
    if (request.transaction && storage::isUniqueViolation(committed.error())) {
      const TransactionRef& t = *request.transaction;
      PLEXUS_TRY(auto existing, store_.transactionEvent(db_, t.userId, t.deviceId, t.transactionId));
      if (existing) return SendEventResponse{*existing};
    }
    return std::move(committed).takeError();
  }
  writer.publish();
  room.entry->head = writer.takeHead();
  return SendEventResponse{eventId};
}

}  // namespace plexus::roomserver
