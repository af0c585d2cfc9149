// RoomInput: receipt checks, fetching what is missing, state before each event, and the commit of
// accepted, rejected and soft-failed events.
#include "roomserver/impl/room_input.h"

#include <algorithm>
#include <chrono>
#include <functional>

#include "plexus/bus/output_sink.h"
#include "plexus/eventauth/event_auth.h"
#include "plexus/eventauth/power_levels.h"
#include "plexus/events/event_hashing.h"
#include "plexus/events/redaction.h"
#include "plexus/json/canonical.h"

namespace plexus::roomserver {
namespace {

using stateres::StateMap;
using InputEventResult = RoomserverApi::InputEventResult;

// eventauth's view of a StateMap whose events are in the cache.
class MapAuth final : public eventauth::AuthState {
 public:
  MapAuth(const StateMap& state, const EventCache& cache) : state_(state), cache_(cache) {}
  const events::Pdu* find(std::string_view type, std::string_view stateKey) const override {
    auto it = state_.find(stateres::StateKey{std::string(type), std::string(stateKey)});
    return it == state_.end() ? nullptr : cache_.find(it->second);
  }

 private:
  const StateMap& state_;
  const EventCache& cache_;
};

stateres::StateKey keyOf(const events::Pdu& pdu) {
  return {std::string(pdu.type()), std::string(*pdu.stateKey())};
}

// One entry of a state being written: the event (nid 0 for the event being committed).
struct Entry {
  std::int64_t nid = 0;
  std::string eventId;
  std::shared_ptr<const events::Pdu> pdu;
};
using EntryMap = std::map<std::pair<std::int64_t, std::int64_t>, Entry>;

}  // namespace

RoomInput::RoomInput(Deps deps, RoomState& head)
    : deps_(deps), head_(head), cache_(deps.store, deps.db, *head.version) {}

Result<InputEventResult> RoomInput::inputNew(const json::Object& event, const std::string& origin) {
  return inputNew(event, deps_.verifier.check(event, *head_.version, head_.roomId), origin);
}

Result<InputEventResult> RoomInput::inputNew(const json::Object& event,
                                             Result<ReceivedEvent> checked,
                                             const std::string& origin) {
  if (!checked.ok()) {
    InputEventResult r;
    json::Object copy = event;
    copy.erase("unsigned");
    if (auto id = events::computeEventId(copy, *head_.version); id.ok()) r.eventId = *id;
    r.error = checked.error().message;
    return r;
  }
  return process(std::move(*checked), origin);
}

Result<InputEventResult> RoomInput::inputChecked(ReceivedEvent event, const std::string& origin) {
  return process(std::move(event), origin);
}

Result<std::vector<InputEventResult>> RoomInput::inputOutliers(
    const std::vector<json::Object>& events, const std::string&) {
  return storeOutliers(events);
}

// --- The pipeline of one live event ---

Result<InputEventResult> RoomInput::process(ReceivedEvent ev, const std::string& origin) {
  const events::Pdu& pdu = *ev.pdu;
  const std::string& id = pdu.eventId();
  InputEventResult result{id, std::nullopt};
  PLEXUS_TRY_VOID(cache_.loadIds({id}));
  if (const KnownEvent* known = cache_.get(id); known && !known->outlier) return result;

  // Auth against the event's own auth_events, fetching unknown ones from the origin.
  std::vector<std::string> authIds;
  for (auto a : pdu.authEvents()) authIds.emplace_back(a);
  if (auto createId = createEventIdFor(head_.roomId, *head_.version); !createId.empty()) {
    authIds.push_back(createId);
  }
  // Usually the auth events are current state: take them from the head instead of the database
  // (kept out of the cache, whose entries carry the events' state snapshots).
  std::map<std::string, KnownEvent, std::less<>> fromHead;
  auto fromHeadSlot = [&](const StateSlot* slot) {
    if (slot && slot->eventNid != 0 &&
        std::find(authIds.begin(), authIds.end(), slot->eventId) != authIds.end()) {
      fromHead.emplace(slot->eventId,
                       KnownEvent{slot->eventNid, slot->pdu, false, false, false, 0});
    }
  };
  for (const auto& tuple : eventauth::authStateTuplesFor(pdu)) {
    fromHeadSlot(head_.slot(tuple.type, tuple.stateKey));
  }
  fromHeadSlot(head_.slot("m.room.create", ""));
  auto lookup = [&](std::string_view eventId) -> const KnownEvent* {
    if (const KnownEvent* k = cache_.get(eventId)) return k;
    auto it = fromHead.find(eventId);
    return it == fromHead.end() ? nullptr : &it->second;
  };
  std::vector<std::string> unknownAuth;
  for (const auto& a : authIds) {
    if (!lookup(a)) unknownAuth.push_back(a);
  }
  if (!unknownAuth.empty()) {
    PLEXUS_TRY_VOID(cache_.loadIds(unknownAuth));
    if (std::any_of(unknownAuth.begin(), unknownAuth.end(),
                    [&](const std::string& a) { return !lookup(a); })) {
      PLEXUS_TRY_VOID(fetchAuthEvents(pdu, origin));
    }
  }
  // A rejection by the auth events is decided here but stored with the state before the event
  // (when it can be had), so that events building on it get a state.
  std::optional<std::string> authEventsFailure;
  if (auto authed = checkAgainstAuthEvents(pdu, head_.roomId, lookup); !authed.ok()) {
    if (authed.error().code == ErrorCode::kNotFound) {
      result.error = "cannot check the event: " + authed.error().message;
      return result;
    }
    authEventsFailure = "rejected by its auth events: " + authed.error().message;
  }

  // The state before the event: after its prev_events (fetched when unknown).
  std::vector<std::string> prevs;
  for (auto p : pdu.prevEvents()) prevs.emplace_back(p);
  std::set<std::string> prevSet(prevs.begin(), prevs.end());
  std::set<std::string> extremitySet;
  for (const auto& x : head_.extremities) extremitySet.insert(x.eventId);
  // Forward extremities are accepted events with state: no need to look them up.
  auto isExtremity = [&](const std::string& p) { return extremitySet.contains(p); };
  if (!std::all_of(prevs.begin(), prevs.end(), isExtremity)) PLEXUS_TRY_VOID(cache_.loadIds(prevs));
  auto missingPrevs = [&] {
    std::vector<std::string> missing;
    for (const auto& p : prevs) {
      if (isExtremity(p)) continue;
      const KnownEvent* k = cache_.get(p);
      // Outliers, and events rejected without a state, have no state to build on.
      if (!k || k->outlier || (k->rejected && k->stateBeforeNid == 0)) missing.push_back(p);
    }
    return missing;
  };
  if (!missingPrevs().empty()) PLEXUS_TRY_VOID(fetchMissingPrevs(pdu, origin));
  std::vector<std::string> missing = missingPrevs();

  std::optional<StateMap> before;  // nullopt: the head's current state (fast path)
  if (missing.empty() && prevSet == extremitySet) {
    // The event extends every forward extremity: its state before is the current state.
  } else {
    std::vector<StateMap> states;
    if (!missing.empty()) {
      PLEXUS_TRY(auto remote, remoteStateBefore(pdu, origin));
      if (!remote) {
        if (authEventsFailure) {
          PLEXUS_TRY_VOID(commit(ev, Outcome::kRejected, StateMap{}, std::nullopt));
          result.error = authEventsFailure;
          return result;
        }
        result.error = "missing prev events (" + std::to_string(missing.size()) +
                       "), state unavailable: " + fetchError_;
        return result;
      }
      states.push_back(std::move(*remote));
    }
    PLEXUS_TRY_VOID(cache_.loadIds(prevs));
    for (const auto& p : prevs) {
      const KnownEvent* k = cache_.get(p);
      if (k && !k->outlier && !(k->rejected && k->stateBeforeNid == 0)) {
        PLEXUS_TRY(StateMap after, stateAfter(*k));
        states.push_back(std::move(after));
      }
    }
    auto resolved = resolve(std::move(states));
    if (!resolved.ok()) {
      if (authEventsFailure) {
        PLEXUS_TRY_VOID(commit(ev, Outcome::kRejected, StateMap{}, std::nullopt));
        result.error = authEventsFailure;
        return result;
      }
      result.error = "state resolution failed: " + resolved.error().message;
      return result;
    }
    before = std::move(*resolved);
  }
  if (authEventsFailure) {
    PLEXUS_TRY_VOID(commit(ev, Outcome::kRejected, before, std::nullopt));
    result.error = authEventsFailure;
    return result;
  }

  // Auth against the state before the event.
  Status allowed = before ? eventauth::checkAuth(pdu, MapAuth(*before, cache_))
                          : eventauth::checkAuth(pdu, RoomStateAuth(head_));
  if (!allowed.ok()) {
    PLEXUS_TRY_VOID(commit(ev, Outcome::kRejected, before, std::nullopt));
    result.error = "rejected: " + allowed.error().message;
    return result;
  }
  // SPEC: "Soft failure": allowed by its own state but not by the current state.
  if (before && !eventauth::checkAuth(pdu, RoomStateAuth(head_)).ok()) {
    PLEXUS_TRY_VOID(commit(ev, Outcome::kSoftFailed, before, std::nullopt));
    return result;
  }

  std::optional<StateMap> newCurrent;
  if (before) {
    StateMap after = *before;
    if (pdu.isState()) after[keyOf(pdu)] = id;
    if (head_.extremities.empty()) {
      newCurrent = std::move(after);
    } else {
      // Resolution reads the event; an outlier copy of it is already there (and keeps its row).
      if (!cache_.get(id)) cache_.put(KnownEvent{0, ev.pdu, false, false, false, 0});
      PLEXUS_TRY(newCurrent, resolve({currentStateMap(), std::move(after)}));
    }
  }
  PLEXUS_TRY(redaction_, redactionFor(pdu, head_));
  auto committed = commit(ev, Outcome::kAccepted, before, newCurrent);
  redaction_.reset();
  PLEXUS_TRY_VOID(committed);
  return result;
}

Result<std::optional<RoomInput::Redaction>> RoomInput::redactionFor(const events::Pdu& pdu,
                                                                    const RoomState& state) {
  if (pdu.type() != "m.room.redaction") return std::optional<Redaction>();
  auto targetId = pdu.redacts();
  if (!targetId) return std::optional<Redaction>();
  PLEXUS_TRY(auto stored, deps_.store.eventsByIds(reader(), {std::string(*targetId)}));
  // TODO(#4): a redaction that arrives before its target is not applied when the target comes.
  if (stored.empty() || stored.front().roomNid != head_.roomNid || stored.front().redactedBy) {
    return std::optional<Redaction>();
  }
  const StoredEvent& target = stored.front();
  // SPEC: rooms/v3+ "Redactions": applied when the redaction's sender is on the target sender's
  // server, or has the redact power level.
  auto serverOf = [](std::string_view id) {
    auto colon = id.find(':');
    return colon == std::string_view::npos ? std::string_view() : id.substr(colon + 1);
  };
  bool allowed = serverOf(pdu.sender()) == serverOf(target.sender);
  if (!allowed) {
    const events::Pdu* create = state.find("m.room.create", "");
    if (create) {
      auto levels =
          eventauth::PowerLevels::fromState(*create, state.find("m.room.power_levels", ""));
      allowed = levels.ok() && levels->userLevel(pdu.sender()) >= levels->redact();
    }
  }
  if (!allowed) return std::optional<Redaction>();
  events::PduParseOptions options;
  options.enforceSizeLimit = false;
  PLEXUS_TRY(events::Pdu original, events::Pdu::parse(target.json, *head_.version, options));
  return std::optional<Redaction>(
      Redaction{target.eventId, target.eventNid, events::redact(original.json(), *head_.version)});
}

// --- States ---

Result<StateMap> RoomInput::snapshotState(std::int64_t snapshotNid) {
  if (auto it = snapshots_.find(snapshotNid); it != snapshots_.end()) return it->second;
  PLEXUS_TRY(auto entries, deps_.store.loadSnapshot(reader(), snapshotNid));
  std::vector<std::int64_t> nids;
  nids.reserve(entries.size());
  for (const auto& e : entries) nids.push_back(e.eventNid);
  PLEXUS_TRY_VOID(cache_.loadNids(nids));
  StateMap state;
  for (const auto& e : entries) {
    const std::string* id = cache_.idOf(e.eventNid);
    const KnownEvent* k = id ? cache_.get(*id) : nullptr;
    if (!k || !k->pdu->isState())
      return fail(ErrorCode::kInternal, "snapshot names a missing event");
    state[keyOf(*k->pdu)] = *id;
  }
  snapshots_.emplace(snapshotNid, state);
  return state;
}

Result<StateMap> RoomInput::stateAfter(const KnownEvent& event) {
  PLEXUS_TRY(StateMap state, snapshotState(event.stateBeforeNid));
  if (event.pdu->isState() && !event.rejected) state[keyOf(*event.pdu)] = event.pdu->eventId();
  return state;
}

StateMap RoomInput::currentStateMap() const {
  StateMap state;
  for (const auto& [key, slot] : head_.state) state[keyOf(*slot.pdu)] = slot.eventId;
  return state;
}

Result<StateMap> RoomInput::resolve(std::vector<StateMap> states) {
  if (states.empty()) return StateMap{};
  if (std::all_of(states.begin() + 1, states.end(),
                  [&](const StateMap& s) { return s == states[0]; })) {
    return std::move(states[0]);
  }
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::string> ids;
  for (const auto& s : states) {
    for (const auto& [key, id] : s) ids.push_back(id);
  }
  PLEXUS_TRY_VOID(cache_.loadAuthClosure(std::move(ids)));
  auto resolved = stateres::resolveState(*head_.version, states, cache_);
  if (deps_.observer)
    deps_.observer->stateResolved(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return resolved;
}

// --- Commit ---

storage::Executor& RoomInput::reader() {
  if (batch_) return *batch_;
  return deps_.db;
}

Status RoomInput::flushBatch() {
  if (!batch_) return {};
  std::unique_ptr<storage::Transaction> tx = std::move(batch_);
  cache_.setExecutor(deps_.db);
  bool announce = batchAccepted_;
  batched_ = 0;
  batchAccepted_ = false;
  PLEXUS_TRY_VOID(tx->commit());
  if (announce) deps_.outputs.committed();
  return {};
}

Status RoomInput::commit(const ReceivedEvent& ev, Outcome outcome,
                         const std::optional<StateMap>& before,
                         const std::optional<StateMap>& newCurrent) {
  const events::Pdu& pdu = *ev.pdu;
  const std::string& id = pdu.eventId();
  RoomserverStore& store = deps_.store;
  if (deps_.observer) {
    using Stored = RoomserverObserver::Stored;
    deps_.observer->eventsStored(outcome == Outcome::kAccepted   ? Stored::kAccepted
                                 : outcome == Outcome::kRejected ? Stored::kRejected
                                                                 : Stored::kSoftFailed,
                                 1);
  }
  // A rejection by the auth events has no state: an empty `before` map stands for it.
  bool noState = outcome == Outcome::kRejected && before && before->empty();
  bool accepted = outcome == Outcome::kAccepted;
  // Only the fast path joins a batch: interning a new name (outside transactions) and the state
  // mapping below would need the database while the batch holds it.
  bool batchable =
      batching_ && !before && !newCurrent && store.typeAndKeyInterned(pdu.type(), pdu.stateKey());
  if (!batchable) PLEXUS_TRY_VOID(flushBatch());

  PLEXUS_TRY(std::int64_t typeNid, store.eventTypeNid(pdu.type()));
  std::optional<std::int64_t> keyNid;
  if (auto key = pdu.stateKey()) {
    PLEXUS_TRY(keyNid, store.stateKeyNid(*key));
  }

  // The head as entries: built only off the fast path (it is as large as the room's state).
  std::optional<EntryMap> headEntriesMemo;
  auto headEntries = [&]() -> const EntryMap& {
    if (!headEntriesMemo) {
      headEntriesMemo.emplace();
      for (const auto& [key, slot] : head_.state) {
        (*headEntriesMemo)[{slot.typeNid, slot.stateKeyNid}] =
            Entry{slot.eventNid, slot.eventId, slot.pdu};
      }
    }
    return *headEntriesMemo;
  };
  auto toEntries = [&](const StateMap& state) -> Result<EntryMap> {
    EntryMap out;
    for (const auto& [key, eventId] : state) {
      PLEXUS_TRY(std::int64_t t, store.eventTypeNid(key.first));
      PLEXUS_TRY(std::int64_t s, store.stateKeyNid(key.second));
      if (eventId == id) {
        out[{t, s}] = Entry{0, id, ev.pdu};
        continue;
      }
      const KnownEvent* k = cache_.get(eventId);
      if (!k || k->nid == 0) {
        return fail(ErrorCode::kInternal, "state names an unstored event " + eventId);
      }
      out[{t, s}] = Entry{k->nid, eventId, k->pdu};
    }
    return out;
  };
  std::optional<EntryMap> beforeEntries;
  if (before && !noState) {
    PLEXUS_TRY(beforeEntries, toEntries(*before));
  }

  // How the current state changes (accepted events only). Entry nid 0 is this event.
  struct Change {
    std::pair<std::int64_t, std::int64_t> key;
    Entry entry;
    std::optional<Entry> old;
  };
  std::vector<Change> changes;
  std::vector<std::pair<std::pair<std::int64_t, std::int64_t>, Entry>> removals;
  std::optional<EntryMap> target;  // the whole new current state, off the fast path
  if (accepted && newCurrent) {
    PLEXUS_TRY(target, toEntries(*newCurrent));
    const EntryMap& head = headEntries();
    for (const auto& [key, e] : *target) {
      auto it = head.find(key);
      if (it != head.end() && e.nid != 0 && it->second.nid == e.nid) continue;
      changes.push_back({key, e, it == head.end() ? std::nullopt : std::optional(it->second)});
    }
    for (const auto& [key, e] : head) {
      if (!target->contains(key)) removals.emplace_back(key, e);
    }
  } else if (accepted && keyNid) {
    const StateSlot* slot = head_.slot(pdu.type(), *pdu.stateKey());
    changes.push_back(
        {{typeNid, *keyNid},
         Entry{0, id, ev.pdu},
         slot ? std::optional(Entry{slot->eventNid, slot->eventId, slot->pdu}) : std::nullopt});
  }

  const KnownEvent* existing = cache_.get(id);
  std::int64_t promoteNid = existing && existing->outlier ? existing->nid : 0;
  std::int64_t roomNid = head_.roomNid;
  std::int64_t eventNid = 0;
  std::int64_t beforeNid = 0;
  StoredSnapshot headSnapshot = head_.snapshot;
  std::vector<std::string> adds, removes;
  auto nidOf = [&](const Entry& e) { return e.nid == 0 ? eventNid : e.nid; };

  // A snapshot of head + `delta` - `removed`: a delta row on the head's snapshot while that is
  // short, else a full one (`full` gives the whole state then).
  auto writeState =
      [&](storage::Transaction& tx, const std::vector<StateEntry>& delta, bool removed,
          const std::function<std::vector<StateEntry>()>& full) -> Result<StoredSnapshot> {
    if (!removed && delta.empty()) return head_.snapshot;
    if (!removed && head_.snapshot.snapshotNid != 0 &&
        head_.snapshot.chainLength < kMaxSnapshotChain && delta.size() <= 64) {
      return store.insertSnapshot(tx, roomNid, head_.snapshot, delta);
    }
    return store.insertSnapshot(tx, roomNid, std::nullopt, full());
  };
  auto entriesOf = [&](const EntryMap& state) {
    std::vector<StateEntry> all;
    all.reserve(state.size());
    for (const auto& [key, e] : state) all.push_back({key.first, key.second, nidOf(e)});
    return all;
  };

  const std::string canonical = pdu.canonicalJson();  // the stored row and the output
  auto fn = [&](storage::Transaction& tx) -> Status {
    adds.clear();
    removes.clear();
    if (noState) {
      beforeNid = 0;
    } else if (beforeEntries) {
      const EntryMap& head = headEntries();
      std::vector<StateEntry> delta;
      bool removed = false;
      for (const auto& [key, e] : head) removed |= !beforeEntries->contains(key);
      for (const auto& [key, e] : *beforeEntries) {
        auto it = head.find(key);
        if (it == head.end() || it->second.nid != e.nid)
          delta.push_back({key.first, key.second, e.nid});
      }
      PLEXUS_TRY(StoredSnapshot snapshot,
                 writeState(tx, delta, removed, [&] { return entriesOf(*beforeEntries); }));
      beforeNid = snapshot.snapshotNid;
    } else {
      beforeNid = head_.snapshot.snapshotNid;
    }
    bool rejected = outcome == Outcome::kRejected;
    bool softFailed = outcome == Outcome::kSoftFailed;
    if (promoteNid != 0) {
      eventNid = promoteNid;
      PLEXUS_TRY_VOID(store.promoteOutlier(tx, eventNid, beforeNid, rejected, softFailed));
    } else {
      NewEvent row{roomNid,
                   id,
                   typeNid,
                   keyNid,
                   std::string(pdu.sender()),
                   pdu.depth(),
                   pdu.originServerTs(),
                   canonical,
                   beforeNid};
      row.rejected = rejected;
      row.softFailed = softFailed;
      PLEXUS_TRY(eventNid, store.insertEvent(tx, row));
    }
    if (!accepted) return {};

    std::vector<StateEntry> delta;
    for (const Change& c : changes) {
      StateEntry entry{c.key.first, c.key.second, nidOf(c.entry)};
      delta.push_back(entry);
      PLEXUS_TRY_VOID(store.setCurrentState(tx, roomNid, entry));
      adds.push_back(c.entry.eventId);
      if (c.old) removes.push_back(c.old->eventId);
      const events::Pdu& e = *c.entry.pdu;
      if (auto m = e.membership(); m && e.type() == "m.room.member") {
        PLEXUS_TRY_VOID(store.setMembership(tx, roomNid, *e.stateKey(), *m, entry.eventNid));
      }
    }
    for (const auto& [key, e] : removals) {
      PLEXUS_TRY_VOID(store.removeCurrentState(tx, roomNid, key.first, key.second));
      removes.push_back(e.eventId);
    }
    PLEXUS_TRY(headSnapshot, writeState(tx, delta, !removals.empty(), [&] {
                 if (target) return entriesOf(*target);
                 EntryMap all = headEntries();
                 for (const Change& c : changes) all[c.key] = c.entry;
                 return entriesOf(all);
               }));
    if (headSnapshot.snapshotNid != head_.snapshot.snapshotNid)
      PLEXUS_TRY_VOID(store.setRoomSnapshot(tx, roomNid, headSnapshot.snapshotNid));
    std::vector<std::int64_t> removedExtremities;
    for (const auto& x : head_.extremities) {
      for (auto p : pdu.prevEvents()) {
        if (p == x.eventId) removedExtremities.push_back(x.eventNid);
      }
    }
    PLEXUS_TRY_VOID(store.replaceExtremities(tx, roomNid, removedExtremities, eventNid));

    OutputRoomEvent out;
    out.kind = OutputRoomEvent::Kind::kNewRoomEvent;
    out.roomId = head_.roomId;
    out.roomVersion = std::string(head_.version->id);
    out.eventId = id;
    out.encodedEvent = canonical;
    out.addsStateEventIds = adds;
    out.removesStateEventIds = removes;
    PLEXUS_TRY_VOID(bus::enqueueTyped(deps_.outputs, tx, out));
    if (redaction_) {
      PLEXUS_TRY_VOID(store.markRedacted(tx, redaction_->targetNid,
                                         json::canonical(redaction_->redactedTarget), id));
      OutputRoomEvent redacted;
      redacted.kind = OutputRoomEvent::Kind::kRedaction;
      redacted.roomId = head_.roomId;
      redacted.roomVersion = out.roomVersion;
      redacted.eventId = id;
      redacted.redactsEventId = redaction_->targetId;
      redacted.event = redaction_->redactedTarget;
      PLEXUS_TRY_VOID(bus::enqueueTyped(deps_.outputs, tx, redacted));
    }
    return Status{};
  };
  if (batchable && !batch_) {
    if (auto tx = deps_.db.transaction(); tx.ok()) {
      batch_ = std::move(*tx);
      cache_.setExecutor(*batch_);
    }
  }
  bool inBatch = batch_ != nullptr;
  if (inBatch) {
    if (Status written = fn(*batch_); !written.ok()) {
      batch_.reset();  // rolled back; the caller drops the head
      cache_.setExecutor(deps_.db);
      return written;
    }
    ++batched_;
    batchAccepted_ |= accepted;
  } else {
    PLEXUS_TRY_VOID(deps_.db.runInTransaction(fn));
  }

  cache_.put(KnownEvent{eventNid, ev.pdu, outcome == Outcome::kRejected, false,
                        outcome == Outcome::kSoftFailed, beforeNid});
  if (batch_ && batched_ >= kMaxBatch) PLEXUS_TRY_VOID(flushBatch());
  if (!accepted) return {};
  if (!inBatch) deps_.outputs.committed();  // else when the batch commits

  // The new head: current state (changed in place), snapshot, extremities.
  for (const auto& [key, e] : removals) {
    head_.state.erase(RoomState::stateMapKey(e.pdu->type(), *e.pdu->stateKey()));
  }
  for (const Change& c : changes) {
    const events::Pdu& e = *c.entry.pdu;
    head_.state[RoomState::stateMapKey(e.type(), *e.stateKey())] =
        StateSlot{c.entry.eventId, nidOf(c.entry), c.key.first, c.key.second, c.entry.pdu};
  }
  if (redaction_) {
    for (auto& [key, slot] : head_.state) {
      if (slot.eventId != redaction_->targetId) continue;
      auto redacted = events::Pdu::fromJson(redaction_->redactedTarget, *head_.version);
      if (redacted.ok()) slot.pdu = std::make_shared<const events::Pdu>(std::move(*redacted));
    }
  }
  head_.snapshot = headSnapshot;
  std::erase_if(head_.extremities, [&](const Extremity& x) {
    auto prevs = pdu.prevEvents();
    return std::find(prevs.begin(), prevs.end(), x.eventId) != prevs.end();
  });
  head_.extremities.push_back(Extremity{id, eventNid, pdu.depth()});
  std::stable_sort(head_.extremities.begin(), head_.extremities.end(),
                   [](const Extremity& a, const Extremity& b) { return a.depth > b.depth; });
  return {};
}

}  // namespace plexus::roomserver
