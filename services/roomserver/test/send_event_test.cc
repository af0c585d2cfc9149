// performSendEvent: messages, state events, auth refusals, transaction idempotency and the bus
// output (order, state changes, transaction echo).
#include <set>

#include "roomserver_fixture.h"

namespace plexus::roomserver::testing {
namespace {

class SendEventTest : public RoomserverTest {};

TEST_P(SendEventTest, SendsAMessageThatIsStoredSignedAndPublished) {
  std::string roomId = createRoom(Preset::kPublicChat);
  std::size_t before = waitForOutputs(5).size();
  auto sent = sendMessage(roomId, kAlice, "hello");
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  auto event = api().queryEvent(ctx_, sent->eventId);
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->pdu.type(), "m.room.message");
  EXPECT_EQ(event->pdu.content().find("body")->getString()->c_str(), std::string("hello"));
  EXPECT_TRUE(events::checkEventIntegrity(event->pdu, keys()).ok());
  auto outputs = waitForOutputs(before + 1);
  ASSERT_EQ(outputs.size(), before + 1);
  EXPECT_EQ(outputs.back().eventId, sent->eventId);
  EXPECT_EQ(outputs.back().kind, OutputRoomEvent::Kind::kNewRoomEvent);
  EXPECT_TRUE(outputs.back().addsStateEventIds.empty());
  EXPECT_EQ(outputs.back().roomVersion, "12");
}

TEST_P(SendEventTest, StateEventReplacesCurrentStateAndReportsTheChange) {
  CreateRoomRequest r;
  r.creator = kAlice;
  r.name = "First";
  std::string roomId = createRoom(r);
  auto oldName = api().queryStateEvent(ctx_, roomId, "m.room.name", "");
  ASSERT_TRUE(oldName.ok());
  std::size_t before = waitForOutputs(7).size();  // a private room with a name: 7 events
  SendEventRequest s{roomId, kAlice, "m.room.name", std::string(), json::Object{{"name", "Second"}}, {}};
  auto sent = api().performSendEvent(ctx_, s);
  ASSERT_TRUE(sent.ok());
  auto name = api().queryStateEvent(ctx_, roomId, "m.room.name", "");
  EXPECT_EQ(name->pdu.eventId(), sent->eventId);
  auto outputs = waitForOutputs(before + 1);
  ASSERT_EQ(outputs.size(), before + 1);
  EXPECT_EQ(outputs.back().addsStateEventIds, std::vector<std::string>{sent->eventId});
  EXPECT_EQ(outputs.back().removesStateEventIds, std::vector<std::string>{oldName->pdu.eventId()});
  // State before the new name event holds the old name; after holds the new one.
  auto at = api().queryStateAtEvent(ctx_, sent->eventId, StatePoint::kBefore);
  ASSERT_TRUE(at.ok());
  bool sawOld = false;
  for (const auto& e : *at) sawOld |= e.pdu.eventId() == oldName->pdu.eventId();
  EXPECT_TRUE(sawOld);
  auto after = api().queryStateAtEvent(ctx_, sent->eventId, StatePoint::kAfter);
  bool sawNew = false;
  for (const auto& e : *after) sawNew |= e.pdu.eventId() == sent->eventId;
  EXPECT_TRUE(sawNew);
  EXPECT_EQ(after->size(), at->size());
}

TEST_P(SendEventTest, RefusesEventsTheAuthRulesForbid) {
  std::string roomId = createRoom(Preset::kPublicChat);
  // Not joined.
  auto notJoined = sendMessage(roomId, kBob, "hi");
  ASSERT_FALSE(notJoined.ok());
  EXPECT_EQ(notJoined.error().code, ErrorCode::kForbidden);
  // Joined but without the power to change power levels.
  ASSERT_TRUE(api().performJoin(ctx_, {roomId, kBob, {}, {}}).ok());
  SendEventRequest s{roomId, kBob, "m.room.power_levels", std::string(),
                     json::Object{{"users", json::Object{{kBob, 100}}}}, {}};
  EXPECT_EQ(api().performSendEvent(ctx_, s).error().code, ErrorCode::kForbidden);
  EXPECT_TRUE(sendMessage(roomId, kBob, "hi").ok());
}

TEST_P(SendEventTest, UnknownRoomIsNotFound) {
  EXPECT_EQ(sendMessage("!nope:test.local", kAlice, "x").error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(*api().queryRoomExists(ctx_, "!nope:test.local"));
}

TEST_P(SendEventTest, SameTransactionReturnsTheSameEvent) {
  std::string roomId = createRoom(Preset::kPublicChat);
  SendEventRequest s{roomId, kAlice, "m.room.message", std::nullopt,
                     json::Object{{"msgtype", "m.text"}, {"body", "once"}},
                     TransactionRef{kAlice, "DEVICE", "txn1"}};
  auto first = api().performSendEvent(ctx_, s);
  ASSERT_TRUE(first.ok());
  std::size_t count = waitForOutputs(6).size();
  auto second = api().performSendEvent(ctx_, s);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->eventId, second->eventId);
  // Another device with the same transaction ID sends a new event.
  s.transaction->deviceId = "OTHER";
  auto third = api().performSendEvent(ctx_, s);
  ASSERT_TRUE(third.ok());
  EXPECT_NE(third->eventId, first->eventId);
  auto outputs = waitForOutputs(count + 1);
  EXPECT_EQ(outputs.size(), count + 1);
  ASSERT_TRUE(outputs[count - 1].transaction.has_value());
  EXPECT_EQ(outputs[count - 1].transaction->transactionId, "txn1");
  EXPECT_EQ(outputs[count - 1].eventId, first->eventId);
}

TEST_P(SendEventTest, ServiceRestartContinuesTheDagFromStorage) {
  std::string roomId = createRoom(Preset::kPublicChat);
  auto first = sendMessage(roomId, kAlice, "before restart");
  ASSERT_TRUE(first.ok());
  service_ = std::make_unique<RoomserverService>(identity_, db(), *bus_, ProfileLookup{});
  ASSERT_TRUE(service_->start().ok());
  auto second = sendMessage(roomId, kAlice, "after restart");
  ASSERT_TRUE(second.ok());
  auto event = api().queryEvent(ctx_, second->eventId);
  ASSERT_EQ(event->pdu.prevEvents().size(), 1u);
  EXPECT_EQ(event->pdu.prevEvents()[0], first->eventId);
  expectValidEvents(roomId);
}

TEST_P(SendEventTest, OutputsComeInCommitOrderPerRoom) {
  std::string roomId = createRoom(Preset::kPublicChat);
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    auto sent = sendMessage(roomId, kAlice, std::to_string(i));
    ASSERT_TRUE(sent.ok());
    ids.push_back(sent->eventId);
  }
  auto outputs = waitForOutputs(25);
  ASSERT_EQ(outputs.size(), 25u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(outputs[5 + i].eventId, ids[i]);
}

TEST_P(SendEventTest, OversizedEventIsTooLargeAndNotStored) {
  std::string roomId = createRoom(Preset::kPublicChat);
  auto sent = sendMessage(roomId, kAlice, std::string(70000, 'x'));
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, ErrorCode::kTooLarge);
  EXPECT_EQ(api().queryLatestEvents(ctx_, roomId)->depth, 5);
}

TEST_P(SendEventTest, RedactionSentAsAnEventIsApplied) {
  std::string roomId = createRoom(Preset::kPublicChat, "11");
  auto target = sendMessage(roomId, kAlice, "gone soon");
  ASSERT_TRUE(target.ok());
  SendEventRequest s{roomId, kAlice, "m.room.redaction", std::nullopt,
                     json::Object{{"redacts", target->eventId}}, {}};
  auto sent = api().performSendEvent(ctx_, s);
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  EXPECT_EQ(api().queryEvent(ctx_, target->eventId)->redactedBecause, sent->eventId);
  s.content = json::Object{};
  EXPECT_EQ(api().performSendEvent(ctx_, s).error().code, ErrorCode::kInvalidParam);
}

TEST_P(SendEventTest, CreateEventCannotBeSentIntoARoom) {
  std::string roomId = createRoom(Preset::kPublicChat);
  SendEventRequest s{roomId, kAlice, "m.room.create", std::string(), json::Object{}, {}};
  EXPECT_EQ(api().performSendEvent(ctx_, s).error().code, ErrorCode::kForbidden);
}

TEST_P(SendEventTest, QueriesSelectStateAndWalkAuthChains) {
  std::string roomId = createRoom(Preset::kPublicChat, "11");
  ASSERT_TRUE(api().performJoin(ctx_, {roomId, kBob, {}, {}}).ok());
  auto members = api().queryCurrentState(ctx_, roomId, {StateSelector{"m.room.member", std::nullopt}});
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(members->size(), 2u);
  auto all = api().queryCurrentState(ctx_, roomId);
  EXPECT_EQ(all->size(), 6u);
  EXPECT_EQ(api().queryStateEvent(ctx_, roomId, "m.room.topic", "").error().code,
            ErrorCode::kNotFound);
  auto message = sendMessage(roomId, kBob, "hi");
  ASSERT_TRUE(message.ok());
  // A message's auth chain: create, power levels, Bob's join and what that join needed.
  auto chain = api().queryAuthChain(ctx_, {message->eventId});
  ASSERT_TRUE(chain.ok());
  std::set<std::string> types;
  for (const auto& e : *chain) types.insert(std::string(e.pdu.type()));
  EXPECT_EQ(types, (std::set<std::string>{"m.room.create", "m.room.power_levels",
                                          "m.room.member", "m.room.join_rules"}));
  EXPECT_EQ(api().queryAuthChain(ctx_, {"$missing"}).error().code, ErrorCode::kNotFound);
  auto events = api().queryEvents(ctx_, {message->eventId, "$missing", members->front().pdu.eventId()});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].pdu.eventId(), message->eventId);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(SendEventTest);

}  // namespace
}  // namespace plexus::roomserver::testing
