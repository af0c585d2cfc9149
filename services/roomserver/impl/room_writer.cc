// RoomWriter: build and authorize a batch of events, write it and its outputs in one transaction.
#include "roomserver/impl/room_writer.h"

#include <algorithm>

#include "plexus/bus/output_sink.h"
#include "plexus/json/canonical.h"

namespace plexus::roomserver {

RoomWriter::RoomWriter(Deps deps, RoomState head)
    : deps_(deps), head_(std::move(head)), newRoom_(head_.roomNid == 0),
      baseSnapshot_(head_.snapshot) {
  for (const auto& [key, slot] : head_.state) {
    baseEntries_[{slot.typeNid, slot.stateKeyNid}] = slot.eventNid;
  }
  for (const auto& x : head_.extremities) baseExtremityNids_[x.eventId] = x.eventNid;
}

Result<PendingEvent*> RoomWriter::append(const EventDraft& draft,
                                         std::optional<TransactionRef> transaction) {
  PLEXUS_TRY(events::Pdu built, buildEvent(draft, head_, deps_.identity, deps_.nowMs,
                                           deps_.maxPrevEvents));
  PLEXUS_TRY_VOID(authorizeEvent(built, head_));
  auto pdu = std::make_shared<const events::Pdu>(std::move(built));
  if (head_.roomId.empty()) head_.roomId = std::string(pdu->roomId());

  PendingEvent p;
  p.pdu = pdu;
  p.transaction = std::move(transaction);
  PLEXUS_TRY(p.typeNid, deps_.store.eventTypeNid(pdu->type()));
  for (auto id : pdu->prevEvents()) p.prevEventIds.emplace_back(id);
  if (auto key = pdu->stateKey()) {
    PLEXUS_TRY(std::int64_t keyNid, deps_.store.stateKeyNid(*key));
    p.stateKeyNid = keyNid;
    std::string mapKey = RoomState::stateMapKey(pdu->type(), *key);
    auto it = head_.state.find(mapKey);
    if (it != head_.state.end()) p.replacedEventId = it->second.eventId;
    head_.state[mapKey] = StateSlot{pdu->eventId(), 0, p.typeNid, keyNid, pdu};
  }
  // The new event replaces the extremities it names and becomes the deepest one.
  std::erase_if(head_.extremities, [&](const Extremity& x) {
    return std::find(p.prevEventIds.begin(), p.prevEventIds.end(), x.eventId) != p.prevEventIds.end();
  });
  head_.extremities.insert(head_.extremities.begin(), Extremity{pdu->eventId(), 0, pdu->depth()});
  pending_.push_back(std::move(p));
  return &pending_.back();
}

void RoomWriter::redactWithLast(PendingRedaction redaction) {
  for (auto& [key, slot] : head_.state) {
    if (slot.eventId != redaction.targetEventId) continue;
    auto redacted = events::Pdu::fromJson(redaction.redactedTarget, *head_.version);
    if (redacted.ok()) slot.pdu = std::make_shared<const events::Pdu>(std::move(*redacted));
  }
  pending_.back().redaction = std::move(redaction);
}

Status RoomWriter::commit(storage::Database& db, const Extra& extra) {
  RoomserverStore& store = deps_.store;
  std::int64_t roomNid = 0;
  StoredSnapshot snapshot;
  std::map<std::string, std::int64_t> nids;
  const events::RoomVersion& version = *head_.version;

  auto fn = [&](storage::Transaction& tx) -> Status {
    roomNid = head_.roomNid;
    if (newRoom_) {
      PLEXUS_TRY(roomNid, store.insertRoom(tx, head_.roomId, version.id));
    }
    snapshot = baseSnapshot_;
    auto entries = baseEntries_;
    nids = baseExtremityNids_;
    for (const PendingEvent& p : pending_) {
      const events::Pdu& pdu = *p.pdu;
      NewEvent row{roomNid, pdu.eventId(), p.typeNid, p.stateKeyNid, std::string(pdu.sender()),
                   pdu.depth(), pdu.originServerTs(), pdu.canonicalJson(), snapshot.snapshotNid};
      PLEXUS_TRY(std::int64_t eventNid, store.insertEvent(tx, row));
      nids[pdu.eventId()] = eventNid;
      if (p.stateKeyNid) {
        StateEntry entry{p.typeNid, *p.stateKeyNid, eventNid};
        PLEXUS_TRY_VOID(store.setCurrentState(tx, roomNid, entry));
        entries[{entry.typeNid, entry.stateKeyNid}] = eventNid;
        if (snapshot.snapshotNid == 0 || snapshot.chainLength >= kMaxSnapshotChain) {
          std::vector<StateEntry> all;
          all.reserve(entries.size());
          for (const auto& [key, nid] : entries) all.push_back({key.first, key.second, nid});
          PLEXUS_TRY(snapshot, store.insertSnapshot(tx, roomNid, std::nullopt, all));
        } else {
          PLEXUS_TRY(snapshot, store.insertSnapshot(tx, roomNid, snapshot, {entry}));
        }
        if (auto membership = pdu.membership()) {
          PLEXUS_TRY_VOID(store.setMembership(tx, roomNid, *pdu.stateKey(), *membership, eventNid));
        }
      }
      std::vector<std::int64_t> removed;
      for (const auto& prev : p.prevEventIds) {
        if (auto it = nids.find(prev); it != nids.end()) removed.push_back(it->second);
      }
      PLEXUS_TRY_VOID(store.replaceExtremities(tx, roomNid, removed, eventNid));
      if (p.transaction) {
        PLEXUS_TRY_VOID(store.insertTransaction(tx, p.transaction->userId, p.transaction->deviceId,
                                                p.transaction->transactionId, pdu.eventId()));
      }
      if (p.redaction) {
        PLEXUS_TRY_VOID(store.markRedacted(tx, p.redaction->targetNid,
                                           json::canonical(p.redaction->redactedTarget),
                                           pdu.eventId()));
      }
    }
    // Messages change no state: the room row already names this snapshot.
    if (newRoom_ || snapshot.snapshotNid != baseSnapshot_.snapshotNid) {
      PLEXUS_TRY_VOID(store.setRoomSnapshot(tx, roomNid, snapshot.snapshotNid));
    }
    if (extra) PLEXUS_TRY_VOID(extra(tx, roomNid));
    // Last: on PostgreSQL the outbox holds its topic lock from here to the commit.
    return enqueueOutputs(tx);
  };
  PLEXUS_TRY_VOID(db.runInTransaction(fn));

  head_.roomNid = roomNid;
  head_.snapshot = snapshot;
  for (auto& [key, slot] : head_.state) {
    if (slot.eventNid == 0) slot.eventNid = nids[slot.eventId];
  }
  for (auto& x : head_.extremities) {
    if (x.eventNid == 0) x.eventNid = nids[x.eventId];
  }
  if (deps_.observer)
    deps_.observer->eventsStored(RoomserverObserver::Stored::kAccepted, nids.size());
  return {};
}

bool RoomWriter::isPlainMessage() const {
  return !newRoom_ && pending_.size() == 1 && !pending_.front().stateKeyNid &&
         !pending_.front().redaction;
}

Status RoomWriter::commitMessage(SendBatcher& batcher) {
  const PendingEvent& p = pending_.front();
  const events::Pdu& pdu = *p.pdu;
  MessageWrite m;
  m.row = NewEvent{head_.roomNid,
                   pdu.eventId(),
                   p.typeNid,
                   std::nullopt,
                   std::string(pdu.sender()),
                   pdu.depth(),
                   pdu.originServerTs(),
                   pdu.canonicalJson(),
                   baseSnapshot_.snapshotNid};
  for (const auto& prev : p.prevEventIds) {
    if (auto it = baseExtremityNids_.find(prev); it != baseExtremityNids_.end()) {
      m.removedExtremities.push_back(it->second);
    }
  }
  if (p.transaction) {
    m.transaction = TransactionRow{p.transaction->userId, p.transaction->deviceId,
                                   p.transaction->transactionId, pdu.eventId()};
  }
  OutputRoomEvent out = newRoomEventOutput(p);
  m.outputTopic = std::string(OutputRoomEvent::kTopic);
  m.output = bus::OutputMessage{out.key(), bus::encodeTyped(out)};
  PLEXUS_TRY(std::int64_t eventNid, batcher.write(std::move(m)));
  for (auto& x : head_.extremities) {
    if (x.eventId == pdu.eventId()) x.eventNid = eventNid;
  }
  if (deps_.observer) deps_.observer->eventsStored(RoomserverObserver::Stored::kAccepted, 1);
  return {};
}

OutputRoomEvent RoomWriter::newRoomEventOutput(const PendingEvent& p) const {
  OutputRoomEvent out;
  out.kind = OutputRoomEvent::Kind::kNewRoomEvent;
  out.roomId = head_.roomId;
  out.roomVersion = std::string(head_.version->id);
  out.eventId = p.pdu->eventId();
  out.event = p.pdu->json();
  if (p.stateKeyNid) {
    out.addsStateEventIds.push_back(p.pdu->eventId());
    if (p.replacedEventId) out.removesStateEventIds.push_back(*p.replacedEventId);
  }
  out.transaction = p.transaction;
  return out;
}

Status RoomWriter::enqueueOutputs(storage::Transaction& tx) const {
  for (const PendingEvent& p : pending_) {
    OutputRoomEvent out = newRoomEventOutput(p);
    PLEXUS_TRY_VOID(bus::enqueueTyped(deps_.outputs, tx, out));
    if (p.redaction) {
      OutputRoomEvent redaction;
      redaction.kind = OutputRoomEvent::Kind::kRedaction;
      redaction.roomId = head_.roomId;
      redaction.roomVersion = out.roomVersion;
      redaction.eventId = p.pdu->eventId();
      redaction.redactsEventId = p.redaction->targetEventId;
      redaction.event = p.redaction->redactedTarget;
      PLEXUS_TRY_VOID(bus::enqueueTyped(deps_.outputs, tx, redaction));
    }
  }
  return {};
}

}  // namespace plexus::roomserver
