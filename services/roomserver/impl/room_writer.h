// RoomWriter: one write to one room — a batch of local events (one for a send, several for a
// createRoom or an upgrade) built and authorized one after another on a copy of the room's head,
// then written in one database transaction together with their bus outputs (the outbox), so an
// acknowledged event is never lost to a crash before sync-api hears of it. The caller holds the
// room's write mutex from construction to publish() and installs head() as the room's new head
// only when commit() succeeded.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plexus/bus/output_sink.h"
#include "plexus/core/result.h"
#include "plexus/events/server_identity.h"
#include "plexus/storage/database.h"
#include "roomserver/api/output.h"
#include "roomserver/impl/event_builder.h"
#include "roomserver/impl/room_state.h"
#include "roomserver/impl/roomserver_observer.h"
#include "roomserver/impl/send_batcher.h"
#include "roomserver/storage/roomserver_store.h"

namespace plexus::roomserver {

struct PendingRedaction {
  std::string targetEventId;
  std::int64_t targetNid = 0;
  json::Object redactedTarget;
};

struct PendingEvent {
  std::shared_ptr<const events::Pdu> pdu;
  std::int64_t typeNid = 0;
  std::optional<std::int64_t> stateKeyNid;
  std::optional<std::string> replacedEventId;  // the state event this one replaced
  std::vector<std::string> prevEventIds;
  std::optional<TransactionRef> transaction;
  std::optional<PendingRedaction> redaction;
};

class RoomWriter {
 public:
  struct Deps {
    RoomserverStore& store;
    const events::ServerIdentity& identity;
    std::int64_t nowMs;
    std::size_t maxPrevEvents;
    bus::OutputSink& outputs;  // OutputRoomEvents are enqueued in the commit's transaction
    RoomserverObserver* observer = nullptr;  // metrics; may be null
  };
  RoomWriter(Deps deps, RoomState head);

  // Builds, authorizes and appends one event on top of the pending ones.
  // Errors: those of buildEvent and authorizeEvent; storage errors interning names.
  Result<PendingEvent*> append(const EventDraft& draft,
                               std::optional<TransactionRef> transaction = std::nullopt);

  // Attaches a redaction to the last appended event (the redaction event) and redacts the
  // target in the head's state when it is a current state event.
  void redactWithLast(PendingRedaction redaction);

  // Writes the room (when new), every pending event, its state, memberships, extremities,
  // transaction IDs, redactions and the OutputRoomEvents (in order) in one transaction; `extra`
  // runs in the same transaction.
  using Extra = std::function<Status(storage::Transaction&, std::int64_t roomNid)>;
  Status commit(storage::Database& db, const Extra& extra = {});

  // Whether the write is one event into an existing room that changes no state and redacts
  // nothing (a message): then commitMessage() may write it through a SendBatcher instead.
  bool isPlainMessage() const;
  // commit() for a plain message, through `batcher` (group commit across rooms); publishes too.
  Status commitMessage(SendBatcher& batcher);

  // After a successful commit(): wakes the delivery of the outputs commit() enqueued.
  void publish() const { deps_.outputs.committed(); }

  const RoomState& head() const { return head_; }
  RoomState takeHead() { return std::move(head_); }
  const std::vector<PendingEvent>& pending() const { return pending_; }

 private:
  Deps deps_;
  RoomState head_;
  bool newRoom_;
  StoredSnapshot baseSnapshot_;
  std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> baseEntries_;
  std::map<std::string, std::int64_t> baseExtremityNids_;
  std::vector<PendingEvent> pending_;

  OutputRoomEvent newRoomEventOutput(const PendingEvent& p) const;
  Status enqueueOutputs(storage::Transaction& tx) const;
};

}  // namespace plexus::roomserver
