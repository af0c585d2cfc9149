// Group commit for the SQLite writer (see sqlite_group_commit.h).
#include "sqlite_group_commit.h"

namespace plexus::storage::detail {
namespace {

// Bounds how long the first transaction of a group waits for the others to run.
constexpr std::size_t kMaxGroup = 32;

// The shared transaction as seen by one body: statements go to the writer connection; ending
// the transaction is the leader's business.
class GroupTransaction final : public Transaction {
 public:
  explicit GroupTransaction(SqliteConnection& conn) : conn_(conn) {}
  Dialect dialect() const override { return Dialect::kSqlite; }
  Result<std::int64_t> execute(std::string_view sql, const Params& params) override {
    return conn_.execute(sql, params);
  }
  Result<Rows> query(std::string_view sql, const Params& params) override {
    return conn_.query(sql, params);
  }
  Status executeScript(std::string_view sql) override { return conn_.executeScript(sql); }
  Status commit() override {
    return fail(ErrorCode::kInternal, "storage: runInTransaction commits by itself");
  }
  Status rollback() override {
    return fail(ErrorCode::kInternal, "storage: fail the body to roll back");
  }
  bool active() const override { return true; }

 private:
  SqliteConnection& conn_;
};

Error unavailable(std::string_view why) {
  return makeError(ErrorCode::kUnavailable, std::string(why));
}

}  // namespace

Status SqliteGroupCommit::run(const Body& body) {
  if (writerOwner_.load() == std::this_thread::get_id()) {
    return fail(ErrorCode::kInternal,
                "storage: this thread has a transaction open; use the transaction");
  }
  Job job{&body, {}, false};
  std::unique_lock lock(queueMutex_);
  queue_.push_back(&job);
  while (!job.done) {
    if (leaderActive_) {
      finished_.wait(lock);
      continue;
    }
    leaderActive_ = true;
    while (!job.done) {
      std::deque<Job*> group;
      while (!queue_.empty() && group.size() < kMaxGroup) {
        group.push_back(queue_.front());
        queue_.pop_front();
      }
      lock.unlock();
      {
        std::lock_guard writerLock(writerMutex_);
        runGroup(std::move(group));
      }
      lock.lock();
      finished_.notify_all();
    }
    leaderActive_ = false;
    // Whoever still waits with a queued job takes over as leader.
    if (!queue_.empty()) finished_.notify_all();
  }
  return std::move(job.status);
}

void SqliteGroupCommit::runGroup(std::deque<Job*> group) {
  // Results are published (done = true) only under queueMutex_, by the caller's notify; here
  // each job's status is filled in, and done is set once the commit decided.
  auto finishAll = [&](const std::function<void(Job&)>& f) {
    std::lock_guard lock(queueMutex_);
    for (Job* j : group) {
      f(*j);
      j->done = true;
    }
  };
  auto begin = writer_.execute("BEGIN IMMEDIATE", {});
  if (!begin.ok()) {
    Error e = begin.error();
    finishAll([&](Job& j) { j.status = e; });
    return;
  }
  writerOwner_ = std::this_thread::get_id();
  GroupTransaction tx(writer_);
  bool aborted = false;
  if (group.size() == 1) {
    // Alone: no savepoint (each one costs, and makes FTS5 flush its pending index data).
    Job& j = *group.front();
    j.status = (*j.body)(tx);
    if (!j.status.ok()) {
      if (!sqlite3_get_autocommit(writer_.handle())) (void)writer_.execute("ROLLBACK", {});
      aborted = true;  // nothing left to commit
    }
  } else {
    aborted = runInSavepoints(group, tx);
  }
  Status commit;
  if (!aborted) {
    auto committed = writer_.execute("COMMIT", {});
    if (!committed.ok()) commit = std::move(committed).takeError();
  }
  if (!aborted && !commit.ok()) {
    (void)writer_.execute("ROLLBACK", {});
    for (Job* j : group) {
      if (j->status.ok()) j->status = commit.error();
    }
  }
  writerOwner_ = std::thread::id();
  if (group.size() > 1 && commit.ok() && !aborted) {
    for (Job* j : group) grouped_ += j->status.ok() ? 1 : 0;
  }
  finishAll([](Job&) {});
}

bool SqliteGroupCommit::runInSavepoints(std::deque<Job*>& group, Transaction& tx) {
  for (auto it = group.begin(); it != group.end(); ++it) {
    Job* j = *it;
    Status savepoint = writer_.executeScript("SAVEPOINT plexus_job");
    Status st = savepoint.ok() ? (*j->body)(tx) : std::move(savepoint);
    if (sqlite3_get_autocommit(writer_.handle())) {
      // SQLite itself rolled the whole transaction back (I/O error, disk full, interrupt):
      // every body of the group is undone and must run again.
      for (Job* k : group) {
        if (k != j && k->status.ok()) {
          k->status = unavailable("storage: the shared transaction was rolled back; try again");
        }
      }
      j->status = st.ok() ? unavailable("storage: the transaction was rolled back") : std::move(st);
      return true;
    }
    if (st.ok()) {
      st = writer_.executeScript("RELEASE plexus_job");
    } else {
      (void)writer_.executeScript("ROLLBACK TO plexus_job; RELEASE plexus_job");
    }
    j->status = std::move(st);
  }
  return false;
}

}  // namespace plexus::storage::detail
