// Moves the SQLite write-ahead log into the database file on a background thread.
//
// SQLite's automatic checkpoint runs inside the commit that crosses the WAL threshold and
// fsyncs twice there, stalling the committing thread and every writer queued behind the single
// writer connection (3-14 ms per stall, several times a second under load; see
// docs/benchmarks.md). Here the writer connection's WAL hook only counts pages and wakes a
// thread that runs PASSIVE checkpoints on a connection of its own: they copy what no reader
// still needs, with their fsyncs, without blocking readers or writers.
//
// The WAL file only starts over when a write transaction begins while every frame is in the
// database file, which never happens by itself while writers keep appending. So once the WAL
// is large, the thread takes the writer lock for a second checkpoint that copies only the few
// frames appended since the first one; the next writer then restarts the WAL.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "plexus/core/result.h"
#include "sqlite_connection.h"

namespace plexus::storage::detail {

class SqliteCheckpointer {
 public:
  // Opens its own connection to `path` and hooks the WAL of `writer`; `writerMutex` is the lock
  // every use of `writer` holds. Both must outlive this.
  static Result<std::unique_ptr<SqliteCheckpointer>> start(const std::string& path,
                                                           SqliteConnection& writer,
                                                           std::mutex& writerMutex,
                                                           const SqliteConnection::Options& opts,
                                                           SqliteCounters& counters);
  ~SqliteCheckpointer();  // stops the thread after one last checkpoint
  SqliteCheckpointer(const SqliteCheckpointer&) = delete;
  SqliteCheckpointer& operator=(const SqliteCheckpointer&) = delete;

  // Checkpoints run so far (for tests and stats).
  std::uint64_t checkpoints() const;

 private:
  SqliteCheckpointer(std::unique_ptr<SqliteConnection> conn, SqliteConnection& writer,
                     std::mutex& writerMutex);
  static int onWalCommit(void* self, sqlite3* db, const char* dbName, int pages);
  void run();
  // One PASSIVE checkpoint on `db`; returns the WAL's size in frames at that moment.
  int checkpoint(sqlite3* db);

  std::unique_ptr<SqliteConnection> conn_;
  SqliteConnection& writer_;
  std::mutex& writerMutex_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  int walPages_ = 0;          // WAL size reported by the last commit
  int checkpointedUpTo_ = 0;  // frames known to be in the database file
  bool stop_ = false;
  std::uint64_t checkpoints_ = 0;
  std::thread thread_;
};

}  // namespace plexus::storage::detail
