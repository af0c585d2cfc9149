// The authenticated Server-Server API routes (`/_matrix/federation/*` apart from the version
// and key endpoints, which key_routes.h serves): transactions, the join/leave/knock/invite
// handshakes on the resident side, event and state reads, queries, keys and media. Every route
// authenticates the X-Matrix header and runs its handler off the io threads; the handlers call
// the other services through their api/ interfaces only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "federationapi/impl/key_routes.h"
#include "federationapi/impl/remote_key_cache.h"
#include "plexus/http/router.h"

namespace plexus::roomserver {
class RoomserverApi;
}
namespace plexus::accountsync {
class AccountSyncApi;
}
namespace plexus::keyserver {
class KeyserverApi;
}
namespace plexus::syncapi {
class SyncApi;
}
namespace plexus::media {
class MediaApi;
}

namespace plexus::federationapi {

struct FederationLimits {
  // Bodies of PUT /send bigger than this get 413 M_TOO_LARGE (50 PDUs of 64 KiB and 100 EDUs
  // fit). Wire Router::bodyLimit into ServerOptions::bodyLimitFor so the server admits them.
  std::size_t maxTransactionBytes = 8 * 1024 * 1024;
  // Bodies of the other routes (send_join events, key queries).
  std::size_t maxBodyBytes = 1024 * 1024;
  // (origin, txnId) answers remembered for repeats: how many, and how many body bytes.
  std::size_t transactionCacheSize = 10000;
  std::size_t transactionCacheBytes = 16 * 1024 * 1024;
  // Bounds of backfill / get_missing_events answers.
  int maxBackfillEvents = 100;
  int maxMissingEvents = 100;
  // Deadline of the service calls of one request.
  std::int64_t requestTimeoutMs = 60'000;
};

// What the routes use. Owned by the composition root; every pointer must outlive the router.
struct FederationDeps {
  std::string serverName;                           // ours (X-Matrix destination, local users)
  RemoteKeyCache* keys = nullptr;                   // required: authenticates requests
  roomserver::RoomserverApi* roomserver = nullptr;  // required
  accountsync::AccountSyncApi* accounts = nullptr;  // profiles, devices; optional
  keyserver::KeyserverApi* keyserver = nullptr;     // user keys and devices; optional
  syncapi::SyncApi* sync = nullptr;                 // typing, receipts, presence, to-device
  media::MediaApi* media = nullptr;                 // media download; optional
  // Runs handlers (they block on key fetches and service calls) off the io threads; null runs
  // them inline (tests).
  BlockingRunner runBlocking;
  FederationLimits limits;
  std::function<std::int64_t()> clock;  // ms since the epoch; default: the system clock
  // Called with the origin of every authenticated request (the federation sender ends that
  // server's backoff: it is evidently up). Must be cheap and thread-safe; may be empty.
  std::function<void(const std::string& origin)> onAuthenticated;
  // The cluster: a transaction's EDUs are queued here (the bus, queued_edu.h) instead of being
  // handed to sync-api and the keyserver before /send answers; whoever consumes the queue calls
  // FederationRoutes::handleQueuedEdu. An error queues nothing and the EDU is handled at once.
  std::function<Status(const std::string& origin, const json::Object& edu)> queueEdu;
};

class FederationRoutes {
 public:
  // Errors are reported by the routes, not here: a missing optional service answers its
  // endpoints with 404 M_UNRECOGNIZED.
  explicit FederationRoutes(FederationDeps deps);
  ~FederationRoutes();
  FederationRoutes(const FederationRoutes&) = delete;
  FederationRoutes& operator=(const FederationRoutes&) = delete;

  // Adds every route to `router` (not the key/version routes: see registerKeyRoutes). This
  // object must outlive the router.
  void registerRoutes(http::Router& router);

  // Handles one EDU that FederationDeps::queueEdu queued (the origin was authenticated when it
  // was received). Errors: kUnavailable when a service it needs did not answer (deliver it
  // again later); every other outcome, a rejected EDU included, is final and ok.
  Status handleQueuedEdu(const std::string& origin, const json::Object& edu);

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace plexus::federationapi
