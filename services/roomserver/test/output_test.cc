// OutputRoomEvent's JSON schema: round trips and rejection of malformed payloads.
#include "roomserver/api/output.h"

#include <gtest/gtest.h>

#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::roomserver {
namespace {

TEST(OutputRoomEventTest, RoundTripsEveryField) {
  OutputRoomEvent out;
  out.kind = OutputRoomEvent::Kind::kRedaction;
  out.roomId = "!r:x";
  out.roomVersion = "12";
  out.eventId = "$e";
  out.event = json::Object{{"type", "m.room.message"}};
  out.addsStateEventIds = {"$a"};
  out.removesStateEventIds = {"$b", "$c"};
  out.transaction = TransactionRef{"@u:x", "DEV", "t1"};
  out.redactsEventId = "$target";
  auto back = OutputRoomEvent::fromJson(out.toJson());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->kind, out.kind);
  EXPECT_EQ(back->roomId, out.roomId);
  EXPECT_EQ(back->roomVersion, out.roomVersion);
  EXPECT_EQ(back->eventId, out.eventId);
  EXPECT_EQ(back->event, out.event);
  EXPECT_EQ(back->addsStateEventIds, out.addsStateEventIds);
  EXPECT_EQ(back->removesStateEventIds, out.removesStateEventIds);
  ASSERT_TRUE(back->transaction.has_value());
  EXPECT_EQ(back->transaction->deviceId, "DEV");
  EXPECT_EQ(back->redactsEventId, "$target");
  EXPECT_EQ(back->key(), "!r:x");
}

TEST(OutputRoomEventTest, RoundTripsEveryKind) {
  using Kind = OutputRoomEvent::Kind;
  for (Kind kind :
       {Kind::kNewRoomEvent, Kind::kRedaction, Kind::kPurgeRoom, Kind::kInvite, Kind::kKnock}) {
    OutputRoomEvent out;
    out.kind = kind;
    out.roomId = "!r:x";
    auto back = OutputRoomEvent::fromJson(out.toJson());
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->kind, kind);
  }
}

// encode() (what the roomserver enqueues) decodes to the same message, whether the event comes
// as an object or as canonical text spliced in.
TEST(OutputRoomEventTest, EncodedTextDecodesToTheSameMessage) {
  OutputRoomEvent out;
  out.roomId = "!r:x";
  out.roomVersion = "10";
  out.eventId = "$e";
  out.addsStateEventIds = {"$a"};
  json::Object event{{"type", "m.room.message"},
                     {"content", json::Object{{"body", "quote \" and \\ and \u00e9"}}}};
  for (bool spliced : {false, true}) {
    OutputRoomEvent copy = out;
    if (spliced) {
      copy.encodedEvent = json::canonical(event);
    } else {
      copy.event = event;
    }
    auto parsed = json::parseObject(copy.encode());
    ASSERT_TRUE(parsed.ok()) << copy.encode();
    auto back = OutputRoomEvent::fromJson(*parsed);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->event, event);
    EXPECT_EQ(back->eventId, "$e");
    EXPECT_EQ(back->addsStateEventIds, out.addsStateEventIds);
    EXPECT_EQ(copy.toJson(), *parsed);
  }
}

TEST(OutputRoomEventTest, RejectsMalformedPayloads) {
  EXPECT_FALSE(OutputRoomEvent::fromJson(json::Object{}).ok());
  EXPECT_FALSE(OutputRoomEvent::fromJson(json::Object{{"kind", "what"}, {"room_id", "!r"}}).ok());
  EXPECT_FALSE(OutputRoomEvent::fromJson(
                   json::Object{{"kind", "new_room_event"}, {"room_id", "!r"}, {"event", 1}})
                   .ok());
  EXPECT_FALSE(OutputRoomEvent::fromJson(json::Object{{"kind", "new_room_event"},
                                                      {"room_id", "!r"},
                                                      {"adds_state_event_ids", json::Array{1}}})
                   .ok());
  EXPECT_FALSE(OutputRoomEvent::fromJson(json::Object{
                   {"kind", "new_room_event"}, {"room_id", "!r"}, {"transaction", json::Object{}}})
                   .ok());
}

}  // namespace
}  // namespace plexus::roomserver
