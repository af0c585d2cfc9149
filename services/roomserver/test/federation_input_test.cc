// inputEvents: remote events accepted, rejected (signature, auth), redacted (content hash),
// soft-failed, duplicates, and the fork of two remote events resolved with state resolution.
#include <algorithm>
#include <thread>

#include "federation_fixture.h"
#include "plexus/events/redaction.h"

namespace plexus::roomserver::testing {
namespace {

class FederationInputTest : public FederationTest {
 protected:
  // Sends a local message and waits for its output: every output of the room before it has
  // been delivered then (the bus is ordered per room).
  void flush(const std::string& roomId) {
    auto sent = sendMessage(roomId, kAlice, "flush");
    ASSERT_TRUE(sent.ok()) << sent.error().message;
    ASSERT_TRUE(waitForOutput(sent->eventId));
  }
};

TEST_P(FederationInputTest, AcceptsARemoteJoinAndMessage) {
  std::string roomId = createRoom(Preset::kPublicChat);
  RoomState head = headOf(roomId);
  events::Pdu join =
      remoteEvent(head, kZed, "m.room.member", kZed, json::Object{{"membership", "join"}});
  inputOk(roomId, join);
  EXPECT_EQ(membershipOf(roomId, kZed), "join");
  EXPECT_TRUE(isCurrentState(roomId, join.eventId()));
  ASSERT_TRUE(waitForOutput(join.eventId()));
  {
    std::lock_guard lock(outputsMutex_);
    const OutputRoomEvent& out = outputs_.back();
    EXPECT_EQ(out.eventId, join.eventId());
    EXPECT_EQ(out.addsStateEventIds, std::vector<std::string>{join.eventId()});
    EXPECT_TRUE(out.removesStateEventIds.empty());
  }
  events::Pdu message = remoteEvent(head, kZed, "m.room.message", std::nullopt,
                                    json::Object{{"msgtype", "m.text"}, {"body", "hi"}});
  inputOk(roomId, message);
  ASSERT_TRUE(waitForOutput(message.eventId()));
  auto latest = api().queryLatestEvents(ctx_, roomId);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->eventIds, std::vector<std::string>{message.eventId()});
  // A local event builds on the remote one.
  auto sent = sendMessage(roomId, kAlice, "hello zed");
  ASSERT_TRUE(sent.ok());
  auto local = api().queryEvent(ctx_, sent->eventId);
  ASSERT_EQ(local->pdu.prevEvents().size(), 1u);
  EXPECT_EQ(local->pdu.prevEvents()[0], message.eventId());
}

TEST_P(FederationInputTest, RemoteStateChangeReplacesCurrentState) {
  RoomState head;
  std::string roomId = roomWithZed(&head);
  auto oldTopic = api().queryStateEvent(ctx_, roomId, "m.room.member", kZed);
  ASSERT_TRUE(oldTopic.ok());
  events::Pdu rename = remoteEvent(head, kZed, "m.room.member", kZed,
                                   json::Object{{"membership", "join"}, {"displayname", "Zed"}});
  inputOk(roomId, rename);
  auto now = api().queryStateEvent(ctx_, roomId, "m.room.member", kZed);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->pdu.eventId(), rename.eventId());
  ASSERT_TRUE(waitForOutput(rename.eventId()));
  std::lock_guard lock(outputsMutex_);
  EXPECT_EQ(outputs_.back().removesStateEventIds,
            std::vector<std::string>{oldTopic->pdu.eventId()});
}

TEST_P(FederationInputTest, RejectsABadSignatureAndOutputsNothing) {
  std::string roomId = createRoom(Preset::kPublicChat);
  RoomState head = headOf(roomId);
  events::ServerIdentity impostor{kRemote, "ed25519:r1", crypto::SigningKey::generate()};
  EventDraft draft{kZed, "m.room.member", kZed, json::Object{{"membership", "join"}}, std::nullopt};
  auto forged = buildEvent(draft, head, impostor, clock_.fetch_add(1), 10);
  ASSERT_TRUE(forged.ok());
  auto r = input(roomId, {*forged});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].eventId, forged->eventId());
  ASSERT_TRUE((*r)[0].error);
  EXPECT_FALSE(api().queryEvent(ctx_, forged->eventId()).ok());
  EXPECT_EQ(membershipOf(roomId, kZed), std::nullopt);
  flush(roomId);
  EXPECT_FALSE(wasOutput(forged->eventId()));
}

TEST_P(FederationInputTest, UnknownServerKeyFailsTheSignatureCheck) {
  std::string roomId = createRoom(Preset::kPublicChat);
  RoomState head = headOf(roomId);
  events::ServerIdentity stranger{"stranger.test", "ed25519:s", crypto::SigningKey::generate()};
  EventDraft draft{"@s:stranger.test", "m.room.member", "@s:stranger.test",
                   json::Object{{"membership", "join"}}, std::nullopt};
  auto event = buildEvent(draft, head, stranger, clock_.fetch_add(1), 10);
  ASSERT_TRUE(event.ok());
  auto r = input(roomId, {*event});
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)[0].error);
  EXPECT_TRUE(keys_.asked().contains("stranger.test"));
}

TEST_P(FederationInputTest, WrongContentHashStoresTheRedactedForm) {
  RoomState head;
  std::string roomId = roomWithZed(&head);
  events::Pdu message = remoteEvent(head, kZed, "m.room.message", std::nullopt,
                                    json::Object{{"msgtype", "m.text"}, {"body", "original"}});
  // Change the content after signing: the signature (over the redacted form) still verifies,
  // the content hash does not.
  json::Object tampered = message.json();
  tampered.set("content", json::Object{{"msgtype", "m.text"}, {"body", "tampered"}});
  auto r = api().inputEvents(ctx_, roomId, {{tampered, kRemote, RoomserverApi::InputKind::kNew}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)[0].eventId, message.eventId());
  EXPECT_FALSE((*r)[0].error);
  auto stored = api().queryEvent(ctx_, message.eventId());
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(stored->pdu.content().empty());
  ASSERT_TRUE(waitForOutput(message.eventId()));
}

TEST_P(FederationInputTest, RejectsAMessageFromANonMember) {
  std::string roomId = createRoom(Preset::kPublicChat);
  RoomState head = headOf(roomId);
  events::Pdu message = remoteEvent(head, kZed, "m.room.message", std::nullopt,
                                    json::Object{{"msgtype", "m.text"}, {"body", "spam"}});
  auto r = input(roomId, {message});
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)[0].error);
  // Stored as rejected (so it is not fetched again), not current, not output.
  auto latest = api().queryLatestEvents(ctx_, roomId);
  EXPECT_NE(latest->eventIds, std::vector<std::string>{message.eventId()});
  flush(roomId);
  EXPECT_FALSE(wasOutput(message.eventId()));
}

TEST_P(FederationInputTest, RejectsAPowerLevelViolation) {
  RoomState head;
  std::string roomId = roomWithZed(&head);
  events::Pdu name = remoteEvent(head, kZed, "m.room.name", "", json::Object{{"name", "Mine"}});
  auto r = input(roomId, {name});
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)[0].error);
  EXPECT_NE((*r)[0].error->find("rejected"), std::string::npos);
  EXPECT_FALSE(isCurrentState(roomId, name.eventId()));
  // A later event building on the rejected one is checked against the state without it.
  events::Pdu message = remoteEvent(head, kZed, "m.room.message", std::nullopt,
                                    json::Object{{"msgtype", "m.text"}, {"body", "after"}});
  inputOk(roomId, message);
  EXPECT_FALSE(isCurrentState(roomId, name.eventId()));
  flush(roomId);
  EXPECT_FALSE(wasOutput(name.eventId()));
  EXPECT_TRUE(wasOutput(message.eventId()));
}

TEST_P(FederationInputTest, SoftFailsAnEventTheCurrentStateForbids) {
  RoomState head;
  std::string roomId = roomWithZed(&head);
  // Alice bans zed; zed, not having seen it, sends a message on the older state.
  MembershipChangeRequest ban{roomId, kAlice, kZed, std::nullopt, false};
  ASSERT_TRUE(api().performBan(ctx_, ban).ok());
  events::Pdu message = remoteEvent(head, kZed, "m.room.message", std::nullopt,
                                    json::Object{{"msgtype", "m.text"}, {"body", "sneaky"}});
  auto r = input(roomId, {message});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE((*r)[0].error);  // soft failure is not an error of the transaction
  auto stored = api().queryEvent(ctx_, message.eventId());
  EXPECT_TRUE(stored.ok());
  auto latest = api().queryLatestEvents(ctx_, roomId);
  for (const auto& id : latest->eventIds) EXPECT_NE(id, message.eventId());
  flush(roomId);
  EXPECT_FALSE(wasOutput(message.eventId()));
}

TEST_P(FederationInputTest, DuplicateEventIsANoOp) {
  RoomState head;
  std::string roomId = roomWithZed(&head);
  events::Pdu message = remoteEvent(head, kZed, "m.room.message", std::nullopt,
                                    json::Object{{"msgtype", "m.text"}, {"body", "once"}});
  inputOk(roomId, message);
  inputOk(roomId, message);
  flush(roomId);
  std::lock_guard lock(outputsMutex_);
  EXPECT_EQ(std::count_if(outputs_.begin(), outputs_.end(),
                          [&](const OutputRoomEvent& o) { return o.eventId == message.eventId(); }),
            1);
}

TEST_P(FederationInputTest, RejectsAnEventOfAnotherRoom) {
  RoomState head;
  std::string roomId = roomWithZed(&head);
  std::string other = createRoom(Preset::kPublicChat);
  events::Pdu message = remoteEvent(head, kZed, "m.room.message", std::nullopt,
                                    json::Object{{"msgtype", "m.text"}, {"body", "x"}});
  auto r = input(other, {message});
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)[0].error);
  EXPECT_FALSE(api().queryEvent(ctx_, message.eventId()).ok());
}

TEST_P(FederationInputTest, UnknownRoomIsNotFound) {
  auto r = api().inputEvents(ctx_, "!nope:remote.test", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

// Two remote name changes on the same prev: the fork is resolved with the v2 rules (same power,
// so the later origin_server_ts wins), whatever order they arrive in.
TEST_P(FederationInputTest, ConcurrentStateForkResolvesDeterministically) {
  for (bool laterFirst : {false, true}) {
    SCOPED_TRACE(laterFirst);
    RoomState head;
    std::string roomId = roomWithZed(&head);
    SendEventRequest pl{roomId, kAlice, "m.room.power_levels", std::string(), {}, {}};
    auto levels = api().queryStateEvent(ctx_, roomId, "m.room.power_levels", "");
    ASSERT_TRUE(levels.ok());
    pl.content = levels->pdu.content();
    json::Object users = *pl.content.find("users")->getObject();
    users.set(kZed, 50);
    pl.content.set("users", users);
    ASSERT_TRUE(api().performSendEvent(ctx_, pl).ok());
    head = headOf(roomId);
    RoomState fork = head;
    std::int64_t ts = clock_.fetch_add(100);
    events::Pdu early =
        remoteEvent(head, kZed, "m.room.name", "", json::Object{{"name", "early"}}, ts + 10);
    events::Pdu late =
        remoteEvent(fork, kZed, "m.room.name", "", json::Object{{"name", "late"}}, ts + 20);
    if (laterFirst) {
      inputOk(roomId, late);
      inputOk(roomId, early);
    } else {
      inputOk(roomId, early);
      inputOk(roomId, late);
    }
    auto name = api().queryStateEvent(ctx_, roomId, "m.room.name", "");
    ASSERT_TRUE(name.ok());
    EXPECT_EQ(name->pdu.eventId(), late.eventId());
    auto latest = api().queryLatestEvents(ctx_, roomId);
    EXPECT_EQ(std::set<std::string>(latest->eventIds.begin(), latest->eventIds.end()),
              (std::set<std::string>{early.eventId(), late.eventId()}));
    // A local event merges the fork.
    auto sent = sendMessage(roomId, kAlice, "merge");
    ASSERT_TRUE(sent.ok());
    EXPECT_EQ(api().queryEvent(ctx_, sent->eventId)->pdu.prevEvents().size(), 2u);
  }
}

TEST_P(FederationInputTest, AppliesARemoteRedactionOfTheSendersOwnEvent) {
  RoomState head;
  std::string roomId = roomWithZed(&head);
  events::Pdu message = remoteEvent(head, kZed, "m.room.message", std::nullopt,
                                    json::Object{{"msgtype", "m.text"}, {"body", "oops"}});
  inputOk(roomId, message);
  json::Object content{{"redacts", message.eventId()}};
  EventDraft draft{kZed, "m.room.redaction", std::nullopt, content, message.eventId()};
  auto redaction = buildEvent(draft, head, remote_, clock_.fetch_add(1), 10);
  ASSERT_TRUE(redaction.ok());
  inputOk(roomId, *redaction);
  auto stored = api().queryEvent(ctx_, message.eventId());
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(stored->pdu.content().empty());
  EXPECT_EQ(stored->redactedBecause, redaction->eventId());
  ASSERT_TRUE(waitForOutput(redaction->eventId()));
  flush(roomId);
  std::lock_guard lock(outputsMutex_);
  bool sawRedaction = false;
  for (const auto& o : outputs_) {
    sawRedaction |=
        o.kind == OutputRoomEvent::Kind::kRedaction && o.redactsEventId == message.eventId();
  }
  EXPECT_TRUE(sawRedaction);
}

TEST_P(FederationInputTest, DoesNotApplyARemoteRedactionOfAnotherServersEventWithoutPower) {
  RoomState head;
  std::string roomId = roomWithZed(&head);
  auto sent = sendMessage(roomId, kAlice, "mine");
  ASSERT_TRUE(sent.ok());
  head = headOf(roomId);
  json::Object content{{"redacts", sent->eventId}};
  EventDraft draft{kZed, "m.room.redaction", std::nullopt, content, sent->eventId};
  auto redaction = buildEvent(draft, head, remote_, clock_.fetch_add(1), 10);
  ASSERT_TRUE(redaction.ok());
  inputOk(roomId, *redaction);  // accepted by the v3+ auth rules, but not applied
  auto stored = api().queryEvent(ctx_, sent->eventId);
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->pdu.content().empty());
}

TEST_P(FederationInputTest, RemoteInputAndLocalSendsInterleaveSafely) {
  RoomState head;
  std::string roomId = roomWithZed(&head);
  std::vector<events::Pdu> remote;
  for (int i = 0; i < 15; ++i) {
    remote.push_back(remoteEvent(head, kZed, "m.room.message", std::nullopt,
                                 json::Object{{"msgtype", "m.text"}, {"body", "remote"}}));
  }
  std::atomic<int> remoteOk{0}, localOk{0};
  std::thread input([&] {
    for (const auto& pdu : remote) {
      auto r = this->input(roomId, {pdu});
      if (r.ok() && !(*r)[0].error) ++remoteOk;
    }
  });
  std::thread local([&] {
    for (int i = 0; i < 15; ++i) {
      if (sendMessage(roomId, kAlice, "local").ok()) ++localOk;
    }
  });
  input.join();
  local.join();
  EXPECT_EQ(remoteOk.load(), 15);
  EXPECT_EQ(localOk.load(), 15);
  for (const auto& pdu : remote) EXPECT_TRUE(waitForOutput(pdu.eventId()));
  auto latest = api().queryLatestEvents(ctx_, roomId);
  ASSERT_TRUE(latest.ok());
  EXPECT_LE(latest->eventIds.size(), 2u);
  auto merge = sendMessage(roomId, kAlice, "merge");
  ASSERT_TRUE(merge.ok());
  EXPECT_EQ(api().queryLatestEvents(ctx_, roomId)->eventIds,
            std::vector<std::string>{merge->eventId});
}

// A /send-sized call: fast-path events share a transaction, which must end before a new member's
// state key is interned and around a rejected event; all of it is stored, in order, and is still
// there after a restart.
TEST_P(FederationInputTest, ABatchOfLiveEventsIsStoredInOrderAndSurvivesARestart) {
  RoomState head;
  std::string roomId = roomWithZed(&head);
  auto message = [&](const std::string& sender, const std::string& body) {
    return remoteEvent(head, sender, "m.room.message", std::nullopt,
                       json::Object{{"msgtype", "m.text"}, {"body", body}});
  };
  const std::string newcomer = "@newcomer" + std::to_string(clock_.load()) + ":remote.test";
  std::vector<events::Pdu> batch;
  for (int i = 0; i < 5; ++i) batch.push_back(message(kZed, "before " + std::to_string(i)));
  batch.push_back(
      remoteEvent(head, newcomer, "m.room.member", newcomer, json::Object{{"membership", "join"}}));
  batch.push_back(message(newcomer, "first words"));
  RoomState untouched = head;  // the rejected event below is no one's prev event
  events::Pdu stranger =
      remoteEvent(untouched, "@stranger:remote.test", "m.room.message", std::nullopt,
                  json::Object{{"msgtype", "m.text"}, {"body", "x"}});
  batch.push_back(stranger);
  for (int i = 0; i < 5; ++i) batch.push_back(message(newcomer, "after " + std::to_string(i)));

  auto r = input(roomId, batch);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), batch.size());
  std::vector<std::string> acceptedIds;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ((*r)[i].eventId, batch[i].eventId());
    if (batch[i].eventId() == stranger.eventId()) {
      EXPECT_TRUE((*r)[i].error.has_value());
    } else {
      EXPECT_FALSE((*r)[i].error) << *(*r)[i].error;
      acceptedIds.push_back(batch[i].eventId());
    }
  }
  ASSERT_TRUE(waitForOutput(batch.back().eventId()));
  {
    std::lock_guard lock(outputsMutex_);
    std::vector<std::string> seen;
    for (const auto& out : outputs_) {
      if (std::find(acceptedIds.begin(), acceptedIds.end(), out.eventId) != acceptedIds.end())
        seen.push_back(out.eventId);
      EXPECT_NE(out.eventId, stranger.eventId());
    }
    EXPECT_EQ(seen, acceptedIds);
  }

  service_.reset();
  service_ = makeService(identity_, db(), limits_);
  EXPECT_EQ(membershipOf(roomId, newcomer), "join");
  EXPECT_EQ(api().queryLatestEvents(ctx_, roomId)->eventIds,
            std::vector<std::string>{batch.back().eventId()});
  auto sent = sendMessage(roomId, kAlice, "after the restart");
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  auto local = api().queryEvent(ctx_, sent->eventId);
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->pdu.prevEvents()[0], batch.back().eventId());
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(FederationInputTest);

}  // namespace
}  // namespace plexus::roomserver::testing
