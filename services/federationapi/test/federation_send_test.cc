// PUT /_matrix/federation/v1/send/{txnId}: authentication, limits, dedupe, grouping by room,
// per-PDU results, EDUs, and hostile input (bad JSON, oversized PDUs, unknown rooms, EDUs for
// other servers' users, origin mismatch).
#include "federation_routes_fixture.h"
#include "plexus/events/pdu.h"

namespace plexus::federationapi {
namespace {

using testing::FederationRoutesTest;

class FederationSendTest : public FederationRoutesTest {
 protected:
  void SetUp() override {
    FederationRoutesTest::SetUp();
    if (HasFatalFailure()) return;
    // The scripted roomserver input: accepts every event unless its content says "reject".
    rooms_->onInputEvents =
        [this](const std::string& roomId,
               const std::vector<roomserver::RoomserverApi::InputRoomEvent>& events)
        -> Result<std::vector<roomserver::RoomserverApi::InputEventResult>> {
      std::lock_guard lock(inputMutex_);
      std::vector<roomserver::RoomserverApi::InputEventResult> out;
      for (const auto& e : events) {
        inputs_.emplace_back(roomId, e.event);
        auto pdu = events::Pdu::fromJson(e.event, events::defaultRoomVersion());
        roomserver::RoomserverApi::InputEventResult r;
        if (pdu) r.eventId = pdu->eventId();
        if (e.event.find("content")->get("reject")) r.error = "rejected by the auth rules";
        out.push_back(std::move(r));
      }
      return out;
    };
    roomId_ = createPublicRoom(true);
  }

  json::Object pdu(const std::string& roomId, std::string body,
                   std::string sender = "@bob:remote.test") {
    return json::Object{{"room_id", roomId},
                        {"type", "m.room.message"},
                        {"sender", std::move(sender)},
                        {"content", json::Object{{"msgtype", "m.text"}, {"body", std::move(body)}}},
                        {"depth", 10},
                        // The event ID hashes the redacted event (no message content): make each
                        // PDU distinct.
                        {"origin_server_ts", 1000 + ++pduCounter_},
                        {"prev_events", json::Array{"$prev"}},
                        {"auth_events", json::Array{"$auth"}},
                        {"hashes", json::Object{{"sha256", "abc"}}},
                        {"signatures", json::Object{}}};
  }

  static std::string eventIdOf(const json::Object& pdu) {
    events::PduParseOptions options;
    options.enforceSizeLimit = false;
    return events::Pdu::fromJson(pdu, events::defaultRoomVersion(), options)->eventId();
  }

  json::Object txn(json::Array pdus, json::Array edus = {}, std::string origin = "remote.test") {
    return json::Object{{"origin", std::move(origin)},
                        {"origin_server_ts", 1000},
                        {"pdus", std::move(pdus)},
                        {"edus", std::move(edus)}};
  }

  static json::Object edu(std::string type, json::Object content) {
    return json::Object{{"edu_type", std::move(type)}, {"content", std::move(content)}};
  }

  const json::Object* results(const testing::Reply& reply) {
    const json::Value* pdus = reply.body.find("pdus");
    return pdus ? pdus->getObject() : nullptr;
  }

  int pduCounter_ = 0;
  std::mutex inputMutex_;
  std::vector<std::pair<std::string, json::Object>> inputs_;
  std::string roomId_;
};

TEST_F(FederationSendTest, AcceptsPdusAndAnswersPerEvent) {
  auto good = pdu(roomId_, "hello");
  auto bad = pdu(roomId_, "bad");
  bad["content"].getObject()->set("reject", true);
  auto reply = call("PUT", "/_matrix/federation/v1/send/t1", txn({good, bad}));
  ASSERT_EQ(reply.status, 200) << reply.raw;
  auto* r = results(reply);
  ASSERT_NE(r, nullptr);
  ASSERT_TRUE(r->find(eventIdOf(good)));
  EXPECT_TRUE(r->find(eventIdOf(good))->getObject()->empty()) << reply.raw;
  ASSERT_TRUE(r->find(eventIdOf(bad)));
  EXPECT_TRUE(r->find(eventIdOf(bad))->getStringAt("error"));
  ASSERT_EQ(inputs_.size(), 2u);
  EXPECT_EQ(inputs_[0].second.find("content")->getStringAt("body"), "hello");  // in order
}

TEST_F(FederationSendTest, RequiresXMatrixAuthentication) {
  auto request =
      testing::makeRequest("PUT", "/_matrix/federation/v1/send/t1", json::canonical(txn({})));
  auto reply = send(std::move(request));
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(reply.errcode(), "M_UNAUTHORIZED");
}

TEST_F(FederationSendTest, RejectsRequestSignedWithAnotherKey) {
  testing::FakeServer impostor;
  impostor.name = "remote.test";
  auto reply = call("PUT", "/_matrix/federation/v1/send/t1", txn({}), &impostor);
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(rooms_->inputEventsCalls.load(), 0);
}

TEST_F(FederationSendTest, RejectsBodyOriginDifferentFromXMatrixOrigin) {
  auto reply =
      call("PUT", "/_matrix/federation/v1/send/t1", txn({pdu(roomId_, "x")}, {}, "other.test"));
  EXPECT_EQ(reply.status, 403);
  EXPECT_EQ(reply.errcode(), "M_FORBIDDEN");
  EXPECT_EQ(rooms_->inputEventsCalls.load(), 0);
}

TEST_F(FederationSendTest, RejectsMoreThan50PdusOr100EdusWith400) {
  json::Array pdus;
  for (int i = 0; i < 51; ++i) pdus.emplace_back(pdu(roomId_, std::to_string(i)));
  auto reply = call("PUT", "/_matrix/federation/v1/send/t1", txn(pdus));
  EXPECT_EQ(reply.status, 400);
  json::Array edus;
  for (int i = 0; i < 101; ++i) edus.emplace_back(edu("m.unknown", {}));
  reply = call("PUT", "/_matrix/federation/v1/send/t2", txn({}, edus));
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(rooms_->inputEventsCalls.load(), 0);
}

TEST_F(FederationSendTest, RejectsBadJsonAndWrongShapes) {
  auto reply = call("PUT", "/_matrix/federation/v1/send/t1", std::string("{\"pdus\": [}"));
  EXPECT_EQ(reply.status, 400);
  reply = call("PUT", "/_matrix/federation/v1/send/t2", std::string("[1,2]"));
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.errcode(), "M_BAD_JSON");
  reply = call("PUT", "/_matrix/federation/v1/send/t3",
               json::Object{{"origin", "remote.test"}, {"origin_server_ts", 1}, {"pdus", "no"}});
  EXPECT_EQ(reply.status, 400);
}

TEST_F(FederationSendTest, RejectsBodiesOverTheTransactionLimit) {
  routes_.reset();
  http::Router router;
  FederationDeps deps;
  deps.serverName = testing::kUs;
  deps.keys = cache_.get();
  deps.roomserver = rooms_.get();
  deps.limits.maxTransactionBytes = 1000;
  FederationRoutes small(std::move(deps));
  small.registerRoutes(router);
  auto big = pdu(roomId_, std::string(2000, 'x'));
  std::string body = json::canonical(txn({big}));
  auto request = testing::makeRequest("PUT", "/_matrix/federation/v1/send/t1", body);
  ASSERT_TRUE(http::parseTarget(request).ok());
  auto content = json::parse(body);
  auto auth =
      federation::signRequest("remote.test", testing::kUs, remote_.key.keyId, remote_.key.key,
                              "PUT", "/_matrix/federation/v1/send/t1", &*content);
  request.headers.add("Authorization", federation::formatXMatrix(auth));
  EXPECT_EQ(router.bodyLimit(request), 1000u);
  auto response = testing::dispatch(router, std::move(request));
  EXPECT_EQ(response.status, 413);
}

// The route hands a room's PDUs to the roomserver unparsed; the real roomserver names each one
// and refuses the oversized one by itself (the others here fail later checks: unsigned).
TEST_F(FederationSendTest, OversizedPduGetsAnErrorEntryOthersGoThrough) {
  rooms_->onInputEvents = nullptr;
  auto big = pdu(roomId_, std::string(70000, 'x'));
  auto small = pdu(roomId_, "fine");
  auto reply = call("PUT", "/_matrix/federation/v1/send/t1", txn({big, small}));
  ASSERT_EQ(reply.status, 200) << reply.raw;
  auto* r = results(reply);
  ASSERT_TRUE(r && r->find(eventIdOf(big))) << reply.raw;
  ASSERT_TRUE(r->find(eventIdOf(big))->getStringAt("error")) << reply.raw;
  EXPECT_NE(r->find(eventIdOf(big))->getStringAt("error")->find("65536"), std::string::npos);
  ASSERT_TRUE(r->find(eventIdOf(small))) << reply.raw;
  EXPECT_EQ(r->find(eventIdOf(small))->getStringAt("error")->find("65536"), std::string::npos);
  EXPECT_EQ(rooms_->inputEventsCalls.load(), 1);
}

TEST_F(FederationSendTest, PdusWithBadShapeOrUnknownRoomDoNotFailTheTransaction) {
  auto noRoom = pdu(roomId_, "x");
  noRoom.erase("room_id");
  auto badShape = pdu(roomId_, "y");
  badShape.set("depth", "deep");
  auto unknownRoom = pdu("!nowhere:elsewhere.test", "z");
  auto good = pdu(roomId_, "fine");
  auto reply =
      call("PUT", "/_matrix/federation/v1/send/t1", txn({noRoom, badShape, unknownRoom, good}));
  ASSERT_EQ(reply.status, 200) << reply.raw;
  auto* r = results(reply);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->find(eventIdOf(good)));
  // Without a room (or in a room we do not know) a PDU cannot even be named: dropped here. The
  // badly shaped one is the roomserver's to refuse.
  ASSERT_EQ(inputs_.size(), 2u);
  EXPECT_EQ(inputs_[0].second.find("content")->getStringAt("body"), "y");
  EXPECT_EQ(inputs_[1].second.find("content")->getStringAt("body"), "fine");
}

TEST_F(FederationSendTest, ABadlyShapedPduIsRefusedByTheRoomserverAlone) {
  rooms_->onInputEvents = nullptr;
  auto badShape = pdu(roomId_, "y");
  badShape.set("depth", "deep");
  auto reply = call("PUT", "/_matrix/federation/v1/send/t1", txn({badShape}));
  ASSERT_EQ(reply.status, 200) << reply.raw;
  auto* r = results(reply);
  ASSERT_TRUE(r);
  for (const auto& [id, entry] : *r) EXPECT_TRUE(entry.getStringAt("error")) << reply.raw;
}

TEST_F(FederationSendTest, RoomserverFailureBecomesErrorEntries) {
  rooms_->onInputEvents =
      [](const std::string&,
         const auto&) -> Result<std::vector<roomserver::RoomserverApi::InputEventResult>> {
    return fail(ErrorCode::kUnavailable, "storage trouble");
  };
  auto p = pdu(roomId_, "x");
  auto reply = call("PUT", "/_matrix/federation/v1/send/t1", txn({p}));
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(results(reply)->find(eventIdOf(p))->getStringAt("error"), "storage trouble");
}

TEST_F(FederationSendTest, GroupsPdusByRoomEachRoomInOrder) {
  std::string second = createPublicRoom(true);
  auto a1 = pdu(roomId_, "a1"), b1 = pdu(second, "b1"), a2 = pdu(roomId_, "a2"),
       b2 = pdu(second, "b2");
  auto reply = call("PUT", "/_matrix/federation/v1/send/t1", txn({a1, b1, a2, b2}));
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(results(reply)->size(), 4u) << reply.raw;
  EXPECT_EQ(rooms_->inputEventsCalls.load(), 2);
  std::vector<std::string> firstRoom;
  for (const auto& [room, e] : inputs_)
    if (room == roomId_) firstRoom.emplace_back(*e.find("content")->getStringAt("body"));
  EXPECT_EQ(firstRoom, (std::vector<std::string>{"a1", "a2"}));
}

TEST_F(FederationSendTest, RepeatedTxnIdGetsTheFirstAnswerWithoutReprocessing) {
  auto p = pdu(roomId_, "once");
  auto first = call("PUT", "/_matrix/federation/v1/send/t1", txn({p}));
  auto again = call("PUT", "/_matrix/federation/v1/send/t1", txn({p}));
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(again.raw, first.raw);
  EXPECT_EQ(rooms_->inputEventsCalls.load(), 1);
  // The same txnId from another server is its own transaction.
  auto fromOther = call("PUT", "/_matrix/federation/v1/send/t1",
                        txn({pdu(roomId_, "other", "@eve:other.test")}, {}, "other.test"), &other_);
  EXPECT_EQ(fromOther.status, 200);
  EXPECT_EQ(rooms_->inputEventsCalls.load(), 2);
}

TEST_F(FederationSendTest, ServerAclDeniedOriginGetsErrorsForThatRoom) {
  roomserver::SendEventRequest acl;
  acl.roomId = roomId_;
  acl.sender = testing::kAlice;
  acl.type = "m.room.server_acl";
  acl.stateKey = "";
  acl.content = json::Object{{"allow", json::Array{"*"}}, {"deny", json::Array{"remote.test"}}};
  ASSERT_TRUE(real_->performSendEvent(ctx_, acl).ok());
  auto p = pdu(roomId_, "x");
  auto typing =
      edu("m.typing",
          json::Object{{"room_id", roomId_}, {"user_id", "@bob:remote.test"}, {"typing", true}});
  auto reply = call("PUT", "/_matrix/federation/v1/send/t1", txn({p}, {typing}));
  ASSERT_EQ(reply.status, 200);
  EXPECT_TRUE(results(reply)->find(eventIdOf(p))->getStringAt("error"));
  EXPECT_EQ(rooms_->inputEventsCalls.load(), 0);
  EXPECT_TRUE(sync_.typing.empty());
}

TEST_F(FederationSendTest, EdusForTheOriginsUsersReachSyncApi) {
  json::Array edus{
      edu("m.typing",
          json::Object{{"room_id", roomId_}, {"user_id", "@bob:remote.test"}, {"typing", true}}),
      edu("m.receipt",
          json::Object{
              {roomId_,
               json::Object{
                   {"m.read", json::Object{{"@bob:remote.test",
                                            json::Object{{"event_ids", json::Array{"$e1"}},
                                                         {"data", json::Object{{"ts", 5}}}}}}}}}}),
      edu("m.presence",
          json::Object{{"push", json::Array{json::Object{{"user_id", "@bob:remote.test"},
                                                         {"presence", "online"},
                                                         {"last_active_ago", 10}}}}}),
      edu("m.direct_to_device",
          json::Object{
              {"sender", "@bob:remote.test"},
              {"type", "m.room_key_request"},
              {"message_id", "m1"},
              {"messages",
               json::Object{{testing::kAlice, json::Object{{"DEV", json::Object{{"k", 1}}}}},
                            {"@carol:elsewhere.test", json::Object{{"D", json::Object{}}}}}}}),
      edu("m.device_list_update",
          json::Object{{"user_id", "@bob:remote.test"}, {"device_id", "D"}, {"stream_id", 1}}),
      edu("m.signing_key_update", json::Object{{"user_id", "@bob:remote.test"}}),
      edu("m.something_new", json::Object{})};
  auto reply = call("PUT", "/_matrix/federation/v1/send/t1", txn({}, edus));
  ASSERT_EQ(reply.status, 200) << reply.raw;
  ASSERT_EQ(sync_.typing.size(), 1u);
  EXPECT_TRUE(sync_.typing[0].typing);
  ASSERT_EQ(sync_.receipts.size(), 1u);
  EXPECT_EQ(sync_.receipts[0].eventId, "$e1");
  EXPECT_EQ(sync_.receipts[0].ts, 5);
  ASSERT_EQ(sync_.presence.size(), 1u);
  ASSERT_EQ(sync_.toDevice.size(), 1u);
  EXPECT_EQ(sync_.toDevice[0].txnId, "federation:m1");
  EXPECT_EQ(sync_.toDevice[0].messages.size(), 1u);  // only our user
  EXPECT_TRUE(sync_.toDevice[0].messages.find(testing::kAlice));
  // Without a keyserver, device-list and signing-key updates only tell sync-api that the list
  // changed (with one, the keyserver applies them and tells sync-api through the bus: the
  // federation integration test's new-device step).
  EXPECT_EQ(sync_.deviceListChanges.size(), 2u);
}

TEST_F(FederationSendTest, EdusClaimingOtherServersUsersAreDropped) {
  json::Array edus{
      edu("m.typing",
          json::Object{{"room_id", roomId_}, {"user_id", testing::kAlice}, {"typing", true}}),
      edu("m.receipt",
          json::Object{
              {roomId_,
               json::Object{
                   {"m.read", json::Object{{"@eve:other.test",
                                            json::Object{{"event_ids", json::Array{"$e1"}}}}}}}}}),
      edu("m.presence",
          json::Object{{"push", json::Array{json::Object{{"user_id", "@eve:other.test"},
                                                         {"presence", "online"}}}}}),
      edu("m.direct_to_device",
          json::Object{{"sender", "@eve:other.test"},
                       {"type", "m.x"},
                       {"message_id", "m1"},
                       {"messages", json::Object{{testing::kAlice, json::Object{}}}}}),
      edu("m.device_list_update", json::Object{{"user_id", testing::kAlice}}),
      edu("m.typing", json::Object{{"room_id", 5}}),
      edu("m.receipt", json::Object{{"x", "not an object"}}),
      json::Object{{"edu_type", "m.typing"}, {"content", "string"}}};
  auto reply = call("PUT", "/_matrix/federation/v1/send/t1", txn({}, edus));
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_TRUE(sync_.typing.empty());
  EXPECT_TRUE(sync_.receipts.empty());
  EXPECT_TRUE(sync_.presence.empty());
  EXPECT_TRUE(sync_.toDevice.empty());
  EXPECT_TRUE(sync_.deviceListChanges.empty());
}

TEST_F(FederationSendTest, HostilePduShapesNeverFailTheTransaction) {
  std::vector<json::Object> hostile;
  auto base = pdu(roomId_, "x");
  auto with = [&](std::string key, json::Value value) {
    json::Object o = base;
    o.set(std::move(key), std::move(value));
    hostile.push_back(std::move(o));
  };
  with("room_id", 42);
  with("room_id", std::string(10000, '!'));
  with("content", json::Array{1, 2});
  with("prev_events", json::Object{});
  with("auth_events", json::Array{json::Array{}});
  with("sender", "not-a-user");
  with("type", json::Value(nullptr));
  with("hashes", "none");
  with("signatures", json::Array{});
  json::Array pdus;
  for (auto& h : hostile) pdus.emplace_back(std::move(h));
  auto reply = call("PUT", "/_matrix/federation/v1/send/hostile", txn(std::move(pdus)));
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_TRUE(reply.body.find("pdus")->isObject());

  // Bodies the strict parser refuses (too deep, integers over 2^53) are not JSON at all.
  std::string deep = "{\"origin\":\"remote.test\",\"origin_server_ts\":1,\"pdus\":[],\"x\":";
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  deep += "}";
  auto request = testing::makeRequest("PUT", "/_matrix/federation/v1/send/deep", deep);
  auto auth =
      federation::signRequest("remote.test", testing::kUs, remote_.key.keyId, remote_.key.key,
                              "PUT", "/_matrix/federation/v1/send/deep", nullptr);
  request.headers.add("Authorization", federation::formatXMatrix(auth));
  auto refused = send(std::move(request));
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.errcode(), "M_NOT_JSON");
  EXPECT_EQ(
      call("PUT", "/_matrix/federation/v1/send/big",
           std::string(
               R"({"origin":"remote.test","origin_server_ts":1,"pdus":[],"n":9007199254740993})"))
          .status,
      400);
}

TEST_F(FederationSendTest, UnknownFederationPathIs404Unrecognized) {
  auto reply = call("GET", "/_matrix/federation/v1/nonsense");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.errcode(), "M_UNRECOGNIZED");
}

// The cluster: EDUs are queued (the bus) instead of handled before /send answers.
class FederationQueuedEduTest : public FederationSendTest {
 protected:
  void configure(FederationDeps& deps) override {
    deps.queueEdu = [this](const std::string& origin, const json::Object& edu) -> Status {
      if (queueFails_) return fail(ErrorCode::kUnavailable, "bus down");
      std::lock_guard lock(queueMutex_);
      queued_.emplace_back(origin, edu);
      return {};
    };
  }
  json::Object typingEdu() const {
    return edu(
        "m.typing",
        json::Object{{"room_id", roomId_}, {"user_id", "@bob:remote.test"}, {"typing", true}});
  }

  std::mutex queueMutex_;
  std::vector<std::pair<std::string, json::Object>> queued_;
  bool queueFails_ = false;
};

TEST_F(FederationQueuedEduTest, SendQueuesEdusAndTheConsumerHandlesThem) {
  auto reply = call("PUT", "/_matrix/federation/v1/send/q1", txn({}, {typingEdu()}));
  ASSERT_EQ(reply.status, 200);
  EXPECT_TRUE(sync_.typing.empty()) << "not handled before /send answers";
  ASSERT_EQ(queued_.size(), 1u);
  EXPECT_EQ(queued_[0].first, "remote.test");
  // The consumer side: a service that is down makes the EDU come again; then it lands.
  sync_.typingUnavailable = true;
  EXPECT_EQ(routes_->handleQueuedEdu(queued_[0].first, queued_[0].second).error().code,
            ErrorCode::kUnavailable);
  EXPECT_TRUE(sync_.typing.empty());
  sync_.typingUnavailable = false;
  ASSERT_TRUE(routes_->handleQueuedEdu(queued_[0].first, queued_[0].second).ok());
  ASSERT_EQ(sync_.typing.size(), 1u);
  EXPECT_EQ(sync_.typing[0].userId, "@bob:remote.test");
  // A rejected EDU is final (ok: not redelivered), and does nothing.
  auto forged =
      edu("m.typing",
          json::Object{{"room_id", roomId_}, {"user_id", "@eve:elsewhere.test"}, {"typing", true}});
  EXPECT_TRUE(routes_->handleQueuedEdu("remote.test", forged).ok());
  EXPECT_EQ(sync_.typing.size(), 1u);
}

TEST_F(FederationQueuedEduTest, AQueueThatFailsFallsBackToHandlingAtOnce) {
  queueFails_ = true;
  auto reply = call("PUT", "/_matrix/federation/v1/send/q2", txn({}, {typingEdu()}));
  ASSERT_EQ(reply.status, 200);
  EXPECT_TRUE(queued_.empty());
  EXPECT_EQ(sync_.typing.size(), 1u);
}

}  // namespace
}  // namespace plexus::federationapi
