// OutputRoomEvent's JSON schema: round trips and rejection of malformed payloads.
#include <gtest/gtest.h>

#include "roomserver/api/output.h"

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
