// replayRoom: builds the graph, orders the events by prev_events, and walks them computing the
// state before and after each event. A state is moved along linear chains and copied only where
// an event has several children; merges resolve the states of the prev events.
#include <algorithm>
#include <chrono>
#include <unordered_set>

#include "graph_auth_state.h"
#include "parallel.h"
#include "plexus/eventauth/event_auth.h"
#include "plexus/stateres/replay.h"
#include "plexus/stateres/resolver.h"

namespace plexus::stateres {

namespace {

double msSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// Authorizes events of the replay: against their auth events and against the state before them.
class Authorizer {
 public:
  explicit Authorizer(const EventGraph& graph)
      : graph_(graph), addCreate_(graph.roomVersion().roomIdFromCreateEvent) {
    if (graph.createEvent() != kNoEvent) roomId_ = graph.pdu(graph.createEvent())->roomId();
  }

  // Empty when allowed, else the reason. `authKeys` are the keys of the event's auth tuples
  // (eventauth::authStateTuplesFor), kNoKey for tuples no event has.
  std::string authorize(EventIdx e, const StateSet& before, std::span<const KeyIdx> authKeys) {
    const events::Pdu& pdu = *graph_.pdu(e);
    if (e != graph_.createEvent() && pdu.roomId() != roomId_) return "event of another room";
    auto authIdx = graph_.authEvents(e);
    authPdus_.clear();
    for (EventIdx a : authIdx) {
      if (!graph_.pdu(a)) return "missing auth event " + std::string(graph_.eventId(a));
      // SPEC (v12 rule 3.3, earlier versions alike): an auth event that was rejected.
      if (graph_.rejected(a)) return "rejected auth event " + std::string(graph_.eventId(a));
      authPdus_.push_back(graph_.pdu(a));
    }
    if (auto s = eventauth::checkAuthEventsSelection(pdu, authPdus_); !s.ok()) return s.error().message;

    // When the auth events are exactly what the state before the event holds for the keys auth
    // looks at, both checks see the same events and one is enough.
    bool sameAsState = true;
    std::size_t found = 0;
    for (KeyIdx k : authKeys) {
      EventIdx s = k == kNoKey ? kNoEvent : before.get(k);
      if (s == kNoEvent) continue;
      ++found;
      if (std::find(authIdx.begin(), authIdx.end(), s) == authIdx.end()) sameAsState = false;
    }
    if (found != authIdx.size()) sameAsState = false;
    if (!sameAsState) {
      detail::GraphAuthState authEvents(graph_, nullptr, authIdx, addCreate_, authKeys);
      if (auto s = eventauth::checkAuth(pdu, authEvents, cache_); !s.ok()) {
        return "auth events: " + s.error().message;
      }
    }
    detail::GraphAuthState state(graph_, &before, {}, addCreate_, authKeys);
    if (auto s = eventauth::checkAuth(pdu, state, cache_); !s.ok()) return "state: " + s.error().message;
    return {};
  }

 private:
  const EventGraph& graph_;
  bool addCreate_;
  std::string roomId_;
  std::vector<const events::Pdu*> authPdus_;
  eventauth::PowerLevelsCache cache_;
};

// Kahn's order over prev_events, last-in first-out so that a chain is finished before another
// starts (fewer live states). Missing prev events are skipped (checked by the caller).
Result<std::vector<EventIdx>> topologicalOrder(const EventGraph& graph, std::vector<std::uint32_t>& children) {
  const std::size_t n = graph.size();
  std::vector<std::uint32_t> pending(n, 0), childBegin(n + 1, 0);
  children.assign(n, 0);
  std::vector<EventIdx> uniquePrev;
  auto prevsOf = [&](EventIdx e) {
    uniquePrev.clear();
    for (EventIdx p : graph.prevEvents(e)) {
      if (graph.pdu(p) && std::find(uniquePrev.begin(), uniquePrev.end(), p) == uniquePrev.end()) uniquePrev.push_back(p);
    }
    return uniquePrev;
  };
  for (EventIdx e = 0; e < n; ++e) {
    if (!graph.pdu(e)) continue;
    for (EventIdx p : prevsOf(e)) {
      ++children[p];
      ++pending[e];
    }
  }
  for (std::size_t i = 0; i < n; ++i) childBegin[i + 1] = childBegin[i] + children[i];
  std::vector<EventIdx> childList(childBegin[n]);
  std::vector<std::uint32_t> fill(childBegin.begin(), childBegin.end() - 1);
  for (EventIdx e = 0; e < n; ++e) {
    if (!graph.pdu(e)) continue;
    for (EventIdx p : prevsOf(e)) childList[fill[p]++] = e;
  }
  std::vector<EventIdx> ready, order;
  for (EventIdx e = static_cast<EventIdx>(n); e-- > 0;) {
    if (graph.pdu(e) && pending[e] == 0) ready.push_back(e);
  }
  order.reserve(n);
  while (!ready.empty()) {
    EventIdx e = ready.back();
    ready.pop_back();
    order.push_back(e);
    for (std::uint32_t i = childBegin[e]; i < childBegin[e + 1]; ++i) {
      if (--pending[childList[i]] == 0) ready.push_back(childList[i]);
    }
  }
  std::size_t present = 0;
  for (EventIdx e = 0; e < n; ++e) present += graph.pdu(e) != nullptr;
  if (order.size() != present) return fail(ErrorCode::kBadJson, "prev_events form a cycle");
  return order;
}

// The keys of every event's auth tuples, computed on several threads (the graph is read-only
// meanwhile). Fixed-size slots: the selection has at most 7 tuples.
struct AuthKeys {
  static constexpr std::size_t kSlots = 8;
  std::vector<KeyIdx> keys;
  std::vector<std::uint8_t> counts;
  std::span<const KeyIdx> of(EventIdx e) const { return {keys.data() + e * kSlots, counts[e]}; }
};

AuthKeys computeAuthKeys(const EventGraph& graph, unsigned threads) {
  AuthKeys out;
  out.keys.assign(graph.size() * AuthKeys::kSlots, kNoKey);
  out.counts.assign(graph.size(), 0);
  detail::parallelFor(graph.size(), detail::threadCount(threads, graph.size()), [&](std::size_t begin, std::size_t end) {
    for (std::size_t e = begin; e < end; ++e) {
      const events::Pdu* pdu = graph.pdu(static_cast<EventIdx>(e));
      if (!pdu) continue;
      std::uint8_t n = 0;
      for (const eventauth::StateTuple& t : eventauth::authStateTuplesFor(*pdu)) {
        if (n == AuthKeys::kSlots) break;
        out.keys[e * AuthKeys::kSlots + n++] = graph.findKey(t.type, t.stateKey);
      }
      out.counts[e] = n;
    }
  });
  return out;
}

}  // namespace

Result<ReplayResult> replayRoom(LoadedPdus loaded, const events::RoomVersion& version,
                                const ReplayOptions& options) {
  auto start = std::chrono::steady_clock::now();
  ReplayResult result{EventGraph(version), {}, {}, {}, {}, {}};
  EventGraph& graph = result.graph;
  PLEXUS_TRY(std::vector<EventIdx> indices, graph.addAll(std::move(loaded.pdus), options.threads));
  for (std::size_t i = 0; i < indices.size() && i < loaded.failures.size(); ++i) {
    if (!loaded.failures[i].empty()) {
      graph.setRejected(indices[i]);
      result.rejected.push_back({indices[i], std::move(loaded.failures[i])});
    }
  }
  for (EventIdx e = 0; e < graph.size(); ++e) {
    if (!graph.pdu(e) || options.allowMissingPrevEvents) continue;
    for (EventIdx p : graph.prevEvents(e)) {
      if (!graph.pdu(p)) {
        return fail(ErrorCode::kNotFound, "event " + std::string(graph.eventId(e)) + " has missing prev event " +
                                              std::string(graph.eventId(p)));
      }
    }
  }
  std::vector<std::uint32_t> children;
  PLEXUS_TRY(std::vector<EventIdx> order, topologicalOrder(graph, children));
  result.stats.events = order.size();
  result.stats.graphMs = msSince(start);

  auto replayStart = std::chrono::steady_clock::now();
  std::vector<bool> keep(graph.size(), false);
  for (const std::string& id : options.keepStateAfter) {
    EventIdx e = graph.find(id);
    if (e == kNoEvent || !graph.pdu(e)) return fail(ErrorCode::kNotFound, "no event " + id + " to keep state of");
    keep[e] = true;
  }
  AuthKeys authKeys = computeAuthKeys(graph, options.threads);
  StateResolver resolver(graph);
  Authorizer authorizer(graph);
  std::vector<StateSet> after(graph.size());
  std::vector<std::uint32_t> remaining = children;
  std::vector<EventIdx> prevs;
  std::vector<const StateSet*> prevStates;
  auto release = [&](EventIdx p) {
    if (--remaining[p] == 0) after[p] = StateSet{};
  };
  std::size_t done = 0;
  for (EventIdx e : order) {
    prevs.clear();
    for (EventIdx p : graph.prevEvents(e)) {
      if (graph.pdu(p) && std::find(prevs.begin(), prevs.end(), p) == prevs.end()) prevs.push_back(p);
    }
    StateSet state;
    if (prevs.size() == 1) {
      EventIdx p = prevs[0];
      if (remaining[p] == 1 && !keep[p]) {
        state = std::move(after[p]);
      } else {
        state = after[p];
      }
      release(p);
    } else if (prevs.size() > 1) {
      prevStates.clear();
      for (EventIdx p : prevs) prevStates.push_back(&after[p]);
      bool allSame = std::all_of(prevStates.begin() + 1, prevStates.end(),
                                 [&](const StateSet* s) { return *s == *prevStates[0]; });
      if (allSame) {
        state = *prevStates[0];
      } else {
        PLEXUS_TRY(state, resolver.resolve(prevStates));
        ++result.stats.resolutions;
      }
      for (EventIdx p : prevs) release(p);
    }
    if (!graph.rejected(e)) {
      std::string reason = authorizer.authorize(e, state, authKeys.of(e));
      if (reason.empty()) {
        if (graph.stateKey(e) != kNoKey) state.set(graph.stateKey(e), e);
      } else {
        graph.setRejected(e);
        result.rejected.push_back({e, std::move(reason)});
      }
    }
    if (keep[e]) result.kept.emplace_back(e, state);
    after[e] = std::move(state);
    if (++done % (options.progressEvery ? options.progressEvery : order.size() + 1) == 0 && options.progress) {
      options.progress(done, order.size());
    }
  }
  if (options.progress) options.progress(done, order.size());
  result.stats.replayMs = msSince(replayStart);

  auto finalStart = std::chrono::steady_clock::now();
  prevStates.clear();
  for (EventIdx e : order) {
    if (children[e] == 0) {
      result.forwardExtremities.push_back(e);
      prevStates.push_back(&after[e]);
    }
  }
  PLEXUS_TRY(result.state, resolver.resolve(prevStates));
  result.stats.rejected = result.rejected.size();
  result.stats.finalMs = msSince(finalStart);
  return result;
}

Result<ReplayResult> replayRoomJson(std::string_view text, const events::RoomVersion& version,
                                    const ReplayOptions& options) {
  auto start = std::chrono::steady_clock::now();
  PLEXUS_TRY(LoadedPdus pdus, loadPdus(text, version, options));
  double parseMs = msSince(start);
  PLEXUS_TRY(ReplayResult result, replayRoom(std::move(pdus), version, options));
  result.stats.parseMs = parseMs;
  return result;
}

}  // namespace plexus::stateres
