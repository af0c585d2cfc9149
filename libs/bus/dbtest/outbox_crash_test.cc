// A producer process killed with SIGKILL loses no committed message: a child enqueues and
// commits in a loop, reporting each commit through a pipe, and is killed mid-stream; the parent
// then opens an Outbox on the same SQLite file and must receive every reported message.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <set>

#include "outbox_fixture.h"
#include "plexus/storage/open_database.h"

namespace plexus::bus::testing {
namespace {

constexpr std::string_view kTopic = "crash.output";

[[noreturn]] void runProducer(const std::string& path, int reportFd) {
  auto db = storage::openDatabase("sqlite:" + path);
  if (!db.ok()) _exit(2);
  auto outbox = Outbox::open(**db);
  if (!outbox.ok()) _exit(3);
  for (std::uint32_t i = 1;; ++i) {
    Status s = (*db)->runInTransaction([&](storage::Transaction& tx) {
      return (*outbox)->enqueue(tx, kTopic, "k", std::to_string(i));
    });
    if (!s.ok()) _exit(4);
    (*outbox)->committed();
    // Acknowledged only after the commit, as the roomserver answers 200 only after it.
    if (write(reportFd, &i, sizeof i) != sizeof i) _exit(5);
  }
}

class OutboxCrashTest : public OutboxTest {};

TEST_P(OutboxCrashTest, SigkilledProducerLosesNoCommittedMessage) {
  if (dialect() != storage::Dialect::kSqlite) GTEST_SKIP() << "the child opens a SQLite file";
  outbox_.reset();  // no threads while forking
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    runProducer(testDatabase().location(), fds[1]);
  }
  close(fds[1]);
  std::uint32_t acknowledged = 0;
  std::uint32_t value = 0;
  while (acknowledged < 300 && read(fds[0], &value, sizeof value) == sizeof value) {
    acknowledged = value;
  }
  kill(child, SIGKILL);
  // Acknowledgements written before the kill still count: drain the pipe.
  while (read(fds[0], &value, sizeof value) == sizeof value) acknowledged = value;
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "producer exited with " << WEXITSTATUS(status);
  ASSERT_GE(acknowledged, 300u);

  ASSERT_TRUE(testDatabase().reopen().ok());
  openOutbox();
  Collector seen;
  auto sub = outbox_->subscribe(kTopic, "g", seen.handler());
  ASSERT_TRUE(sub.ok());
  ASSERT_TRUE(seen.waitFor(acknowledged));
  std::set<std::uint32_t> got;
  for (const auto& p : seen.payloads()) got.insert(static_cast<std::uint32_t>(std::stoul(p)));
  for (std::uint32_t i = 1; i <= acknowledged; ++i) {
    ASSERT_TRUE(got.count(i)) << "acknowledged message " << i << " lost";
  }
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(OutboxCrashTest);

}  // namespace
}  // namespace plexus::bus::testing
