// RoomInput, fetching what a received event needs from the server that sent it: auth events
// (/event_auth), missing prev events (/get_missing_events), the state before an event
// (/state_ids, /event or /state), and storing fetched events as outliers. Bounded by InputLimits.
#include <algorithm>
#include <set>

#include "plexus/events/event_hashing.h"
#include "roomserver/impl/room_input.h"

namespace plexus::roomserver {
namespace {

using stateres::StateMap;
using InputEventResult = RoomserverApi::InputEventResult;

stateres::StateKey keyOf(const events::Pdu& pdu) {
  return {std::string(pdu.type()), std::string(*pdu.stateKey())};
}

struct NestingGuard {
  int& n;
  explicit NestingGuard(int& nesting) : n(nesting) { ++n; }
  ~NestingGuard() { --n; }
};

}  // namespace

// --- Fetching ---

bool RoomInput::spendFetched(std::size_t n) {
  if (fetchedEvents_ + n > deps_.limits.maxFetchedEvents) return false;
  fetchedEvents_ += n;
  return true;
}

Status RoomInput::fetchAuthEvents(const events::Pdu& pdu, const std::string& origin) {
  // No transaction stays open across a network call (nor across the interning that storing
  // outliers does).
  PLEXUS_TRY_VOID(flushBatch());
  if (!deps_.federation || fetches_ >= deps_.limits.maxEventFetches) return {};
  ++fetches_;
  auto chain = deps_.federation->queryEventAuth(deps_.ctx, origin, head_.roomId, pdu.eventId());
  if (!chain.ok()) return {};
  if (chain->size() > deps_.limits.maxStateIds || !spendFetched(chain->size())) return {};
  PLEXUS_TRY(auto results, storeOutliers(*chain));
  (void)results;
  return {};
}

Status RoomInput::fetchMissingPrevs(const events::Pdu& pdu, const std::string& origin) {
  PLEXUS_TRY_VOID(flushBatch());
  if (!deps_.federation || nesting_ > 0 || missingCalls_ >= deps_.limits.maxMissingEventsCalls) {
    return {};
  }
  ++missingCalls_;
  federationsender::MissingEventsRequest request;
  request.roomId = head_.roomId;
  std::int64_t minDepth = 0;
  for (const auto& x : head_.extremities) {
    request.earliestEvents.push_back(x.eventId);
    minDepth = minDepth == 0 ? x.depth : std::min(minDepth, x.depth);
  }
  request.latestEvents = {pdu.eventId()};
  request.limit = deps_.limits.missingEventsLimit;
  request.minDepth = minDepth;
  auto got = deps_.federation->queryMissingEvents(deps_.ctx, origin, request);
  if (!got.ok()) return {};

  // A server answering with more than asked: only the newest `limit` (by their claimed depth)
  // are verified at all.
  std::vector<const json::Object*> raw;
  for (const auto& e : *got) raw.push_back(&e);
  auto claimedDepth = [](const json::Object* e) {
    const json::Value* d = e->find("depth");
    auto depth = d ? d->getInt() : std::nullopt;
    return depth.value_or(0);
  };
  std::stable_sort(raw.begin(), raw.end(), [&](const json::Object* a, const json::Object* b) {
    return claimedDepth(a) > claimedDepth(b);
  });
  if (raw.size() > static_cast<std::size_t>(request.limit)) raw.resize(request.limit);
  if (!spendFetched(raw.size())) return {};
  deps_.verifier.prefetch(raw);
  std::vector<ReceivedEvent> checked;
  for (const json::Object* e : raw) {
    auto r = deps_.verifier.check(*e, *head_.version, head_.roomId);
    if (r.ok() && r->pdu->eventId() != pdu.eventId()) checked.push_back(std::move(*r));
  }
  std::sort(checked.begin(), checked.end(), [](const ReceivedEvent& a, const ReceivedEvent& b) {
    return a.pdu->depth() > b.pdu->depth();
  });
  if (checked.size() > static_cast<std::size_t>(request.limit)) checked.resize(request.limit);
  std::vector<std::shared_ptr<const events::Pdu>> pdus;
  for (const auto& c : checked) pdus.push_back(c.pdu);
  NestingGuard guard(nesting_);
  for (std::size_t i : authOrder(pdus)) {
    PLEXUS_TRY(auto r, process(checked[i], origin));
    (void)r;
  }
  return {};
}

Result<std::optional<StateMap>> RoomInput::remoteStateBefore(const events::Pdu& pdu,
                                                             const std::string& origin) {
  PLEXUS_TRY_VOID(flushBatch());
  auto unavailable = [this](std::string why) -> Result<std::optional<StateMap>> {
    fetchError_ = std::move(why);
    return std::optional<StateMap>();
  };
  if (!deps_.federation) return unavailable("no federation");
  if (stateIdsCalls_ >= deps_.limits.maxStateIdsCalls)
    return unavailable("state fetch budget spent");
  ++stateIdsCalls_;
  auto ids = deps_.federation->queryStateIds(deps_.ctx, origin, head_.roomId, pdu.eventId());
  if (!ids.ok()) return unavailable("state_ids: " + ids.error().message);
  if (ids->pduIds.size() + ids->authChainIds.size() > deps_.limits.maxStateIds) {
    return unavailable("state_ids names too many events");
  }
  std::vector<std::string> all = ids->pduIds;
  all.insert(all.end(), ids->authChainIds.begin(), ids->authChainIds.end());
  PLEXUS_TRY_VOID(cache_.loadIds(all));
  std::set<std::string> unknown;
  for (const auto& id : all) {
    if (!cache_.get(id)) unknown.insert(id);
  }
  if (!unknown.empty()) {
    std::vector<json::Object> fetched;
    if (unknown.size() > 50) {
      // Many unknown events: one /state answer instead of one /event each.
      auto state = deps_.federation->queryState(deps_.ctx, origin, head_.roomId, pdu.eventId());
      if (!state.ok()) return unavailable("state: " + state.error().message);
      if (state->pdus.size() + state->authChain.size() > deps_.limits.maxStateIds) {
        return unavailable("state names too many events");
      }
      fetched = std::move(state->pdus);
      fetched.insert(fetched.end(), state->authChain.begin(), state->authChain.end());
    } else {
      for (const auto& id : unknown) {
        if (fetches_ >= deps_.limits.maxEventFetches)
          return unavailable("event fetch budget spent");
        ++fetches_;
        auto one = deps_.federation->queryEvent(deps_.ctx, origin, id);
        if (one.ok()) fetched.push_back(std::move(*one));
      }
    }
    if (!spendFetched(fetched.size())) return unavailable("fetched-events budget spent");
    PLEXUS_TRY(auto results, storeOutliers(fetched));
    (void)results;
  }
  StateMap state;
  for (const auto& id : ids->pduIds) {
    const KnownEvent* k = cache_.get(id);
    if (!k) return unavailable("state event " + id + " could not be fetched or verified");
    if (k->rejected || !k->pdu->isState()) continue;
    state[keyOf(*k->pdu)] = id;
  }
  return std::optional<StateMap>(std::move(state));
}

Result<std::vector<InputEventResult>> RoomInput::storeOutliers(
    const std::vector<json::Object>& events) {
  PLEXUS_TRY_VOID(flushBatch());
  std::vector<const json::Object*> raw;
  for (const auto& e : events) raw.push_back(&e);
  deps_.verifier.prefetch(raw);
  std::vector<InputEventResult> results;
  std::vector<ReceivedEvent> checked;
  std::set<std::string> seen;
  std::vector<std::string> ids;
  for (const auto& e : events) {
    auto r = deps_.verifier.check(e, *head_.version, head_.roomId);
    if (!r.ok()) {
      json::Object copy = e;
      copy.erase("unsigned");
      auto id = events::computeEventId(copy, *head_.version);
      results.push_back({id.ok() ? *id : std::string(), r.error().message});
      continue;
    }
    if (!seen.insert(r->pdu->eventId()).second) continue;
    ids.push_back(r->pdu->eventId());
    checked.push_back(std::move(*r));
  }
  PLEXUS_TRY_VOID(cache_.loadIds(ids));
  std::erase_if(checked,
                [&](const ReceivedEvent& r) { return cache_.get(r.pdu->eventId()) != nullptr; });
  // Their auth events that are stored already.
  std::vector<std::string> authIds;
  for (const auto& c : checked) {
    for (auto a : c.pdu->authEvents()) authIds.emplace_back(a);
  }
  if (auto createId = createEventIdFor(head_.roomId, *head_.version); !createId.empty()) {
    authIds.push_back(createId);
  }
  PLEXUS_TRY_VOID(cache_.loadIds(authIds));
  std::vector<std::shared_ptr<const events::Pdu>> pdus;
  for (const auto& c : checked) pdus.push_back(c.pdu);
  std::vector<std::size_t> order = authOrder(pdus);
  auto lookup = [this](std::string_view eventId) { return cache_.get(eventId); };
  std::vector<std::pair<std::int64_t, std::optional<std::int64_t>>> nameNids(checked.size());
  std::vector<std::size_t> kept;
  for (std::size_t i : order) {
    const events::Pdu& pdu = *checked[i].pdu;
    Status authed = checkAgainstAuthEvents(pdu, head_.roomId, lookup);
    if (!authed.ok() && authed.error().code == ErrorCode::kNotFound) {
      // Its auth events are not to be had: it cannot be checked, so it is not stored.
      results.push_back({pdu.eventId(), authed.error().message});
      continue;
    }
    kept.push_back(i);
    cache_.put(KnownEvent{0, checked[i].pdu, !authed.ok(), true, false, 0});
    results.push_back({pdu.eventId(), authed.ok()
                                          ? std::nullopt
                                          : std::optional("rejected: " + authed.error().message)});
    PLEXUS_TRY(nameNids[i].first, deps_.store.eventTypeNid(pdu.type()));
    if (auto key = pdu.stateKey()) {
      PLEXUS_TRY(nameNids[i].second, deps_.store.stateKeyNid(*key));
    }
  }
  order = std::move(kept);
  if (order.empty()) return results;
  std::vector<std::int64_t> nids(checked.size(), 0);
  PLEXUS_TRY_VOID(deps_.db.runInTransaction([&](storage::Transaction& tx) -> Status {
    for (std::size_t i : order) {
      const events::Pdu& pdu = *checked[i].pdu;
      NewEvent row{head_.roomNid,
                   pdu.eventId(),
                   nameNids[i].first,
                   nameNids[i].second,
                   std::string(pdu.sender()),
                   pdu.depth(),
                   pdu.originServerTs(),
                   pdu.canonicalJson(),
                   0};
      row.rejected = cache_.get(pdu.eventId())->rejected;
      row.outlier = true;
      PLEXUS_TRY(nids[i], deps_.store.insertEvent(tx, row));
    }
    return {};
  }));
  for (std::size_t i : order) {
    KnownEvent k = *cache_.get(checked[i].pdu->eventId());
    k.nid = nids[i];
    cache_.put(std::move(k));
  }
  return results;
}

}  // namespace plexus::roomserver
