// Pure logic without a database: tokens, filters, the notifier. (Push rules are evaluated by
// accountsync/api/push_rule_evaluator.h, tested in services/accountsync/test/.)
#include <gtest/gtest.h>

#include <future>

#include "syncapi/impl/client_event.h"
#include "syncapi/impl/filter.h"
#include "syncapi/impl/notifier.h"
#include "syncapi/impl/tokens.h"

namespace plexus::syncapi {
namespace {

TEST(StreamTokenTest, RoundTripsAndRejectsGarbage) {
  StreamToken t{42, 7};
  auto back = StreamToken::parse(t.toString());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->stream, 42);
  EXPECT_EQ(back->typing, 7);
  EXPECT_EQ(StreamToken::parse("s5")->stream, 5);
  // /messages tokens may point into backfilled history below 0 (down to kTimelineFloor).
  EXPECT_EQ(StreamToken::parseHistory("s-5_2")->stream, -5);
  EXPECT_FALSE(StreamToken::parse("s-5_2").ok());
  std::string belowFloor = "s" + std::to_string(kTimelineFloor - 1);
  EXPECT_FALSE(StreamToken::parseHistory(belowFloor).ok());
  for (const char* bad : {"", "s", "x5", "s5_", "s_5", "s-", "s-5", "s5_-1",
                          "s99999999999999999999", "s5_6_7"}) {
    EXPECT_FALSE(StreamToken::parse(bad).ok()) << bad;
  }
}

TEST(FilterTest, ParsesAndMatchesWithWildcards) {
  auto parsed = parseFilter(json::Object{
      {"room", json::Object{{"timeline", json::Object{{"types", json::Array{"m.room.*"}},
                                                      {"not_senders", json::Array{"@spam:x"}},
                                                      {"limit", 5}}},
                            {"not_rooms", json::Array{"!no:x"}}}}});
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->timeline.limit, 5);
  EXPECT_TRUE(parsed->timeline.matches("m.room.message", "@a:x"));
  EXPECT_FALSE(parsed->timeline.matches("m.reaction", "@a:x"));
  EXPECT_FALSE(parsed->timeline.matches("m.room.message", "@spam:x"));
  EXPECT_FALSE(parsed->allowsRoom("!no:x"));
  EXPECT_TRUE(parsed->allowsRoom("!yes:x"));
  EXPECT_FALSE(parseFilter(json::Object{{"room", json::Object{{"timeline", json::Object{{"limit", "5"}}}}}}).ok());
  EXPECT_FALSE(parseFilter(json::Object{{"event_format", "xml"}}).ok());
}

TEST(ClientEventTest, FormatsUnsignedAndAppliesEventFields) {
  StoredEvent e;
  e.roomId = "!r:x";
  e.eventId = "$e";
  e.type = "m.room.message";
  e.sender = "@a:x";
  e.originTs = 1000;
  e.json = R"({"content":{"body":"hi","msgtype":"m.text"},"depth":3,"room_id":"!r:x",)"
           R"("sender":"@a:x","type":"m.room.message","unsigned":{"age_ts":5}})";
  e.txnUser = "@a:x";
  e.txnDevice = "D";
  e.txnId = "t";
  ClientEventOptions opts;
  opts.userId = "@a:x";
  opts.deviceId = "D";
  opts.nowMs = 1500;
  json::Object c = toClientEvent(e, opts);
  EXPECT_EQ(json::Value(c).getStringAt("room_id"), "!r:x");
  EXPECT_FALSE(c.contains("depth"));
  const json::Value* u = c.find("unsigned");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->get("age")->getInt(), 500);
  EXPECT_EQ(u->getStringAt("transaction_id"), "t");
  EXPECT_FALSE(u->get("age_ts"));
  std::vector<std::string> fields{"type", "content.body"};
  opts.eventFields = &fields;
  json::Object trimmed = toClientEvent(e, opts);
  EXPECT_EQ(trimmed, (json::Object{{"content", json::Object{{"body", "hi"}}}, {"type", "m.room.message"}}));
  opts.eventFields = nullptr;
  opts.federationFormat = true;
  json::Object fed = toClientEvent(e, opts);
  EXPECT_EQ(fed.find("depth")->getInt(), 3);
}

TEST(NotifierTest, WakesParkedWaiterAndTimesOutOthers) {
  Notifier n(1);
  n.start();
  std::promise<bool> woken, timed;
  auto now = Notifier::Clock::now();
  n.park("@a:x", StreamToken{1, 0}, now + std::chrono::seconds(30),
         [&](bool t) { woken.set_value(t); });
  n.park("@b:x", StreamToken{1, 0}, now + std::chrono::milliseconds(20),
         [&](bool t) { timed.set_value(t); });
  n.notifyUsers({"@a:x"}, StreamToken{2, 0});
  auto wf = woken.get_future();
  auto tf = timed.get_future();
  ASSERT_EQ(wf.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_FALSE(wf.get());
  ASSERT_EQ(tf.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_TRUE(tf.get());
  // A waiter that saw less than the user's latest notification wakes at once.
  std::promise<bool> late;
  n.park("@a:x", StreamToken{1, 0}, now + std::chrono::seconds(30), [&](bool t) { late.set_value(t); });
  auto lf = late.get_future();
  ASSERT_EQ(lf.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(n.parkedCount(), 0u);
  n.stop();
}

}  // namespace
}  // namespace plexus::syncapi
