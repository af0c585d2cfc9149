// RoomInput: federation input for one room whose write mutex the caller holds. It takes events
// other servers sent (live events, outliers), runs the receipt checks (event_checks.h), fetches
// what is missing from the sending server (auth events through /event_auth, prev events through
// /get_missing_events, the state before an event through /state_ids + /event), computes the state
// before each event (resolving forks with libs/stateres), decides accepted / rejected /
// soft-failed, and commits each event with its bus output (in its own transaction, or a run of
// fast-path events in one), updating the room's cached head. Every remote fetch is bounded by
// InputLimits (per RoomInput).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "federationsender/api/federation_sender_api.h"
#include "plexus/bus/output_sink.h"
#include "plexus/core/call_context.h"
#include "plexus/core/result.h"
#include "plexus/stateres/resolver.h"
#include "plexus/storage/database.h"
#include "roomserver/api/roomserver_api.h"
#include "roomserver/impl/event_cache.h"
#include "roomserver/impl/event_checks.h"
#include "roomserver/impl/room_state.h"
#include "roomserver/impl/roomserver_observer.h"

namespace plexus::roomserver {

struct InputLimits {
  int missingEventsLimit = 20;      // `limit` of one /get_missing_events
  int maxMissingEventsCalls = 3;    // per RoomInput (one inputEvents call)
  int maxStateIdsCalls = 2;         // per RoomInput
  std::size_t maxStateIds = 10000;  // state + auth chain IDs one /state_ids may name
  int maxEventFetches = 200;        // single-event fetches (/event) per RoomInput
  // Events received from all fetches together that get verified, per RoomInput: room for one
  // full /state answer, but a few answers of 10,000 events each must not cost 10,000 signature
  // checks apiece.
  std::size_t maxFetchedEvents = 12000;
};

class RoomInput {
 public:
  struct Deps {
    RoomserverStore& store;
    storage::Database& db;
    bus::OutputSink& outputs;
    const EventVerifier& verifier;
    federationsender::FederationSenderApi* federation;  // null: nothing is fetched
    const CallContext& ctx;
    InputLimits limits;
    RoomserverObserver* observer = nullptr;  // metrics; may be null
  };
  // Commits of one batch share a transaction up to this many events.
  static constexpr std::size_t kMaxBatch = 100;
  // `head` is the locked room's cached head; it is updated after every commit.
  RoomInput(Deps deps, RoomState& head);

  // One live event (a /send PDU). Errors of the call: storage trouble; a bad event is a result.
  Result<RoomserverApi::InputEventResult> inputNew(const json::Object& event,
                                                   const std::string& origin);
  // The same when the receipt checks already ran (`checked`: EventVerifier::check of `event`).
  Result<RoomserverApi::InputEventResult> inputNew(const json::Object& event,
                                                   Result<ReceivedEvent> checked,
                                                   const std::string& origin);
  // An already checked event (send_join / send_leave / an invite signed by us): the same path
  // from the auth checks on.
  Result<RoomserverApi::InputEventResult> inputChecked(ReceivedEvent event,
                                                       const std::string& origin);
  // Events without their state (auth chains, state): verified and stored as outliers.
  Result<std::vector<RoomserverApi::InputEventResult>> inputOutliers(
      const std::vector<json::Object>& events, const std::string& origin);

  EventCache& cache() { return cache_; }

  // From now on, events whose state before is the head's current state (the common case of a
  // /send transaction) are committed in one shared transaction, until something else must happen
  // first (a fetch, an event off that path) or finish() is called. The caller must call finish()
  // and, when anything failed, drop the room's cached head (the batch was rolled back).
  void batchCommits() { batching_ = true; }
  // Commits the open batch, if any, and announces its outputs.
  Status finish() { return flushBatch(); }

 private:
  enum class Outcome : std::uint8_t { kAccepted, kRejected, kSoftFailed };

  Result<RoomserverApi::InputEventResult> process(ReceivedEvent event, const std::string& origin);
  // Fetches the event's unknown auth events (/event_auth) and stores them as outliers.
  Status fetchAuthEvents(const events::Pdu& pdu, const std::string& origin);
  // /get_missing_events for the event's unknown prev_events, processed oldest first.
  Status fetchMissingPrevs(const events::Pdu& pdu, const std::string& origin);
  // The state before the event as the origin sees it (/state_ids + fetches); nullopt when it
  // cannot be had (why: fetchError_). Errors: storage only.
  Result<std::optional<stateres::StateMap>> remoteStateBefore(const events::Pdu& pdu,
                                                              const std::string& origin);
  // Verifies and stores outliers (in auth order); results per event.
  Result<std::vector<RoomserverApi::InputEventResult>> storeOutliers(
      const std::vector<json::Object>& events);

  Result<stateres::StateMap> snapshotState(std::int64_t snapshotNid);
  Result<stateres::StateMap> stateAfter(const KnownEvent& event);
  stateres::StateMap currentStateMap() const;
  Result<stateres::StateMap> resolve(std::vector<stateres::StateMap> states);

  // Writes one event: its row (or the promotion of its outlier row), its state-before snapshot
  // (nullopt: the head's snapshot; an empty map for a rejected event: no state), and for
  // accepted events the new current state, memberships, extremities and the output.
  // `newCurrent` nullopt: the head plus the event.
  Status commit(const ReceivedEvent& event, Outcome outcome,
                const std::optional<stateres::StateMap>& before,
                const std::optional<stateres::StateMap>& newCurrent);

  // A redaction to apply with the accepted event being committed.
  struct Redaction {
    std::string targetId;
    std::int64_t targetNid = 0;
    json::Object redactedTarget;
  };
  // The redaction an accepted m.room.redaction applies now, if any: the target is known in this
  // room, not redacted yet, and the redaction is allowed to apply to it.
  Result<std::optional<Redaction>> redactionFor(const events::Pdu& pdu,
                                                const RoomState& stateForLevels);

  // Where reads go: the open batch's transaction (to see its rows), else the database.
  storage::Executor& reader();
  Status flushBatch();
  // Takes `n` events from the fetched-events budget; false (nothing taken) when it is spent.
  bool spendFetched(std::size_t n);

  Deps deps_;
  RoomState& head_;
  std::optional<Redaction> redaction_;  // set by process() for the commit that follows
  EventCache cache_;
  int missingCalls_ = 0;
  int stateIdsCalls_ = 0;
  int fetches_ = 0;
  std::size_t fetchedEvents_ = 0;
  int nesting_ = 0;
  std::string fetchError_;
  std::map<std::int64_t, stateres::StateMap> snapshots_;  // snapshotState memo
  bool batching_ = false;
  std::unique_ptr<storage::Transaction> batch_;  // declared after cache_: ends before it
  std::size_t batched_ = 0;
  bool batchAccepted_ = false;  // the batch has outputs to announce
};

}  // namespace plexus::roomserver
