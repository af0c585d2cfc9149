// Client transaction IDs of performSendEvent: a repeated ID answers with its first event and
// stores and outputs nothing new, even when the send could no longer succeed (the sender left,
// the room is gone from the request, the type is refused).
#include "roomserver_fixture.h"

namespace plexus::roomserver::testing {
namespace {

class SendTransactionTest : public RoomserverTest {
 protected:
  SendEventRequest message(const std::string& roomId, const std::string& txn) {
    return SendEventRequest{roomId,
                            kAlice,
                            "m.room.message",
                            std::nullopt,
                            json::Object{{"msgtype", "m.text"}, {"body", "once"}},
                            TransactionRef{kAlice, "DEVICE", txn}};
  }
};

TEST_P(SendTransactionTest, ARepeatedTransactionAnswersItsEventAfterTheSenderLeft) {
  std::string roomId = createRoom(Preset::kPublicChat);
  auto first = api().performSendEvent(ctx_, message(roomId, "t1"));
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(api().performLeave(ctx_, roomId, kAlice, std::nullopt).ok());
  std::size_t outputs = waitForOutputs(7).size();  // 5 from createRoom, the message, the leave

  // Without the transaction ID the send is refused now; with it, the first answer comes back.
  SendEventRequest fresh = message(roomId, "t2");
  EXPECT_EQ(api().performSendEvent(ctx_, fresh).error().code, ErrorCode::kForbidden);
  auto again = api().performSendEvent(ctx_, message(roomId, "t1"));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->eventId, first->eventId);
  EXPECT_EQ(outputCount(), outputs);
}

TEST_P(SendTransactionTest, ARepeatedTransactionAnswersItsEventWhateverTheRequestNowSays) {
  std::string roomId = createRoom(Preset::kPublicChat);
  auto first = api().performSendEvent(ctx_, message(roomId, "t1"));
  ASSERT_TRUE(first.ok()) << first.error().message;
  SendEventRequest elsewhere = message("!nope:test.local", "t1");
  auto answered = api().performSendEvent(ctx_, elsewhere);
  ASSERT_TRUE(answered.ok()) << answered.error().message;
  EXPECT_EQ(answered->eventId, first->eventId);
  SendEventRequest create = message(roomId, "t1");
  create.type = "m.room.create";
  answered = api().performSendEvent(ctx_, create);
  ASSERT_TRUE(answered.ok()) << answered.error().message;
  EXPECT_EQ(answered->eventId, first->eventId);
  // A new ID still gets the refusals.
  elsewhere.transaction->transactionId = "t2";
  EXPECT_EQ(api().performSendEvent(ctx_, elsewhere).error().code, ErrorCode::kNotFound);
  create.transaction->transactionId = "t3";
  EXPECT_EQ(api().performSendEvent(ctx_, create).error().code, ErrorCode::kForbidden);
}

}  // namespace

PLEXUS_INSTANTIATE_DATABASE_TESTS(SendTransactionTest);

}  // namespace plexus::roomserver::testing
