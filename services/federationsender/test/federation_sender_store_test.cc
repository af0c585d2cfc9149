// SqlFederationSenderStore on SQLite and PostgreSQL: idempotent queuing, transaction claims that
// survive until acknowledged, catch-up collapse and the persisted destination state.
#include <gtest/gtest.h>

#include "federationsender/storage/sql_federation_sender_store.h"
#include "plexus/storage/testing/database_test.h"

namespace plexus::federationsender {
namespace {

// Built by appending: GCC 12 warns (-Wrestrict) about `"literal" + std::string`.
std::string numbered(std::string_view prefix, int i) {
  std::string s(prefix);
  s += std::to_string(i);
  return s;
}

class FederationSenderStoreTest : public storage::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto migrated = store_.migrate(db());
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  }
  void pdu(std::string_view dest, std::string_view room, std::string_view id, std::int64_t ts = 1) {
    std::string json = R"({"id":")";
    json.append(id).append(R"("})");
    auto s = store_.enqueuePdu(db(), dest, room, id, json, ts);
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  SqlFederationSenderStore store_;
};

TEST_P(FederationSenderStoreTest, MigrationIsIdempotent) { EXPECT_TRUE(store_.migrate(db()).ok()); }

TEST_P(FederationSenderStoreTest, QueuesPdusOncePerDestinationAndEvent) {
  pdu("b.org", "!r:a", "$1");
  pdu("b.org", "!r:a", "$1");
  pdu("c.org", "!r:a", "$1");
  ASSERT_TRUE(store_.enqueueEdu(db(), "d.org", "m.typing", "{}", 1).ok());
  EXPECT_EQ(store_.queueDepth(db(), "b.org")->pdus, 1);
  EXPECT_EQ(store_.queueDepth(db(), "d.org")->edus, 1);
  EXPECT_EQ(*store_.destinationsWithWork(db()),
            (std::vector<std::string>{"b.org", "c.org", "d.org"}));
}

TEST_P(FederationSenderStoreTest, ClaimsOldestRowsUpToLimitsAndKeepsThemUntilAcked) {
  for (int i = 0; i < 5; ++i) pdu("b.org", "!r:a", numbered("$", i));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store_.enqueueEdu(db(), "b.org", "m.receipt", std::to_string(i), 1).ok());
  }
  EXPECT_FALSE(store_.openTransaction(db(), "b.org")->has_value());
  auto txn = store_.claimTransaction(db(), "b.org", "t1", 42, 3, 2);
  ASSERT_TRUE(txn.ok()) << txn.error().message;
  ASSERT_EQ(txn->pdus.size(), 3u);
  EXPECT_EQ(txn->pdus[0].eventId, "$0");
  EXPECT_EQ(txn->pdus[2].eventId, "$2");
  ASSERT_EQ(txn->edus.size(), 2u);
  EXPECT_EQ(txn->edus[1].contentJson, "1");

  auto open = store_.openTransaction(db(), "b.org");
  ASSERT_TRUE(open.ok() && open->has_value());
  EXPECT_EQ((*open)->txnId, "t1");
  EXPECT_EQ((*open)->originServerTs, 42);
  EXPECT_EQ((*open)->pdus.size(), 3u);
  EXPECT_EQ((*open)->edus.size(), 2u);

  ASSERT_TRUE(store_.ackTransaction(db(), "b.org", "t1").ok());
  EXPECT_FALSE(store_.openTransaction(db(), "b.org")->has_value());
  EXPECT_EQ(store_.queueDepth(db(), "b.org")->pdus, 2);
  EXPECT_EQ(store_.queueDepth(db(), "b.org")->edus, 1);
  auto next = store_.claimTransaction(db(), "b.org", "t2", 43, 50, 100);
  EXPECT_EQ(next->pdus.front().eventId, "$3");
  ASSERT_TRUE(store_.ackTransaction(db(), "b.org", "t2").ok());
  EXPECT_TRUE(store_.destinationsWithWork(db())->empty());
  EXPECT_TRUE(store_.claimTransaction(db(), "b.org", "t3", 44, 50, 100)->empty());
  EXPECT_FALSE(store_.openTransaction(db(), "b.org")->has_value());
}

TEST_P(FederationSenderStoreTest, OpenTransactionSurvivesReopen) {
  pdu("b.org", "!r:a", "$1");
  ASSERT_TRUE(store_.claimTransaction(db(), "b.org", "t1", 7, 50, 100).ok());
  ASSERT_TRUE(testDatabase().reopen().ok());
  auto open = store_.openTransaction(db(), "b.org");
  ASSERT_TRUE(open.ok() && open->has_value());
  EXPECT_EQ((*open)->txnId, "t1");
  EXPECT_EQ((*open)->pdus.size(), 1u);
}

TEST_P(FederationSenderStoreTest, CollapseKeepsLatestUnclaimedPdusOfTheRoom) {
  pdu("b.org", "!r:a", "$claimed", 1);
  ASSERT_TRUE(store_.claimTransaction(db(), "b.org", "t1", 1, 50, 100).ok());
  for (int i = 0; i < 6; ++i) pdu("b.org", "!r:a", numbered("$", i), 10 + i);
  pdu("b.org", "!other:a", "$x", 5);
  auto backlogs = store_.roomBacklogs(db(), "b.org");
  ASSERT_TRUE(backlogs.ok());
  ASSERT_EQ(backlogs->size(), 2u);
  EXPECT_EQ((*backlogs)[1].roomId, "!r:a");
  EXPECT_EQ((*backlogs)[1].count, 6);
  EXPECT_EQ((*backlogs)[1].oldestEnqueuedMs, 10);

  EXPECT_EQ(*store_.collapseRoom(db(), "b.org", "!r:a", 2), 4);
  ASSERT_TRUE(store_.ackTransaction(db(), "b.org", "t1").ok());
  auto txn = store_.claimTransaction(db(), "b.org", "t2", 2, 50, 100);
  std::vector<std::string> ids;
  for (const auto& p : txn->pdus) ids.push_back(p.eventId);
  EXPECT_EQ(ids, (std::vector<std::string>{"$4", "$5", "$x"}));
}

TEST_P(FederationSenderStoreTest, StoresDestinationStateApartFromTheTransaction) {
  EXPECT_FALSE(store_.destinationState(db(), "b.org")->has_value());
  pdu("b.org", "!r:a", "$1");
  ASSERT_TRUE(store_.claimTransaction(db(), "b.org", "t1", 1, 50, 100).ok());
  ASSERT_TRUE(store_.setDestinationState(db(), {"b.org", 3, 5000, 100}).ok());
  auto s = store_.destinationState(db(), "b.org");
  ASSERT_TRUE(s.ok() && s->has_value());
  EXPECT_EQ((*s)->failures, 3);
  EXPECT_EQ((*s)->backoffUntilMs, 5000);
  EXPECT_EQ((*s)->lastSuccessMs, 100);
  EXPECT_EQ((*store_.openTransaction(db(), "b.org"))->txnId, "t1");
  ASSERT_TRUE(store_.setDestinationState(db(), {"c.org", 0, 0, 9}).ok());
  EXPECT_EQ(store_.destinationStates(db())->size(), 2u);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(FederationSenderStoreTest);

}  // namespace
}  // namespace plexus::federationsender
