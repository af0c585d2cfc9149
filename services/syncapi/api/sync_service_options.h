// How the composition root builds the in-process sync-api (impl/sync_service.h): options and
// the factory. Kept in api/ so services/node needs only this header and the _impl target.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace plexus::syncapi {

struct SyncServiceOptions {
  // The local server name (users "@x:<serverName>" are local: they get notification counts).
  std::string serverName;
  // ms since the epoch; default: the system clock.
  std::function<std::int64_t()> clock;
  // Threads that compute woken /sync responses (waiting itself costs no thread).
  int wakeThreads = 2;
  // Upper bound of a /sync timeout.
  std::int64_t maxTimeoutMs = 5 * 60 * 1000;
  // Presence of users who stop syncing (SPEC: presence module — servers may time users out):
  // "unavailable" after this long without a /sync, "offline" after offlineAfterMs. 0 disables
  // either. Checked on the notifier's shared timer thread.
  std::int64_t presenceIdleAfterMs = 5 * 60 * 1000;
  std::int64_t presenceOfflineAfterMs = 30 * 60 * 1000;
  // https push gateways: a PEM file of trusted CAs instead of the system store, and (test
  // networks only) accepting any gateway certificate. Copied into PushDeliveryOptions.
  std::string pushGatewayCaFile;
  bool pushGatewayInsecureTls = false;
  // Bus consumer group names (one per service instance group).
  std::string busGroup = "syncapi";
  // Cluster: several sync-api processes (replicas) sharing one PostgreSQL store, any of which
  // may serve any request. Positions are handed out in commit order across all of them, so a
  // replica learns the others' writes by reading what was written in a position range
  // (impl/replica_tail.cc) when a "syncapi.advanced" hint arrives on the bus, and at the latest
  // every tailPollMs. Typing (memory only) reaches every replica on "syncapi.typing". Exactly one
  // replica consumes the bus inputs (room events, device lists, account data) and delivers
  // pushes, so a room's events are stored in order.
  struct Replication {
    bool enabled = false;
    bool consumesInputs = true;
    std::string replicaName;  // unique per replica; names its consumer groups
    std::int64_t tailPollMs = 500;
  };
  Replication replication;
  // Metrics: called with the seconds from an event's notification to the /sync waiter it woke
  // resuming (on a wake thread; must be cheap and thread-safe). Empty: not measured.
  std::function<void(double seconds)> onWake;
};

}  // namespace plexus::syncapi
