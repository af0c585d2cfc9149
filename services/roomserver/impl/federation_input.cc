// RoomserverService, federation input: inputEvents (a /send transaction's PDUs of one room) runs
// each event through RoomInput under the room's write mutex.
#include <map>

#include "plexus/events/event_hashing.h"
#include "roomserver/impl/check_pipeline.h"
#include "roomserver/impl/roomserver_service.h"

namespace plexus::roomserver {

RoomInput::Deps RoomserverService::inputDeps(const CallContext& ctx,
                                             const EventVerifier& verifier) {
  return RoomInput::Deps{
      store_,           db_, outputs_, verifier, federation_.load(), ctx, options_.inputLimits,
      options_.observer};
}

RoomserverService::LockedRoom RoomserverService::lockRoomForCreate(const std::string& roomId) {
  LockedRoom room{entryFor(roomId), {}};
  room.lock = std::unique_lock(room.entry->mutex);
  return room;
}

Result<std::vector<RoomserverApi::InputEventResult>> RoomserverService::inputEvents(
    const CallContext& ctx, const std::string& roomId, const std::vector<InputRoomEvent>& events) {
  auto locked = lockRoom(roomId);
  if (!locked.ok() && locked.error().code == ErrorCode::kNotFound)
    return inputOutOfBand(ctx, roomId, events);
  PLEXUS_TRY(LockedRoom room, std::move(locked));
  EventVerifier verifier(identity_, options_.keys, ctx);
  std::vector<const json::Object*> raw;
  for (const auto& e : events) raw.push_back(&e.event);
  verifier.prefetch(raw);

  // The live events' signatures and hashes are checked ahead on other cores while this thread
  // authorises and stores them in order; their commits share transactions.
  std::vector<const json::Object*> live;
  std::vector<std::size_t> liveSlot(events.size(), 0);
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i].kind != InputKind::kNew) continue;
    liveSlot[i] = live.size();
    live.push_back(&events[i].event);
  }
  CheckPipeline checks(verifier, std::move(live), *room.head().version, roomId, &checkWorkers_);

  RoomInput input(inputDeps(ctx, verifier), room.head());
  input.batchCommits();
  std::vector<InputEventResult> results;
  results.reserve(events.size());
  for (std::size_t i = 0; i < events.size();) {
    const InputRoomEvent& e = events[i];
    if (e.kind == InputKind::kNew) {
      auto r = input.inputNew(e.event, checks.take(liveSlot[i]), e.origin);
      if (!r.ok()) {
        // Storage trouble: the cached head may be behind the database now; reload it next time.
        room.entry->head.reset();
        return std::move(r).takeError();
      }
      results.push_back(std::move(*r));
      ++i;
      continue;
    }
    // A run of outliers (auth chains, state, backfill) is verified and stored together, so its
    // events may come in any order.
    // TODO(#4): backfilled events are kept as outliers (no state, not in the timeline).
    std::size_t end = i;
    std::vector<json::Object> run;
    while (end < events.size() && events[end].kind != InputKind::kNew)
      run.push_back(events[end++].event);
    auto r = input.inputOutliers(run, e.origin);
    if (!r.ok()) {
      room.entry->head.reset();
      return std::move(r).takeError();
    }
    std::map<std::string, std::optional<std::string>> byId;
    for (const auto& x : *r) {
      if (!x.eventId.empty()) byId[x.eventId] = x.error;
    }
    for (; i < end; ++i) {
      InputEventResult result;
      json::Object copy = events[i].event;
      copy.erase("unsigned");
      auto id = events::computeEventId(copy, *room.head().version);
      if (!id.ok()) {
        result.error = id.error().message;
      } else {
        result.eventId = *id;
        // Not in the results: already stored, or refused before its ID was known.
        if (auto it = byId.find(*id); it != byId.end()) result.error = it->second;
      }
      results.push_back(std::move(result));
    }
  }
  if (Status committed = input.finish(); !committed.ok()) {
    room.entry->head.reset();
    return std::move(committed).takeError();
  }
  return results;
}

}  // namespace plexus::roomserver
