// Typing, receipts and read markers over HTTP, checked where clients see them: in /sync
// (ephemeral events and room account data), plus the errors for bad input.
#include "clientapi/test/room_test_fixture.h"

namespace plexus::clientapi::roomtest {
namespace {

class RoomEphemeralTest : public RoomApiTest {
 protected:
  void SetUp() override {
    RoomApiTest::SetUp();
    if (HasFatalFailure()) return;
    alice_ = registerUser("alice");
    bob_ = registerUser("bob");
    roomId_ = createRoom(alice_, json::Object{{"preset", "public_chat"}});
    ASSERT_EQ(join(bob_, roomId_).status, 200);
    eventId_ = send(alice_, roomId_, "read me");
    // sync-api learns of bob's join from the bus; receipts need it (clients too send receipts
    // only for events their /sync showed them).
    syncUntil(bob_, [&](const Reply& r) { return r.raw.find(eventId_) != std::string::npos; });
  }

  // The room's section in a /sync answer, or nullptr.
  const json::Value* joinedRoom(const Reply& r) const {
    const json::Value* rooms = r.get("rooms");
    const json::Value* join = rooms ? rooms->get("join") : nullptr;
    return join ? join->get(roomId_) : nullptr;
  }
  // The events of `section` ("ephemeral", "account_data") of type `type` in a /sync answer.
  std::vector<json::Value> eventsOf(const Reply& r, const std::string& section,
                                    const std::string& type) const {
    std::vector<json::Value> out;
    const json::Value* roomSection = joinedRoom(r);
    const json::Value* part = roomSection ? roomSection->get(section) : nullptr;
    const json::Value* events = part ? part->get("events") : nullptr;
    if (events == nullptr || events->getArray() == nullptr) return out;
    for (const auto& e : *events->getArray()) {
      if (e.getStringAt("type") == type) out.push_back(e);
    }
    return out;
  }
  // True when an m.receipt in the answer marks eventId_ read by `userId` with `receiptType`.
  bool hasReceipt(const Reply& r, const std::string& receiptType, const std::string& userId) const {
    for (const auto& e : eventsOf(r, "ephemeral", "m.receipt")) {
      const json::Value* forEvent = e.get("content") ? e.get("content")->get(eventId_) : nullptr;
      const json::Value* byType = forEvent ? forEvent->get(receiptType) : nullptr;
      if (byType && byType->get(userId)) return true;
    }
    return false;
  }

  TestUser alice_;
  TestUser bob_;
  std::string roomId_;
  std::string eventId_;
};

TEST_F(RoomEphemeralTest, TypingReachesOtherMembersSync) {
  Reply put = call("PUT", room(roomId_, "/typing/" + enc(alice_.userId)),
                   json::Object{{"typing", true}, {"timeout", 30000}}, alice_);
  ASSERT_EQ(put.status, 200) << put.raw;
  EXPECT_EQ(put.body, json::Value(json::Object{}));
  syncUntil(bob_, [&](const Reply& r) {
    for (const auto& e : eventsOf(r, "ephemeral", "m.typing")) {
      const json::Value* ids = e.get("content") ? e.get("content")->get("user_ids") : nullptr;
      if (ids && *ids == json::Value(json::Array{alice_.userId})) return true;
    }
    return false;
  });
}

TEST_F(RoomEphemeralTest, TypingRejectsOtherUsersAndBadBodies) {
  std::string path = room(roomId_, "/typing/" + enc(alice_.userId));
  Reply other = call("PUT", path, json::Object{{"typing", true}}, bob_);
  EXPECT_EQ(other.status, 403) << other.raw;
  EXPECT_EQ(call("PUT", path, json::Object{}, alice_).errcode(), "M_MISSING_PARAM");
  EXPECT_EQ(call("PUT", path, json::Object{{"typing", "yes"}}, alice_).errcode(), "M_BAD_JSON");
  EXPECT_EQ(call("PUT", path, json::Object{{"typing", true}, {"timeout", -1}}, alice_).errcode(),
            "M_INVALID_PARAM");
}

TEST_F(RoomEphemeralTest, ReadReceiptReachesOtherMembersSync) {
  Reply r = call("POST", room(roomId_, "/receipt/m.read/" + enc(eventId_)), json::Object{}, bob_);
  ASSERT_EQ(r.status, 200) << r.raw;
  syncUntil(alice_, [&](const Reply& s) { return hasReceipt(s, "m.read", bob_.userId); });
}

TEST_F(RoomEphemeralTest, PrivateReceiptIsSeenByItsOwner) {
  Reply r =
      call("POST", room(roomId_, "/receipt/m.read.private/" + enc(eventId_)), json::Object{}, bob_);
  ASSERT_EQ(r.status, 200) << r.raw;
  syncUntil(bob_, [&](const Reply& s) { return hasReceipt(s, "m.read.private", bob_.userId); });
}

TEST_F(RoomEphemeralTest, ThreadedReceiptIsAccepted) {
  Reply r = call("POST", room(roomId_, "/receipt/m.read/" + enc(eventId_)),
                 json::Object{{"thread_id", "main"}}, bob_);
  EXPECT_EQ(r.status, 200) << r.raw;
  Reply bad = call("POST", room(roomId_, "/receipt/m.read/" + enc(eventId_)),
                   json::Object{{"thread_id", "sideways"}}, bob_);
  EXPECT_EQ(bad.errcode(), "M_INVALID_PARAM");
}

TEST_F(RoomEphemeralTest, ReceiptErrors) {
  Reply unknownType =
      call("POST", room(roomId_, "/receipt/m.seen/" + enc(eventId_)), json::Object{}, bob_);
  EXPECT_EQ(unknownType.status, 400);
  EXPECT_EQ(unknownType.errcode(), "M_INVALID_PARAM");
  Reply threadedFullyRead = call("POST", room(roomId_, "/receipt/m.fully_read/" + enc(eventId_)),
                                 json::Object{{"thread_id", "main"}}, bob_);
  EXPECT_EQ(threadedFullyRead.errcode(), "M_INVALID_PARAM");
  TestUser carol = registerUser("carol");
  Reply outsider =
      call("POST", room(roomId_, "/receipt/m.read/" + enc(eventId_)), json::Object{}, carol);
  EXPECT_EQ(outsider.status, 403) << outsider.raw;
}

TEST_F(RoomEphemeralTest, FullyReadReceiptSetsAccountData) {
  Reply r =
      call("POST", room(roomId_, "/receipt/m.fully_read/" + enc(eventId_)), json::Object{}, bob_);
  ASSERT_EQ(r.status, 200) << r.raw;
  auto stored =
      accounts_->queryAccountDataEntry(CallContext{}, bob_.userId, roomId_, "m.fully_read");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(*stored, (json::Object{{"event_id", eventId_}}));
}

TEST_F(RoomEphemeralTest, ReadMarkersSetFullyReadAndReceipt) {
  Reply r = call("POST", room(roomId_, "/read_markers"),
                 json::Object{{"m.fully_read", eventId_}, {"m.read", eventId_}}, bob_);
  ASSERT_EQ(r.status, 200) << r.raw;
  syncUntil(bob_, [&](const Reply& s) {
    for (const auto& e : eventsOf(s, "account_data", "m.fully_read")) {
      if (e.get("content") && e.get("content")->getStringAt("event_id") == eventId_) return true;
    }
    return false;
  });
  syncUntil(alice_, [&](const Reply& s) { return hasReceipt(s, "m.read", bob_.userId); });
}

TEST_F(RoomEphemeralTest, ReadMarkersWithAnUnknownEventChangeNothing) {
  Reply r = call("POST", room(roomId_, "/read_markers"),
                 json::Object{{"m.fully_read", eventId_}, {"m.read", "$unknown"}}, bob_);
  EXPECT_EQ(r.status, 404) << r.raw;
  auto stored =
      accounts_->queryAccountDataEntry(CallContext{}, bob_.userId, roomId_, "m.fully_read");
  EXPECT_FALSE(stored.ok());
  EXPECT_EQ(
      call("POST", room(roomId_, "/read_markers"), json::Object{{"m.read", 5}}, bob_).errcode(),
      "M_BAD_JSON");
  EXPECT_EQ(call("POST", room(roomId_, "/read_markers"), "", bob_.accessToken).errcode(),
            "M_NOT_JSON");
}

}  // namespace
}  // namespace plexus::clientapi::roomtest
