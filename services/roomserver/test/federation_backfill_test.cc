// performBackfill: after joining a room that another server hosts, the history from before the
// join is asked of that server (/backfill), checked like received PDUs and returned; forged
// history is left out.
#include <set>

#include "two_server_fixture.h"

namespace plexus::roomserver::testing {
namespace {

class FederationBackfillTest : public TwoServerTest {
 protected:
  // A public room on the remote server with `messages` messages, joined by alice from here.
  struct Joined {
    std::string roomId;
    std::string joinEventId;
    std::vector<std::string> messageIds;
  };
  Joined joinRemoteRoomWithHistory(int messages) {
    Joined out;
    CreateRoomRequest create;
    create.creator = kZed;
    create.preset = Preset::kPublicChat;
    auto created = remoteService_->performCreateRoom(ctx_, create);
    EXPECT_TRUE(created.ok()) << created.error().message;
    if (!created.ok()) return out;
    out.roomId = created->roomId;
    for (int i = 0; i < messages; ++i) {
      auto sent = remoteService_->performSendEvent(
          ctx_, {out.roomId, kZed, "m.room.message", std::nullopt,
                 json::Object{{"msgtype", "m.text"}, {"body", "old " + std::to_string(i)}},
                 std::nullopt});
      EXPECT_TRUE(sent.ok());
      if (sent.ok()) out.messageIds.push_back(sent->eventId);
    }
    auto joined = api().performJoin(ctx_, JoinRequest{out.roomId, kAlice, std::nullopt, {kRemote}});
    EXPECT_TRUE(joined.ok()) << joined.error().message;
    if (joined.ok()) out.joinEventId = joined->eventId;
    return out;
  }

  std::vector<std::string> prevsOf(const std::string& eventId) {
    auto e = api().queryEvent(ctx_, eventId);
    EXPECT_TRUE(e.ok());
    std::vector<std::string> out;
    if (e.ok())
      for (auto p : e->pdu.prevEvents()) out.emplace_back(p);
    return out;
  }
};

TEST_P(FederationBackfillTest, FetchesTheHistoryBeforeTheJoinFromTheResident) {
  startRemote();
  if (HasFatalFailure()) return;
  Joined room = joinRemoteRoomWithHistory(5);
  ASSERT_FALSE(room.joinEventId.empty());
  // Before backfill the messages are unknown here.
  auto before = api().queryEvents(ctx_, room.messageIds);
  ASSERT_TRUE(before.ok());
  EXPECT_TRUE(before->empty());

  auto history = api().performBackfill(ctx_, room.roomId, prevsOf(room.joinEventId), 50);
  ASSERT_TRUE(history.ok()) << history.error().message;
  std::set<std::string> got;
  for (const auto& e : *history) got.insert(e.pdu.eventId());
  for (const auto& id : room.messageIds) EXPECT_TRUE(got.contains(id)) << id;
  // Stored: later lookups find them without asking again.
  auto after = api().queryEvents(ctx_, room.messageIds);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), room.messageIds.size());
  // The limit bounds the answer.
  auto two = api().performBackfill(ctx_, room.roomId, prevsOf(room.joinEventId), 2);
  ASSERT_TRUE(two.ok());
  EXPECT_LE(two->size(), 2u);
}

TEST_P(FederationBackfillTest, ForgedHistoryIsLeftOut) {
  startRemote();
  if (HasFatalFailure()) return;
  Joined room = joinRemoteRoomWithHistory(2);
  ASSERT_FALSE(room.joinEventId.empty());
  // The resident answers with its history, one event of which someone tampered with.
  auto honest = federation_.backfill;
  federation_.backfill =
      [&](const std::string& destination,
          const federationsender::BackfillRequest& request) -> Result<std::vector<json::Object>> {
    PLEXUS_TRY(auto events, honest(destination, request));
    for (auto& e : events) {
      const json::Value* content = e.find("content");
      if (content && content->getObject() && content->getObject()->find("body")) {
        json::Object changed = *content->getObject();
        changed.set("body", "forged");
        e.set("content", std::move(changed));
        break;
      }
    }
    return events;
  };
  auto history = api().performBackfill(ctx_, room.roomId, prevsOf(room.joinEventId), 50);
  ASSERT_TRUE(history.ok()) << history.error().message;
  for (const auto& e : *history) {
    const json::Value* body = e.pdu.content().find("body");
    EXPECT_FALSE(body && body->getString() && *body->getString() == "forged");
  }
}

TEST_P(FederationBackfillTest, NoFromEventsIsInvalidAndUnknownRoomsAreNotFound) {
  auto none = api().performBackfill(ctx_, "!nowhere:remote.test", {}, 10);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kInvalidParam);
  auto unknown = api().performBackfill(ctx_, "!nowhere:remote.test", {"$x"}, 10);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(FederationBackfillTest);

}  // namespace
}  // namespace plexus::roomserver::testing
