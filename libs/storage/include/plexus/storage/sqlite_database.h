// The SQLite backend (client-side node): one writer connection behind a mutex plus a small
// pool of read-only connections, so that reads run in parallel with the single writer.
//
// Durability: the database runs in WAL mode with synchronous=NORMAL. A commit appends its
// frames to the WAL with write(2) but does not fsync; fsync happens at checkpoints. So a
// committed transaction survives a crash of the process (SIGKILL, abort): the data is in the
// kernel's page cache and reaches the disk later. It can be lost only if the whole machine
// loses power or the kernel crashes before the next checkpoint, and even then the database
// stays consistent (the lost transactions are the most recent ones). The node acknowledges a
// message after commit, so an acknowledged message is never lost to a process crash; set
// synchronousFull for power-loss durability at the cost of an fsync per commit.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/storage/database.h"

namespace plexus::storage {

struct SqliteConfig {
  std::string path;              // a file path, or ":memory:" (then readers is forced to 0)
  int readers = 4;               // read-only connections; 0 sends every query to the writer
  int busyTimeoutMs = 5000;      // how long a statement waits for another process's lock
  bool synchronousFull = false;  // synchronous=FULL instead of NORMAL (see above)
  int statementCacheSize = 256;  // prepared statements kept per connection

  static SqliteConfig defaults() { return SqliteConfig{}; }
  // Collects every problem, one per entry; empty when the config is usable.
  std::vector<std::string> verify() const;
};

// Opens (creating when missing) the database file and sets WAL, foreign keys, busy timeout
// and synchronous mode. Errors: kInvalidParam for a bad config, kUnavailable when the file
// cannot be opened.
Result<std::unique_ptr<Database>> openSqlite(const SqliteConfig& config);

}  // namespace plexus::storage
