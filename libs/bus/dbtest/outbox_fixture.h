// Shared helpers for the outbox tests: a DatabaseTest with an Outbox, a collector that tests
// wait on (bounded), and a one-line committed enqueue.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "plexus/bus/outbox.h"
#include "plexus/storage/testing/database_test.h"

namespace plexus::bus::testing {

using namespace std::chrono_literals;

class Collector {
 public:
  Status add(const Message& m) {
    std::lock_guard lock(mutex_);
    seen_.push_back(m);
    changed_.notify_all();
    return {};
  }
  bool waitFor(std::size_t n, std::chrono::milliseconds limit = 10s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return seen_.size() >= n; });
  }
  std::vector<Message> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  std::vector<std::string> payloads() {
    std::vector<std::string> out;
    for (const auto& m : seen()) out.push_back(m.payload);
    return out;
  }
  Handler handler() {
    return [this](const Message& m) { return add(m); };
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Message> seen_;
};

class OutboxTest : public storage::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    openOutbox();
  }

  void openOutbox(Outbox::Options options = fastOptions()) {
    auto made = Outbox::open(db(), options);
    ASSERT_TRUE(made.ok()) << made.error().message;
    outbox_ = std::move(*made);
  }

  static Outbox::Options fastOptions() {
    Outbox::Options o;
    o.firstRetryDelay = 5ms;
    o.maxRetryDelay = 20ms;
    o.pollInterval = 10s;  // tests rely on committed(), not on the poll
    return o;
  }

  // Enqueues `payloads` in one transaction and commits it.
  void enqueueCommitted(std::string_view topic, const std::vector<std::string>& payloads) {
    Status s = db().runInTransaction([&](storage::Transaction& tx) -> Status {
      for (const auto& p : payloads) PLEXUS_TRY_VOID(outbox_->enqueue(tx, topic, "k", p));
      return {};
    });
    ASSERT_TRUE(s.ok()) << s.error().message;
    outbox_->committed();
  }

  std::int64_t rowCount() {
    auto rows = db().query("SELECT COUNT(*) FROM bus_outbox");
    if (!rows.ok()) return -1;
    auto n = rows->front().int64(0);
    return n.ok() ? *n : -1;
  }

  std::unique_ptr<Outbox> outbox_;
};

}  // namespace plexus::bus::testing
