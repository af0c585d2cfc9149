// SqlPendingPushStore: PendingPushStore over plexus::storage::Database (SQLite and
// PostgreSQL), one statement per call.
#include "syncapi/storage/migrations.h"
#include "syncapi/storage/pending_push_store.h"

namespace plexus::syncapi {
namespace {

using storage::Rows;

class SqlPendingPushStore final : public PendingPushStore {
 public:
  explicit SqlPendingPushStore(storage::Database& db) : db_(db) {}

  // PendingPushStore
  Result<std::int64_t> addPendingPush(const PendingPush& p) override {
    PLEXUS_TRY(Rows rows, db_.query("INSERT INTO syncapi_pending_pushes "
                                    "(user_id, app_id, pushkey, url, body, attempt, due_ms) "
                                    "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                                    {p.userId, p.appId, p.pushkey, p.url, p.body,
                                     std::int64_t{p.attempt}, p.dueMs}));
    if (rows.empty()) return fail(ErrorCode::kInternal, "syncapi: pending push has no id");
    return rows.front().int64(0);
  }

  Status updatePendingPush(std::int64_t id, int attempt, std::int64_t dueMs) override {
    PLEXUS_TRY_VOID(
        db_.execute("UPDATE syncapi_pending_pushes SET attempt = $2, due_ms = $3 WHERE id = $1",
                    {id, std::int64_t{attempt}, dueMs}));
    return {};
  }

  Status removePendingPush(std::int64_t id) override {
    PLEXUS_TRY_VOID(db_.execute("DELETE FROM syncapi_pending_pushes WHERE id = $1", {id}));
    return {};
  }

  Result<std::vector<PendingPush>> queryPendingPushes(std::int64_t limit) override {
    PLEXUS_TRY(Rows rows,
               db_.query("SELECT id, user_id, app_id, pushkey, url, body, attempt, due_ms "
                         "FROM syncapi_pending_pushes ORDER BY due_ms, id LIMIT $1",
                         {limit}));
    std::vector<PendingPush> out;
    out.reserve(rows.size());
    for (const auto r : rows) {
      PendingPush p;
      PLEXUS_TRY(p.id, r.int64(0));
      PLEXUS_TRY(p.userId, r.text(1));
      PLEXUS_TRY(p.appId, r.text(2));
      PLEXUS_TRY(p.pushkey, r.text(3));
      PLEXUS_TRY(p.url, r.text(4));
      PLEXUS_TRY(p.body, r.text(5));
      PLEXUS_TRY(std::int64_t attempt, r.int64(6));
      p.attempt = static_cast<int>(attempt);
      PLEXUS_TRY(p.dueMs, r.int64(7));
      out.push_back(std::move(p));
    }
    return out;
  }

 private:
  storage::Database& db_;
};

}  // namespace

Result<std::unique_ptr<PendingPushStore>> makeSqlPendingPushStore(storage::Database& db) {
  PLEXUS_TRY_VOID(storage::migrate(db, "syncapi", syncMigrations()));
  return std::unique_ptr<PendingPushStore>(new SqlPendingPushStore(db));
}

}  // namespace plexus::syncapi
