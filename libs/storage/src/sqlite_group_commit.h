// Group commit for the SQLite writer: transactions that several threads run at the same time
// through Database::runInTransaction share one BEGIN ... COMMIT.
//
// A commit appends every page the transaction dirtied to the WAL; concurrent transactions of
// different rooms or users mostly dirty the same pages (the tail of each table and index), so
// one commit for many of them writes a fraction of the bytes and takes the writer lock once.
// The first waiting thread becomes the leader: it takes the writer lock, runs every queued
// transaction body inside its own SAVEPOINT (a body that fails is rolled back alone), commits
// once and hands each caller its own result. Callers return only after the shared commit, so
// "runInTransaction returned OK" still means "durable as far as the commit mode promises".
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "plexus/core/result.h"
#include "plexus/storage/database.h"
#include "sqlite_connection.h"

namespace plexus::storage::detail {

class SqliteGroupCommit {
 public:
  using Body = std::function<Status(Transaction&)>;

  // All three belong to the database and outlive this: the writer connection, the lock every
  // use of it holds, and the id of the thread inside a write transaction.
  SqliteGroupCommit(SqliteConnection& writer, std::mutex& writerMutex,
                    std::atomic<std::thread::id>& writerOwner)
      : writer_(writer), writerMutex_(writerMutex), writerOwner_(writerOwner) {}

  // Runs `body` once in a (possibly shared) transaction; returns its own result or the commit's.
  Status run(const Body& body);

  // Transactions that shared their commit with at least one other.
  std::uint64_t grouped() const { return grouped_.load(); }

 private:
  struct Job {
    const Body* body;
    Status status;
    bool done = false;
  };

  // Leader: runs one group taken from the queue; called with the writer lock held.
  void runGroup(std::deque<Job*> group);
  // Runs each body in a savepoint of its own; true when SQLite rolled the whole transaction
  // back on the way (every job then has an error).
  bool runInSavepoints(std::deque<Job*>& group, Transaction& tx);

  SqliteConnection& writer_;
  std::mutex& writerMutex_;
  std::atomic<std::thread::id>& writerOwner_;

  std::mutex queueMutex_;
  std::condition_variable finished_;
  std::deque<Job*> queue_;
  bool leaderActive_ = false;
  std::atomic<std::uint64_t> grouped_{0};
};

}  // namespace plexus::storage::detail
