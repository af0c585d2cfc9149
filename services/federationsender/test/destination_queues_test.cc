// Queued delivery: which destinations a new event goes to, transaction limits, persistence and
// stable transaction IDs across a restart, backoff (growth, jitter, reset, persistence),
// catch-up collapse, EDUs, and how the answer of a transaction is handled. Runs on SQLite and
// PostgreSQL, because the queues live in the store.
#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "federationsender/impl/backoff.h"
#include "plexus/bus/typed_topic.h"
#include "sender_fixture.h"

namespace plexus::federationsender {
namespace {

using testing::eventually;
using testing::numbered;
using testing::RecordedRequest;
using testing::SenderTest;

constexpr const char* kRoom = "!room:ours.test";
constexpr const char* kSendPrefix = "/_matrix/federation/v1/send/";

roomserver::OutputRoomEvent output(const std::string& roomId, const std::string& eventId,
                                   const std::string& sender,
                                   const std::string& type = "m.room.message",
                                   std::optional<std::string> stateKey = std::nullopt,
                                   const std::string& membership = "") {
  roomserver::OutputRoomEvent out;
  out.roomId = roomId;
  out.roomVersion = "10";
  out.eventId = eventId;
  out.event = json::Object{{"type", type},
                           {"sender", sender},
                           {"room_id", roomId},
                           {"origin_server_ts", 1},
                           {"content", json::Object{{"body", eventId}}}};
  if (stateKey) out.event.set("state_key", *stateKey);
  if (!membership.empty()) {
    out.event.set("content", json::Object{{"membership", membership}});
  }
  return out;
}

// Event IDs are recorded in each test PDU's content.body.
std::vector<std::string> bodiesOf(const RecordedRequest& r) {
  std::vector<std::string> out;
  const json::Object body = r.body();
  const json::Value* pdus = body.find("pdus");
  if (!pdus || !pdus->getArray()) return out;
  for (const auto& p : *pdus->getArray()) {
    out.emplace_back(*p.get("content")->getStringAt("body"));
  }
  return out;
}

std::size_t edusIn(const RecordedRequest& r) {
  const json::Object body = r.body();
  const json::Value* edus = body.find("edus");
  return edus && edus->getArray() ? edus->getArray()->size() : 0;
}

std::set<std::string> destinationsOf(const std::vector<RecordedRequest>& requests) {
  std::set<std::string> out;
  for (const auto& r : requests) out.insert(r.destination);
  return out;
}

class DestinationQueuesTest : public SenderTest {};

TEST_P(DestinationQueuesTest, SendsOurEventsToTheJoinedServersButNotToUs) {
  rooms_.set(kRoom, {"ours.test", "b.test", "c.test"});
  start();
  ASSERT_TRUE(service_->inputRoomEvents({output(kRoom, "$1", "@alice:ours.test")}).ok());
  ASSERT_TRUE(transport_.waitFor([](const auto& rs) { return rs.size() >= 2; }));
  const auto sent = transport_.requestsTo(kSendPrefix);
  EXPECT_EQ(destinationsOf(sent), (std::set<std::string>{"b.test", "c.test"}));
  const RecordedRequest& r = sent.front();
  EXPECT_EQ(r.request.method, "PUT");
  const json::Object body = r.body();
  EXPECT_EQ(*body.find("origin")->getString(), "ours.test");
  EXPECT_TRUE(body.find("origin_server_ts")->getInt().has_value());
  EXPECT_EQ(bodiesOf(r), std::vector<std::string>{"$1"});
  EXPECT_EQ(edusIn(r), 0u);
  // The PDU goes out as the roomserver stored it.
  EXPECT_EQ(*body.find("pdus")->getArray()->front().getObject(),
            output(kRoom, "$1", "@alice:ours.test").event);
  ASSERT_TRUE(eventually([&] { return service_->stats()->totals.pendingPdus == 0; }));
}

TEST_P(DestinationQueuesTest, IgnoresEventsOfOtherServersAndOtherKinds) {
  rooms_.set(kRoom, {"ours.test", "b.test"});
  start();
  auto redaction = output(kRoom, "$r", "@alice:ours.test");
  redaction.kind = roomserver::OutputRoomEvent::Kind::kRedaction;
  ASSERT_TRUE(service_->inputRoomEvents({output(kRoom, "$1", "@bob:b.test"), redaction}).ok());
  EXPECT_EQ(service_->stats()->totals.pendingPdus, 0);
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_P(DestinationQueuesTest, MembershipChangesAlsoReachTheTargetsServer) {
  rooms_.set(kRoom, {"ours.test", "b.test"});
  start();
  ASSERT_TRUE(service_
                  ->inputRoomEvents({output(kRoom, "$kick", "@mod:ours.test", "m.room.member",
                                            std::string("@carol:d.test"), "leave")})
                  .ok());
  ASSERT_TRUE(transport_.waitFor([](const auto& rs) { return rs.size() >= 2; }));
  EXPECT_EQ(destinationsOf(transport_.requestsTo(kSendPrefix)),
            (std::set<std::string>{"b.test", "d.test"}));

  // An invite reached the invitee's server through /invite already.
  ASSERT_TRUE(service_
                  ->inputRoomEvents({output(kRoom, "$inv", "@mod:ours.test", "m.room.member",
                                            std::string("@erin:e.test"), "invite")})
                  .ok());
  ASSERT_TRUE(transport_.waitFor([](const auto& rs) { return rs.size() >= 3; }));
  ASSERT_TRUE(eventually([&] { return service_->stats()->totals.pendingPdus == 0; }));
  EXPECT_EQ(destinationsOf(transport_.requestsTo(kSendPrefix)).count("e.test"), 0u);
}

TEST_P(DestinationQueuesTest, ConsumesTheRoomserverOutputFromTheBus) {
  rooms_.set(kRoom, {"ours.test", "b.test"});
  start();
  ASSERT_TRUE(bus::publishTyped(bus_, output(kRoom, "$bus", "@alice:ours.test")).ok());
  ASSERT_TRUE(transport_.waitFor([](const auto& rs) { return !rs.empty(); }));
  EXPECT_EQ(bodiesOf(transport_.requestsTo(kSendPrefix).front()), std::vector<std::string>{"$bus"});
}

TEST_P(DestinationQueuesTest, SplitsPdusIntoTransactionsOfAtMostFifty) {
  rooms_.set(kRoom, {"b.test"});
  start();
  std::vector<roomserver::OutputRoomEvent> outs;
  for (int i = 0; i < 120; ++i) outs.push_back(output(kRoom, numbered("$", i), "@a:ours.test"));
  ASSERT_TRUE(service_->inputRoomEvents(outs).ok());
  ASSERT_TRUE(eventually([&] { return service_->stats()->totals.pendingPdus == 0; }));
  const auto sent = transport_.requestsTo(kSendPrefix);
  ASSERT_EQ(sent.size(), 3u);
  std::vector<std::string> all;
  std::set<std::string> txnIds;
  for (const auto& r : sent) {
    const auto ids = bodiesOf(r);
    EXPECT_LE(ids.size(), 50u);
    all.insert(all.end(), ids.begin(), ids.end());
    txnIds.insert(r.request.uri);
  }
  EXPECT_EQ(txnIds.size(), 3u);
  ASSERT_EQ(all.size(), 120u);
  for (int i = 0; i < 120; ++i) EXPECT_EQ(all[i], numbered("$", i));
  EXPECT_EQ(statsOf("b.test").pdusSent, 120u);
  EXPECT_EQ(statsOf("b.test").transactionsSent, 3u);
}

TEST_P(DestinationQueuesTest, SplitsEdusIntoTransactionsOfAtMostAHundred) {
  transport_.setDown("b.test", true);
  start();
  for (int i = 0; i < 250; ++i) {
    ASSERT_TRUE(service_
                    ->performSendEdu(CallContext{}, {"b.test", "ours.test"},
                                     {"m.receipt", json::Object{{"n", i}}})
                    .ok());
  }
  EXPECT_EQ(statsOf("b.test").pendingEdus, 250);
  EXPECT_TRUE(destinationsOf(transport_.requests()).count("ours.test") == 0);
  transport_.setDown("b.test", false);
  service_->noteDestinationAlive("b.test");
  ASSERT_TRUE(eventually([&] { return statsOf("b.test").pendingEdus == 0; }));
  std::size_t total = 0;
  const auto delivered = transport_.requestsTo(kSendPrefix, true);
  for (const auto& r : delivered) {
    EXPECT_LE(edusIn(r), 100u);
    total += edusIn(r);
    const json::Object body = r.body();
    const json::Value& edu = body.find("edus")->getArray()->front();
    EXPECT_EQ(*edu.getStringAt("edu_type"), "m.receipt");
    EXPECT_TRUE(edu.get("content")->get("n") != nullptr);
  }
  EXPECT_EQ(total, 250u);
  EXPECT_GE(delivered.size(), 3u);
}

TEST_P(DestinationQueuesTest, QueueSurvivesRestartAndResendsTheSameTransaction) {
  rooms_.set(kRoom, {"b.test"});
  transport_.setDown("b.test", true);
  start();
  ASSERT_TRUE(service_->inputRoomEvents({output(kRoom, "$1", "@a:ours.test")}).ok());
  ASSERT_TRUE(transport_.waitFor([](const auto& rs) { return !rs.empty(); }));
  const std::string firstUri = transport_.requests().front().request.uri;
  const std::int64_t firstTs =
      *transport_.requests().front().body().find("origin_server_ts")->getInt();
  ASSERT_TRUE(eventually([&] { return statsOf("b.test").consecutiveFailures >= 1; }));

  makeService();  // a restart: the old service stops, a new one opens the same database
  ASSERT_FALSE(HasFatalFailure());
  start();
  const DestinationStats resumed = statsOf("b.test");
  EXPECT_EQ(resumed.pendingPdus, 1);
  EXPECT_GE(resumed.consecutiveFailures, 1);
  transport_.setDown("b.test", false);
  ASSERT_TRUE(eventually([&] { return statsOf("b.test").pendingPdus == 0; }));
  const auto delivered = transport_.requestsTo(kSendPrefix, true);
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered.front().request.uri, firstUri);
  EXPECT_EQ(*delivered.front().body().find("origin_server_ts")->getInt(), firstTs);
  EXPECT_EQ(bodiesOf(delivered.front()), std::vector<std::string>{"$1"});
  for (const auto& r : transport_.requestsTo(kSendPrefix)) EXPECT_EQ(r.request.uri, firstUri);
}

TEST_P(DestinationQueuesTest, QueueResumesAtStartWhenItsBackoffEndedWhileStopped) {
  std::atomic<std::int64_t> now{1'000'000};
  options_.nowMs = [&] { return now.load(); };
  options_.random = [] { return 0.0; };
  options_.backoffInitialMs = 1'000;
  options_.backoffMaxMs = 1'000;
  makeService();
  rooms_.set(kRoom, {"b.test"});
  transport_.setDown("b.test", true);
  start();
  ASSERT_TRUE(service_->inputRoomEvents({output(kRoom, "$1", "@a:ours.test")}).ok());
  ASSERT_TRUE(eventually([&] { return statsOf("b.test").consecutiveFailures == 1; }));
  service_.reset();
  now += 10'000;
  transport_.setDown("b.test", false);
  makeService();
  start();
  ASSERT_TRUE(eventually([&] { return statsOf("b.test").pendingPdus == 0; }));
  EXPECT_EQ(transport_.requestsTo(kSendPrefix, true).size(), 1u);
}

TEST_P(DestinationQueuesTest, BackoffGrowsWithJitterAndResetsOnSuccess) {
  std::atomic<std::int64_t> now{1'000'000};
  std::atomic<int> draws{0};
  options_.nowMs = [&] { return now.load(); };
  // Alternate the jitter between its extremes: 0 (half the ceiling) and ~1 (the ceiling).
  options_.random = [&] { return draws++ % 2 == 0 ? 0.0 : 0.999; };
  options_.backoffInitialMs = 1'000;
  options_.backoffMaxMs = 3'000;
  makeService();
  rooms_.set(kRoom, {"b.test"});
  transport_.setDown("b.test", true);
  start();
  ASSERT_TRUE(service_->inputRoomEvents({output(kRoom, "$1", "@a:ours.test")}).ok());

  // Failure n waits min(3000, 1000 * 2^(n-1)) times 0.5 or ~1.
  const std::int64_t expected[] = {500, 1'999, 1'500, 2'998, 1'500};
  for (int n = 1; n <= 5; ++n) {
    ASSERT_TRUE(eventually([&] { return statsOf("b.test").consecutiveFailures == n; })) << n;
    const DestinationStats s = statsOf("b.test");
    EXPECT_EQ(s.backoffUntilMs - now.load(), expected[n - 1]) << n;
    EXPECT_EQ(s.retries, static_cast<std::uint64_t>(n - 1));
    now += s.backoffUntilMs - now.load();  // the backoff ends; the worker retries
  }
  transport_.setDown("b.test", false);
  ASSERT_TRUE(eventually([&] { return statsOf("b.test").pendingPdus == 0; }));
  const DestinationStats healthy = statsOf("b.test");
  EXPECT_EQ(healthy.consecutiveFailures, 0);
  EXPECT_EQ(healthy.backoffUntilMs, 0);
  EXPECT_EQ(healthy.lastSuccessMs, now.load());
  EXPECT_EQ(healthy.failures, 5u);
  EXPECT_EQ(healthy.transactionsSent, 1u);
}

TEST_P(DestinationQueuesTest, BackoffSurvivesRestartAndEndsWhenTheDestinationAnswers) {
  std::atomic<std::int64_t> now{5'000'000};
  options_.nowMs = [&] { return now.load(); };
  options_.random = [] { return 0.0; };
  options_.backoffInitialMs = 60'000;
  options_.backoffMaxMs = 3'600'000;
  makeService();
  rooms_.set(kRoom, {"b.test"});
  transport_.setDown("b.test", true);
  start();
  ASSERT_TRUE(service_->inputRoomEvents({output(kRoom, "$1", "@a:ours.test")}).ok());
  ASSERT_TRUE(eventually([&] { return statsOf("b.test").consecutiveFailures == 1; }));

  makeService();
  ASSERT_FALSE(HasFatalFailure());
  transport_.setDown("b.test", false);
  start();
  const DestinationStats resumed = statsOf("b.test");
  EXPECT_EQ(resumed.consecutiveFailures, 1);
  EXPECT_EQ(resumed.backoffUntilMs, 5'000'000 + 30'000);
  EXPECT_EQ(service_->stats()->destinationsBackingOff, 1u);
  EXPECT_EQ(transport_.requestsTo(kSendPrefix, true).size(), 0u);

  // Any answer from the destination ends the backoff and drains the queue.
  transport_.respondJson(200, R"({"event":{}})");
  ASSERT_TRUE(service_->performMakeLeave(CallContext{}, "b.test", kRoom, "@a:ours.test").ok());
  transport_.respondJson(200, "{}");
  ASSERT_TRUE(eventually([&] { return statsOf("b.test").pendingPdus == 0; }));
  EXPECT_EQ(statsOf("b.test").consecutiveFailures, 0);
}

TEST_P(DestinationQueuesTest, CatchUpKeepsOnlyTheLatestEventsOfABusyRoom) {
  options_.catchUpMaxPdusPerRoom = 5;
  makeService();
  rooms_.set(kRoom, {"b.test"});
  rooms_.set("!quiet:ours.test", {"b.test"});
  start();
  std::vector<roomserver::OutputRoomEvent> outs;
  for (int i = 0; i < 10; ++i) outs.push_back(output(kRoom, numbered("$", i), "@a:ours.test"));
  outs.push_back(output("!quiet:ours.test", "$q1", "@a:ours.test"));
  outs.push_back(output("!quiet:ours.test", "$q2", "@a:ours.test"));
  ASSERT_TRUE(service_->inputRoomEvents(outs).ok());
  ASSERT_TRUE(eventually([&] { return statsOf("b.test").pendingPdus == 0; }));
  const auto sent = transport_.requestsTo(kSendPrefix, true);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(bodiesOf(sent.front()), (std::vector<std::string>{"$9", "$q1", "$q2"}));
  EXPECT_EQ(statsOf("b.test").pdusCollapsed, 9u);
}

TEST_P(DestinationQueuesTest, CatchUpCollapsesOldBacklogButNotTheTransactionInFlight) {
  std::atomic<std::int64_t> now{1'000'000};
  options_.nowMs = [&] { return now.load(); };
  options_.random = [] { return 0.0; };
  options_.backoffInitialMs = 1'000;
  options_.catchUpMaxAgeMs = 10'000;
  makeService();
  rooms_.set(kRoom, {"b.test"});
  transport_.setDown("b.test", true);
  start();
  ASSERT_TRUE(service_->inputRoomEvents({output(kRoom, "$first", "@a:ours.test")}).ok());
  ASSERT_TRUE(eventually([&] { return statsOf("b.test").consecutiveFailures == 1; }));
  std::vector<roomserver::OutputRoomEvent> later;
  for (int i = 0; i < 4; ++i) later.push_back(output(kRoom, numbered("$l", i), "@a:ours.test"));
  ASSERT_TRUE(service_->inputRoomEvents(later).ok());
  EXPECT_EQ(statsOf("b.test").pendingPdus, 5);

  transport_.setDown("b.test", false);
  now += 20'000;  // the backlog is older than catchUpMaxAgeMs and the backoff is over
  ASSERT_TRUE(eventually([&] { return statsOf("b.test").pendingPdus == 0; }));
  const auto sent = transport_.requestsTo(kSendPrefix, true);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(bodiesOf(sent[0]), std::vector<std::string>{"$first"});
  EXPECT_EQ(bodiesOf(sent[1]), std::vector<std::string>{"$l3"});
  EXPECT_EQ(statsOf("b.test").pdusCollapsed, 3u);
}

TEST_P(DestinationQueuesTest, PerPduErrorsAreNotRetried) {
  transport_.respondJson(200, R"({"pdus":{"$1":{"error":"rejected"}}})");
  rooms_.set(kRoom, {"b.test"});
  start();
  ASSERT_TRUE(service_->inputRoomEvents({output(kRoom, "$1", "@a:ours.test")}).ok());
  ASSERT_TRUE(eventually([&] { return statsOf("b.test").transactionsSent == 1; }));
  EXPECT_EQ(statsOf("b.test").pendingPdus, 0);
  EXPECT_EQ(statsOf("b.test").consecutiveFailures, 0);
  EXPECT_EQ(transport_.requestsTo(kSendPrefix).size(), 1u);
}

TEST_P(DestinationQueuesTest, TransactionRejectedForGoodIsDropped) {
  transport_.respondJson(400, R"({"errcode":"M_BAD_JSON","error":"no"})");
  rooms_.set(kRoom, {"b.test"});
  start();
  ASSERT_TRUE(service_->inputRoomEvents({output(kRoom, "$1", "@a:ours.test")}).ok());
  ASSERT_TRUE(eventually([&] { return statsOf("b.test").transactionsDropped == 1; }));
  EXPECT_EQ(statsOf("b.test").pendingPdus, 0);
  EXPECT_EQ(statsOf("b.test").consecutiveFailures, 0);
}

TEST_P(DestinationQueuesTest, RedeliveredEventIsQueuedOnce) {
  rooms_.set(kRoom, {"b.test"});
  transport_.setDown("b.test", true);
  start();
  ASSERT_TRUE(service_->inputRoomEvents({output(kRoom, "$1", "@a:ours.test")}).ok());
  ASSERT_TRUE(service_->inputRoomEvents({output(kRoom, "$1", "@a:ours.test")}).ok());
  EXPECT_EQ(statsOf("b.test").pendingPdus, 1);
}

TEST_P(DestinationQueuesTest, StopReturnsWhileADestinationIsBackingOff) {
  rooms_.set(kRoom, {"b.test"});
  transport_.setDown("b.test", true);
  options_.backoffInitialMs = 3'600'000;
  options_.backoffMaxMs = 3'600'000;
  makeService();
  start();
  ASSERT_TRUE(service_->inputRoomEvents({output(kRoom, "$1", "@a:ours.test")}).ok());
  ASSERT_TRUE(eventually([&] { return statsOf("b.test").consecutiveFailures == 1; }));
  const auto begin = std::chrono::steady_clock::now();
  service_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(2));
}

TEST(BackoffPolicyTest, DoublesUpToTheCapWithEqualJitter) {
  BackoffPolicy p{2'000, 3'600'000};
  EXPECT_EQ(p.ceilingMs(0), 0);
  EXPECT_EQ(p.ceilingMs(1), 2'000);
  EXPECT_EQ(p.ceilingMs(2), 4'000);
  EXPECT_EQ(p.ceilingMs(11), 2'048'000);
  EXPECT_EQ(p.ceilingMs(12), 3'600'000);
  EXPECT_EQ(p.ceilingMs(1'000), 3'600'000);
  for (int n = 1; n < 20; ++n) {
    const std::int64_t c = p.ceilingMs(n);
    EXPECT_EQ(p.delayMs(n, 0.0), c / 2);
    EXPECT_LE(p.delayMs(n, 0.999999), c);
    EXPECT_GT(p.delayMs(n, 0.5), p.delayMs(n, 0.1));
  }
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(DestinationQueuesTest);

}  // namespace
}  // namespace plexus::federationsender
