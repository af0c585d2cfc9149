// SyncService and federation: the EDUs local users' typing, receipts, presence and to-device
// messages hand to the EduSink (with destinations from the member index, never our own
// server, never echoing what came from other servers), remote senders' to-device messages
// delivered locally, and /sync device_lists for remote users' device changes. SQLite and
// PostgreSQL.
#include <condition_variable>
#include <mutex>

#include "service_fixture.h"

namespace plexus::syncapi::testing {
namespace {

const std::string kAlice = "@alice:test";
const std::string kBob = "@bob:test";
const std::string kRita = "@rita:remote.org";
const std::string kRon = "@ron:remote.org";
const std::string kSam = "@sam:other.org";

class RecordingEduSink final : public EduSink {
 public:
  struct Sent {
    std::vector<std::string> destinations;
    std::string type;
    json::Object content;
  };
  Status sendEdu(const CallContext&, const std::vector<std::string>& destinations,
                 const std::string& type, const json::Object& content) override {
    std::lock_guard lock(mutex_);
    sent_.push_back({destinations, type, content});
    cv_.notify_all();
    return {};
  }
  // Waits (at most 5 s) until something was sent, then takes it.
  std::vector<Sent> waitAndTake() {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, std::chrono::seconds(5), [&] { return !sent_.empty(); });
    return std::exchange(sent_, {});
  }
  std::vector<Sent> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(sent_, {});
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Sent> sent_;
};

class OutboundEduTest : public SyncServiceTest {
 protected:
  EduSink* eduSink() override { return &sink_; }

  // alice and bob (local), rita (remote.org) and sam (other.org) joined.
  TestRoom federatedRoom() {
    TestRoom room = makeRoom("!fed:test", true);
    feed(room.member(kRita, "join"));
    feed(room.member(kSam, "join"));
    return room;
  }

  RecordingEduSink sink_;
};

const std::vector<std::string> kBothServers = {"other.org", "remote.org"};

TEST_P(OutboundEduTest, LocalTypingGoesToTheRoomsServers) {
  TestRoom room = federatedRoom();
  sink_.take();
  TypingRequest typing{room.roomId(), kAlice, true, 30000};
  ASSERT_TRUE(sync_->performTyping(CallContext{}, typing).ok());
  auto sent = sink_.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].type, "m.typing");
  EXPECT_EQ(sent[0].destinations, kBothServers);
  EXPECT_EQ(*sent[0].content.find("room_id")->getString(), room.roomId());
  EXPECT_EQ(*sent[0].content.find("user_id")->getString(), kAlice);
  EXPECT_EQ(sent[0].content.find("typing")->getBool(), true);

  // A remote user's typing (an EDU that came in) is not sent on.
  ASSERT_TRUE(sync_->performTyping(CallContext{}, TypingRequest{room.roomId(), kRita, true}).ok());
  EXPECT_TRUE(sink_.take().empty());

  // A room of local users only has nobody to tell.
  TestRoom local = makeRoom("!local:test", true);
  ASSERT_TRUE(sync_->performTyping(CallContext{}, TypingRequest{local.roomId(), kBob, true}).ok());
  EXPECT_TRUE(sink_.take().empty());
}

TEST_P(OutboundEduTest, ExpiredLocalTypingIsSentAsStopped) {
  TestRoom room = federatedRoom();
  ASSERT_TRUE(
      sync_->performTyping(CallContext{}, TypingRequest{room.roomId(), kAlice, true, 50}).ok());
  ASSERT_TRUE(
      sync_->performTyping(CallContext{}, TypingRequest{room.roomId(), kRita, true, 50}).ok());
  sink_.take();
  clockMs_ += 60;
  // The expiry timer runs on the notifier's thread (its real delay is ~50 ms).
  auto sent = sink_.waitAndTake();
  ASSERT_EQ(sent.size(), 1u);  // alice only: rita's server times her out itself
  EXPECT_EQ(sent[0].type, "m.typing");
  EXPECT_EQ(*sent[0].content.find("user_id")->getString(), kAlice);
  EXPECT_EQ(sent[0].content.find("typing")->getBool(), false);
  EXPECT_EQ(sent[0].destinations, kBothServers);
}

TEST_P(OutboundEduTest, PublicReceiptsOfLocalUsersAreSent) {
  TestRoom room = federatedRoom();
  auto message = room.message(kRita, "hi");
  feed(message);
  sink_.take();
  ReceiptRequest receipt;
  receipt.roomId = room.roomId();
  receipt.userId = kAlice;
  receipt.receiptType = "m.read";
  receipt.eventId = message.eventId;
  receipt.threadId = "main";
  receipt.ts = 1700000123456;
  ASSERT_TRUE(sync_->performReceipt(CallContext{}, receipt).ok());
  auto sent = sink_.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].type, "m.receipt");
  EXPECT_EQ(sent[0].destinations, kBothServers);
  json::Value content(sent[0].content);
  const json::Value* r = at(content, {room.roomId(), "m.read", kAlice});
  ASSERT_NE(r, nullptr);
  ASSERT_TRUE(r->get("event_ids") && r->get("event_ids")->isArray());
  EXPECT_EQ(*r->get("event_ids")->getArray()->front().getString(), message.eventId);
  EXPECT_EQ(at(*r, {"data", "ts"})->getInt(), 1700000123456);
  EXPECT_EQ(*at(*r, {"data", "thread_id"})->getString(), "main");

  // Private receipts stay here; remote users' receipts are not echoed.
  receipt.receiptType = "m.read.private";
  ASSERT_TRUE(sync_->performReceipt(CallContext{}, receipt).ok());
  receipt.receiptType = "m.read";
  receipt.userId = kRita;
  ASSERT_TRUE(sync_->performReceipt(CallContext{}, receipt).ok());
  EXPECT_TRUE(sink_.take().empty());
}

TEST_P(OutboundEduTest, LocalPresenceGoesToServersSharingARoom) {
  federatedRoom();
  sink_.take();
  ASSERT_TRUE(sync_->performSetPresence(CallContext{}, kAlice, "unavailable", "lunch").ok());
  auto sent = sink_.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].type, "m.presence");
  EXPECT_EQ(sent[0].destinations, kBothServers);
  const json::Array* push = sent[0].content.find("push")->getArray();
  ASSERT_TRUE(push && push->size() == 1u);
  const json::Value& update = push->front();
  EXPECT_EQ(*update.getStringAt("user_id"), kAlice);
  EXPECT_EQ(*update.getStringAt("presence"), "unavailable");
  EXPECT_EQ(*update.getStringAt("status_msg"), "lunch");
  EXPECT_EQ(update.get("currently_active")->getBool(), false);
  EXPECT_EQ(update.get("last_active_ago")->getInt(), 0);

  ASSERT_TRUE(sync_->performSetPresence(CallContext{}, kRita, "online", std::nullopt).ok());
  EXPECT_TRUE(sink_.take().empty());
}

TEST_P(OutboundEduTest, ToDeviceForRemoteUsersIsOneEduPerServer) {
  federatedRoom();
  sink_.take();
  SendToDeviceRequest request;
  request.senderUserId = kAlice;
  request.senderDeviceId = "ALICE1";
  request.type = "m.room_key_request";
  request.txnId = "t1";
  request.messages = json::Object{{kBob, json::Object{{"BOB1", json::Object{{"n", 1}}}}},
                                  {kRita, json::Object{{"*", json::Object{{"n", 2}}}}},
                                  {kRon, json::Object{{"R1", json::Object{{"n", 3}}}}},
                                  {kSam, json::Object{{"S1", json::Object{{"n", 4}}}}}};
  ASSERT_TRUE(sync_->performSendToDevice(CallContext{}, request).ok());
  auto sent = sink_.take();
  ASSERT_EQ(sent.size(), 2u);
  std::map<std::string, json::Object> byServer;
  for (const auto& s : sent) {
    EXPECT_EQ(s.type, "m.direct_to_device");
    ASSERT_EQ(s.destinations.size(), 1u);
    byServer[s.destinations[0]] = s.content;
  }
  ASSERT_TRUE(byServer.contains("remote.org") && byServer.contains("other.org"));
  const json::Object& remote = byServer["remote.org"];
  EXPECT_EQ(*remote.find("sender")->getString(), kAlice);
  EXPECT_EQ(*remote.find("type")->getString(), "m.room_key_request");
  const std::string messageId = *remote.find("message_id")->getString();
  EXPECT_FALSE(messageId.empty());
  EXPECT_LE(messageId.size(), 32u);
  const json::Object* messages = remote.find("messages")->getObject();
  ASSERT_NE(messages, nullptr);
  EXPECT_TRUE(messages->contains(kRita));
  EXPECT_TRUE(messages->contains(kRon));
  EXPECT_FALSE(messages->contains(kBob));
  json::Value ritaMessages(*messages->find(kRita));
  EXPECT_NE(ritaMessages.get("*"), nullptr);  // "*" is for the recipient's server to expand
  EXPECT_TRUE(byServer["other.org"].find("messages")->getObject()->contains(kSam));

  // Bob (local) gets his message; the retried transaction sends nothing again.
  auto bobSync = sync(kBob, "BOB1");
  EXPECT_EQ(array(bobSync, {"to_device", "events"}).size(), 1u);
  sink_.take();  // bob's /sync made him online: an m.presence EDU
  ASSERT_TRUE(sync_->performSendToDevice(CallContext{}, request).ok());
  EXPECT_TRUE(sink_.take().empty());
}

TEST_P(OutboundEduTest, RemoteSendersToDeviceIsDeliveredLocallyOnly) {
  federatedRoom();
  sink_.take();
  // What federation-api hands over for an inbound m.direct_to_device.
  SendToDeviceRequest request;
  request.senderUserId = kRita;
  request.type = "m.room.encrypted";
  request.txnId = "federation:m1";
  request.messages = json::Object{{kBob, json::Object{{"*", json::Object{{"ciphertext", "x"}}}}}};
  ASSERT_TRUE(sync_->performSendToDevice(CallContext{}, request).ok());
  EXPECT_TRUE(sink_.take().empty());
  for (const std::string device : {"BOB1", "BOB2"}) {
    auto events = array(sync(kBob, device), {"to_device", "events"});
    ASSERT_EQ(events.size(), 1u) << device;
    EXPECT_EQ(*events[0].getStringAt("sender"), kRita);
    EXPECT_EQ(*events[0].getStringAt("type"), "m.room.encrypted");
  }
  // The same message_id again is delivered once.
  ASSERT_TRUE(sync_->performSendToDevice(CallContext{}, request).ok());
}

TEST_P(OutboundEduTest, RemoteDeviceChangesReachDeviceListsOfUsersSharingARoom) {
  federatedRoom();
  auto first = sync(kAlice, "ALICE1");
  const std::string since = *first.find("next_batch")->getString();
  ASSERT_TRUE(sync_->inputDeviceListChange(CallContext{}, kRita).ok());
  // Someone nobody here shares a room with stays out.
  ASSERT_TRUE(sync_->inputDeviceListChange(CallContext{}, "@zed:remote.org").ok());
  auto next = sync(kAlice, "ALICE1", since);
  auto changed = array(next, {"device_lists", "changed"});
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(*changed[0].getString(), kRita);
  auto keyChanges =
      sync_->queryKeyChanges(CallContext{}, kAlice, since, *next.find("next_batch")->getString());
  ASSERT_TRUE(keyChanges.ok());
  EXPECT_EQ(keyChanges->changed, (std::vector<std::string>{kRita}));
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(OutboundEduTest);

}  // namespace
}  // namespace plexus::syncapi::testing
