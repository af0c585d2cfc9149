// Backend-independent parts of Database: the retrying transaction runner.
#include "plexus/storage/database.h"

namespace plexus::storage {

std::string_view dialectName(Dialect d) { return d == Dialect::kSqlite ? "sqlite" : "postgres"; }

Status Database::runInTransaction(const std::function<Status(Transaction&)>& fn, int attempts) {
  Status last = fail(ErrorCode::kInternal, "storage: runInTransaction with no attempts");
  for (int i = 0; i < attempts; ++i) {
    last = [&]() -> Status {
      PLEXUS_TRY(auto tx, transaction());
      Status st = fn(*tx);
      if (!st.ok()) return st;  // ~Transaction rolls back
      return tx->commit();
    }();
    if (last.ok() || last.error().code != ErrorCode::kUnavailable) return last;
  }
  return last;
}

}  // namespace plexus::storage
