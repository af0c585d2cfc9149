// PushDeliverer: sends sync-api's new notifications to the user's HTTP pushers, per the Push
// Gateway API (POST <data.url> = .../_matrix/push/v1/notify). Work runs on a few worker threads
// behind a bounded queue, so neither the bus consumer nor /sync ever waits on a gateway;
// failed attempts (connection errors, 5xx, 429) are retried with exponential backoff up to a
// bounded number of attempts; pushkeys the gateway rejects lose their pusher.
// Gateways are reached over http:// or https://; with https the gateway's certificate chain and
// host name are verified (system CA store or options.client.tls.caFile) unless the options
// say otherwise (test networks). A failed verification counts as a failed attempt.
// With a PendingPushStore each push (one per pusher) is written down before its first attempt,
// updated on retry and deleted once sent or given up; start() resumes the stored ones, so a
// restart loses only notifications not yet expanded into pushes. Delivery is at least once: a
// push sent just before a crash may be sent again.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "accountsync/api/accountsync_api.h"
#include "plexus/core/result.h"
#include "plexus/http/client.h"
#include "plexus/json/value.h"
#include "syncapi/storage/pending_push_store.h"

namespace plexus::syncapi {

// Where pushers come from and go: account-sync in the node (AccountSyncPushers), a fake in
// tests. Called from the worker threads.
class PusherDirectory {
 public:
  virtual ~PusherDirectory() = default;
  virtual Result<std::vector<accountsync::Pusher>> queryPushers(const std::string& userId) = 0;
  // Deletes the user's (appId, pushkey) pusher.
  virtual Status removePusher(const std::string& userId, const std::string& appId,
                              const std::string& pushkey) = 0;
};

// PusherDirectory over AccountSyncApi (removal is POST /pushers/set with kind null).
class AccountSyncPushers final : public PusherDirectory {
 public:
  explicit AccountSyncPushers(accountsync::AccountSyncApi& accounts) : accounts_(accounts) {}
  Result<std::vector<accountsync::Pusher>> queryPushers(const std::string& userId) override;
  Status removePusher(const std::string& userId, const std::string& appId,
                      const std::string& pushkey) override;

 private:
  accountsync::AccountSyncApi& accounts_;
};

// One notification as sync-api made it (the user's matched push-rule actions included).
struct PushNotification {
  std::string userId;  // whose pushers are notified
  std::string eventId, roomId, type, sender;
  json::Object content;
  std::optional<std::string> senderDisplayName;
  bool userIsTarget = false;  // a membership event whose state_key is userId
  json::Array actions;
};

// Looked up on a worker thread just before sending (database reads).
struct PushRoomDetails {
  std::optional<std::string> roomName, roomAlias;
  std::int64_t unread = 0;  // the user's unread notifications over all rooms
};
using PushDetailsSource =
    std::function<PushRoomDetails(const std::string& userId, const std::string& roomId)>;

struct PushDeliveryOptions {
  int workers = 2;
  std::size_t maxQueued = 10'000;  // notifications and pending retries; beyond: dropped
  int maxAttempts = 6;
  std::chrono::milliseconds firstRetryDelay{2'000};
  std::chrono::milliseconds maxRetryDelay{std::chrono::minutes(5)};
  // Timeouts, response size, TLS verification (on by default) and resolver overrides.
  http::ClientOptions client = defaultClientOptions();
  // Where pushes wait across restarts; null: in memory only.
  std::shared_ptr<PendingPushStore> pendingStore;
  // ms since the epoch, for the stored due times; default: the system clock.
  std::function<std::int64_t()> clock;

  static http::ClientOptions defaultClientOptions() {
    http::ClientOptions o;
    o.connectTimeout = std::chrono::milliseconds(5'000);
    o.requestTimeout = std::chrono::milliseconds(15'000);
    o.maxResponseBytes = 1024 * 1024;
    return o;
  }
};

// A parsed pusher URL: http[s]://host[:port]/path.../_matrix/push/v1/notify
struct GatewayUrl {
  http::Scheme scheme = http::Scheme::kHttp;
  std::string host;
  std::uint16_t port = 80;  // 443 by default for https
  std::string target;
};
// Errors: kInvalidParam for anything else.
Result<GatewayUrl> parseGatewayUrl(std::string_view url);

// The POST body for one pusher. SPEC: push-gateway-api POST /_matrix/push/v1/notify.
json::Object buildNotifyBody(const PushNotification& n, const PushRoomDetails& details,
                             const accountsync::Pusher& pusher);

class PushDeliverer {
 public:
  // `directory` must outlive the deliverer.
  PushDeliverer(PusherDirectory& directory, PushDetailsSource details,
                PushDeliveryOptions options = {});
  ~PushDeliverer();  // stop()
  PushDeliverer(const PushDeliverer&) = delete;
  PushDeliverer& operator=(const PushDeliverer&) = delete;

  // Starts the workers and queues the stored pending pushes (each at its due time).
  void start();
  // Joins the workers (an attempt in flight finishes first); queued work is dropped from
  // memory (stored pending pushes stay for the next start()).
  void stop();

  // Queues a notification (only ones whose actions include "notify" are sent). Never blocks.
  // Returns false when it was dropped (queue full, or not a notify).
  bool enqueue(PushNotification n);

  struct Stats {
    std::uint64_t delivered = 0;    // 2xx answers
    std::uint64_t retried = 0;      // attempts scheduled again
    std::uint64_t failed = 0;       // gave up (attempts exhausted, 4xx, bad URL)
    std::uint64_t dropped = 0;      // queue full
    std::uint64_t rejected = 0;     // pushers removed because the gateway rejected them
    std::uint64_t resumed = 0;      // stored pending pushes queued by start()
    std::uint64_t storeErrors = 0;  // pending-push writes that failed (delivery went on)
  };
  Stats stats() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Attempt {
    std::string userId, appId, pushkey;
    GatewayUrl url;
    std::string urlText;  // as the pusher gave it (stored with a pending push)
    std::string body;
    int attempt = 1;
    std::int64_t pendingId = 0;  // its PendingPushStore row; 0: not stored
    bool resumed = false;        // from a previous run: check the pusher still exists
  };
  struct Job {
    std::optional<PushNotification> notification;
    std::optional<Attempt> attempt;
  };
  void run();
  void expand(const PushNotification& n);
  void send(Attempt a);
  bool schedule(Clock::time_point due, Job job);
  void queueAttempt(Clock::time_point due, Attempt a);
  void resumeStored();
  bool pusherExists(const Attempt& a);
  void forget(std::int64_t pendingId);
  std::int64_t nowMs() const;

  PusherDirectory& directory_;
  PushDetailsSource details_;
  PushDeliveryOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::multimap<Clock::time_point, Job> jobs_;  // by due time, FIFO among equals
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::atomic<std::uint64_t> delivered_{0}, retried_{0}, failed_{0}, dropped_{0}, rejected_{0},
      resumed_{0}, storeErrors_{0};
};

}  // namespace plexus::syncapi
