// PendingPushStore: the pushes PushDeliverer has still to send (one row per pusher and
// notification, with its attempt count and due time), so that a restart resumes them instead
// of losing them. Kept apart from SyncStore: only the push deliverer uses it. One
// implementation over plexus::storage::Database, SQLite and PostgreSQL (table
// syncapi_pending_pushes, created by the sync-api migrations).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/storage/database.h"

namespace plexus::syncapi {

struct PendingPush {
  std::int64_t id = 0;  // assigned by addPendingPush
  std::string userId, appId, pushkey;
  std::string url;         // the pusher's data.url when the push was made
  std::string body;        // the canonical JSON POST body
  int attempt = 1;         // the attempt to make next (1 = not tried yet)
  std::int64_t dueMs = 0;  // ms since the epoch
};

class PendingPushStore {
 public:
  virtual ~PendingPushStore() = default;

  // Records a push (push.id is ignored) and returns its new id.
  virtual Result<std::int64_t> addPendingPush(const PendingPush& push) = 0;
  // Sets the next attempt and its due time. A missing id is not an error.
  virtual Status updatePendingPush(std::int64_t id, int attempt, std::int64_t dueMs) = 0;
  // Forgets a push (sent, or given up). A missing id is not an error.
  virtual Status removePendingPush(std::int64_t id) = 0;
  // At most `limit` pending pushes, earliest due first (ties: oldest first).
  virtual Result<std::vector<PendingPush>> queryPendingPushes(std::int64_t limit) = 0;
};

// Applies the sync-api migrations (idempotent) and returns the store. Thread-safe; `db` must
// outlive it.
Result<std::unique_ptr<PendingPushStore>> makeSqlPendingPushStore(storage::Database& db);

}  // namespace plexus::syncapi
