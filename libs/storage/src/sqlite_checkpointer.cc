// Background WAL checkpoints for SqliteDatabase (see sqlite_checkpointer.h).
#include "sqlite_checkpointer.h"

#include <chrono>

namespace plexus::storage::detail {
namespace {

// A checkpoint starts early once the WAL holds this many new pages (4 MB at 4 kB pages, the
// size SQLite's automatic checkpoint uses), otherwise at the next tick.
constexpr int kWakePages = 1000;
constexpr auto kTick = std::chrono::milliseconds(250);
// From this WAL size on, a checkpoint is followed by a short one under the writer lock so that
// the WAL restarts (16 MB, also the journal_size_limit the file is cut back to).
constexpr int kRestartPages = 4096;
// A writer faster than the background thread: past this many unchecked pages the committing
// thread checkpoints itself, as SQLite's own automatic checkpoint would.
constexpr int kInlinePages = 4 * kRestartPages;

}  // namespace

Result<std::unique_ptr<SqliteCheckpointer>> SqliteCheckpointer::start(
    const std::string& path, SqliteConnection& writer, std::mutex& writerMutex,
    const SqliteConnection::Options& opts, SqliteCounters& counters) {
  SqliteConnection::Options own = opts;
  own.readOnly = false;
  own.statementCacheSize = 1;
  PLEXUS_TRY(auto conn, SqliteConnection::open(path, own, counters));
  std::unique_ptr<SqliteCheckpointer> cp(
      new SqliteCheckpointer(std::move(conn), writer, writerMutex));
  // Replaces SQLite's automatic checkpoint, which is itself a WAL hook.
  sqlite3_wal_hook(writer.handle(), &SqliteCheckpointer::onWalCommit, cp.get());
  cp->thread_ = std::thread([p = cp.get()] { p->run(); });
  return cp;
}

SqliteCheckpointer::SqliteCheckpointer(std::unique_ptr<SqliteConnection> conn,
                                       SqliteConnection& writer, std::mutex& writerMutex)
    : conn_(std::move(conn)), writer_(writer), writerMutex_(writerMutex) {}

SqliteCheckpointer::~SqliteCheckpointer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  std::lock_guard writerLock(writerMutex_);
  sqlite3_wal_hook(writer_.handle(), nullptr, nullptr);
}

std::uint64_t SqliteCheckpointer::checkpoints() const {
  std::lock_guard lock(mutex_);
  return checkpoints_;
}

// Runs on the committing thread, which holds the writer lock.
int SqliteCheckpointer::onWalCommit(void* self, sqlite3* db, const char*, int pages) {
  auto* cp = static_cast<SqliteCheckpointer*>(self);
  int unchecked = 0;
  {
    std::lock_guard lock(cp->mutex_);
    // After a restart the WAL fills from the beginning again: the count drops.
    if (pages < cp->walPages_) cp->checkpointedUpTo_ = 0;
    cp->walPages_ = pages;
    unchecked = pages - cp->checkpointedUpTo_;
  }
  if (unchecked >= kInlinePages) {
    cp->checkpoint(db);
  } else if (unchecked >= kWakePages) {
    cp->wake_.notify_one();
  }
  return SQLITE_OK;
}

void SqliteCheckpointer::run() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    wake_.wait_for(lock, kTick);
    if (walPages_ == checkpointedUpTo_ && !stop_) continue;
    lock.unlock();
    int walFrames = checkpoint(conn_->handle());
    if (walFrames >= kRestartPages) {
      std::lock_guard writerLock(writerMutex_);
      checkpoint(conn_->handle());
    }
    lock.lock();
  }
  lock.unlock();
  checkpoint(conn_->handle());
}

int SqliteCheckpointer::checkpoint(sqlite3* db) {
  int walFrames = 0;
  int copied = 0;
  // PASSIVE: copy what no reader still needs, without waiting on any lock.
  sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &walFrames, &copied);
  std::lock_guard lock(mutex_);
  // Frames a reader still needed stay behind; the next tick tries them again.
  checkpointedUpTo_ = copied >= 0 ? copied : 0;
  if (walFrames > walPages_) walPages_ = walFrames;
  ++checkpoints_;
  return walFrames;
}

}  // namespace plexus::storage::detail
