// The RoomserverApi contract suite: the same cases against the in-process RoomserverService and,
// when built with gRPC, through GrpcRoomserverClient -> gRPC on 127.0.0.1 ->
// GrpcRoomserverService -> RoomserverService. Every RPC is exercised; cases state exact values
// (every field of every value type) or the ErrorCode and errcode, so both bindings must give
// the same answers. The federation cases run against a second roomserver ("remote.test") whose
// handshakes with us go through the binding under test (roomserver_bindings.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "roomserver_bindings.h"

namespace plexus::roomserver {
namespace {

using namespace std::chrono_literals;
using testing::kAlice;
using testing::kBob;
using testing::kCarol;
using testing::kRemote;
using testing::kServer;
using testing::kYan;
using testing::kZed;

enum class Binding { kInProcess, kGrpc };
void PrintTo(Binding b, std::ostream* os) {
  *os << (b == Binding::kInProcess ? "InProcess" : "Grpc");
}

class RoomserverContractTest : public ::testing::TestWithParam<Binding> {
 protected:
  void SetUp() override {
    bindings_.setUp();
    if (HasFatalFailure()) return;
    if (GetParam() == Binding::kInProcess) {
      api_ = &bindings_.inProcess();
      return;
    }
#if PLEXUS_HAVE_GRPC
    bindings_.startGrpc();
    if (HasFatalFailure()) return;
    api_ = &bindings_.grpcClient();
    bindings_.routeRemoteTo(*api_);
#else
    GTEST_SKIP() << "built without gRPC";
#endif
  }
  void TearDown() override { bindings_.tearDown(); }

  static void expectError(const Error& e, ErrorCode code, std::string_view errcode) {
    EXPECT_EQ(static_cast<int>(e.code), static_cast<int>(code)) << e.message;
    EXPECT_EQ(e.errcode(), errcode) << e.message;
    EXPECT_FALSE(e.message.empty());
  }
  template <typename T>
  static void expectError(const Result<T>& r, ErrorCode code, std::string_view errcode) {
    ASSERT_FALSE(r.ok());
    expectError(r.error(), code, errcode);
  }

  std::string createRoom(Preset preset, const std::string& creator = kAlice) {
    CreateRoomRequest r;
    r.creator = creator;
    r.preset = preset;
    auto created = api_->performCreateRoom(ctx_, r);
    EXPECT_TRUE(created.ok()) << created.error().message;
    return created.ok() ? created->roomId : std::string();
  }
  std::string send(const std::string& roomId, const std::string& sender, const std::string& body) {
    SendEventRequest r{roomId,
                       sender,
                       "m.room.message",
                       std::nullopt,
                       json::Object{{"msgtype", "m.text"}, {"body", body}},
                       std::nullopt};
    auto sent = api_->performSendEvent(ctx_, r);
    EXPECT_TRUE(sent.ok()) << sent.error().message;
    return sent.ok() ? sent->eventId : std::string();
  }
  std::optional<MembershipInfo> membership(const std::string& roomId, const std::string& user) {
    auto m = api_->queryMembership(ctx_, roomId, user);
    EXPECT_TRUE(m.ok()) << m.error().message;
    return m.ok() ? *m : std::nullopt;
  }
  std::optional<std::string> membershipOf(const std::string& roomId, const std::string& user) {
    auto m = membership(roomId, user);
    return m ? std::optional<std::string>(m->membership) : std::nullopt;
  }
  json::Object contentOf(const std::string& eventId) {
    auto e = api_->queryEvent(ctx_, eventId);
    EXPECT_TRUE(e.ok()) << e.error().message;
    return e.ok() ? e->pdu.content() : json::Object{};
  }
  static std::string str(const json::Object& o, std::string_view key) {
    const json::Value* v = o.find(key);
    return v && v->getString() ? *v->getString() : std::string("<absent>");
  }
  // A room on the remote server created by zed.
  std::string remoteRoom(Preset preset, std::optional<std::string> joinRule = std::nullopt) {
    CreateRoomRequest create;
    create.creator = kZed;
    create.preset = preset;
    create.name = "Zed's room";
    if (joinRule) {
      create.initialState.push_back(
          StateEventSpec{"m.room.join_rules", "", json::Object{{"join_rule", *joinRule}}});
    }
    auto created = bindings_.remote().performCreateRoom(ctx_, create);
    EXPECT_TRUE(created.ok()) << created.error().message;
    return created.ok() ? created->roomId : std::string();
  }

  testing::RoomserverBindings bindings_;
  RoomserverApi* api_ = nullptr;
  CallContext ctx_ = CallContext::withTimeout(30s, "contract-test");
};

// ---- Creating rooms ---------------------------------------------------------------------------

TEST_P(RoomserverContractTest, CreateRoomCarriesEveryRequestField) {
  const json::Object custom{
      {"n", -7},
      {"text", "caf\xc3\xa9 \xf0\x9f\x98\x80"},
      {"nested", json::Object{{"list", json::Array{1, "two", true, nullptr}}}}};
  CreateRoomRequest r;
  r.creator = kAlice;
  r.roomVersion = "12";
  r.preset = Preset::kPublicChat;
  r.visibility = Visibility::kPublic;
  r.name = "Contract room";
  r.topic = "Round trips";
  r.roomAliasName = "contract";
  r.invite = {kBob};
  r.isDirect = true;
  r.initialState = {
      {"org.example.state", "k", custom},
      {"m.room.history_visibility", "", json::Object{{"history_visibility", "world_readable"}}},
      {"m.room.guest_access", "", json::Object{{"guest_access", "can_join"}}},
      {"m.room.avatar", "", json::Object{{"url", "mxc://test.local/room"}}}};
  r.powerLevelContentOverride = json::Object{{"kick", 42}};
  r.creationContent = json::Object{{"type", "org.example.kind"}};
  auto created = api_->performCreateRoom(ctx_, r);
  ASSERT_TRUE(created.ok()) << created.error().message;
  const std::string roomId = created->roomId;
  EXPECT_EQ(created->roomAlias, std::optional<std::string>("#contract:test.local"));

  EXPECT_EQ(*api_->queryRoomVersion(ctx_, roomId), "12");
  auto state = api_->queryStateEvent(ctx_, roomId, "org.example.state", "k");
  ASSERT_TRUE(state.ok()) << state.error().message;
  EXPECT_TRUE(state->pdu.content() == custom);
  EXPECT_EQ(state->pdu.sender(), kAlice);
  EXPECT_EQ(state->pdu.roomId(), roomId);
  EXPECT_FALSE(state->redactedBecause.has_value());
  auto levels = api_->queryStateEvent(ctx_, roomId, "m.room.power_levels", "");
  ASSERT_TRUE(levels.ok());
  EXPECT_EQ(levels->pdu.content().find("kick")->getInt(), 42);
  auto create = api_->queryStateEvent(ctx_, roomId, "m.room.create", "");
  ASSERT_TRUE(create.ok());
  EXPECT_EQ(str(create->pdu.content(), "type"), "org.example.kind");
  EXPECT_EQ(str(api_->queryStateEvent(ctx_, roomId, "m.room.name", "")->pdu.content(), "name"),
            "Contract room");
  EXPECT_EQ(str(api_->queryStateEvent(ctx_, roomId, "m.room.topic", "")->pdu.content(), "topic"),
            "Round trips");

  auto bob = membership(roomId, kBob);
  ASSERT_TRUE(bob.has_value());
  EXPECT_EQ(bob->membership, "invite");
  EXPECT_FALSE(bob->forgotten);
  EXPECT_EQ(contentOf(bob->eventId).find("is_direct")->getBool(), true);

  EXPECT_EQ(*api_->queryRoomVisibility(ctx_, roomId), Visibility::kPublic);
  auto alias = api_->queryRoomIdForAlias(ctx_, "#contract:test.local");
  ASSERT_TRUE(alias.ok()) << alias.error().message;
  EXPECT_EQ(alias->roomId, roomId);
  EXPECT_EQ(alias->servers, std::vector<std::string>{kServer});
  EXPECT_EQ(*api_->queryAliasesForRoom(ctx_, roomId),
            std::vector<std::string>{"#contract:test.local"});

  auto listed = api_->queryPublicRooms(ctx_, {});
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->chunk.size(), 1U);
  const PublicRoom& room = listed->chunk[0];
  EXPECT_EQ(room.roomId, roomId);
  EXPECT_EQ(room.name, std::optional<std::string>("Contract room"));
  EXPECT_EQ(room.topic, std::optional<std::string>("Round trips"));
  EXPECT_EQ(room.canonicalAlias, std::optional<std::string>("#contract:test.local"));
  EXPECT_EQ(room.avatarUrl, std::optional<std::string>("mxc://test.local/room"));
  EXPECT_EQ(room.joinRule, std::optional<std::string>("public"));
  EXPECT_EQ(room.roomType, std::optional<std::string>("org.example.kind"));
  EXPECT_EQ(room.numJoinedMembers, 1);
  EXPECT_TRUE(room.worldReadable);
  EXPECT_TRUE(room.guestCanJoin);
  EXPECT_EQ(listed->totalRoomCountEstimate, 1);
  EXPECT_FALSE(listed->nextBatch.has_value());
  EXPECT_FALSE(listed->prevBatch.has_value());
}

TEST_P(RoomserverContractTest, CreateRoomWithDefaultsLeavesOptionalsAbsent) {
  CreateRoomRequest r;
  r.creator = kAlice;
  auto created = api_->performCreateRoom(ctx_, r);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_FALSE(created->roomAlias.has_value());
  EXPECT_EQ(*api_->queryRoomVersion(ctx_, created->roomId),
            std::string(events::defaultRoomVersion().id));
  EXPECT_EQ(*api_->queryRoomVisibility(ctx_, created->roomId), Visibility::kPrivate);
  EXPECT_TRUE(api_->queryAliasesForRoom(ctx_, created->roomId)->empty());
  expectError(api_->queryStateEvent(ctx_, created->roomId, "m.room.name", ""), ErrorCode::kNotFound,
              "M_NOT_FOUND");
  auto state = api_->queryStateEvent(ctx_, created->roomId, "m.room.join_rules", "");
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(str(state->pdu.content(), "join_rule"), "invite");
  EXPECT_TRUE(*api_->queryRoomExists(ctx_, created->roomId));
}

TEST_P(RoomserverContractTest, CreateRoomErrorsKeepTheirCodes) {
  CreateRoomRequest r;
  r.creator = kAlice;
  r.roomVersion = "999";
  expectError(api_->performCreateRoom(ctx_, r), ErrorCode::kUnsupportedRoomVersion,
              "M_UNSUPPORTED_ROOM_VERSION");
  r.roomVersion.reset();
  r.roomAliasName = "taken";
  ASSERT_TRUE(api_->performCreateRoom(ctx_, r).ok());
  expectError(api_->performCreateRoom(ctx_, r), ErrorCode::kRoomInUse, "M_ROOM_IN_USE");
}

// ---- Sending and reading ----------------------------------------------------------------------

TEST_P(RoomserverContractTest, SentEventsReadBackThroughEveryQuery) {
  std::string roomId = createRoom(Preset::kPrivateChat);
  ASSERT_FALSE(roomId.empty());
  const json::Object content{{"msgtype", "m.text"},
                             {"body", "line\n\"quoted\" \\ \xe2\x82\xac"},
                             {"n", json::kMaxSafeInteger},
                             {"m", -json::kMaxSafeInteger},
                             {"list", json::Array{json::Object{}, json::Array{}, false}}};
  SendEventRequest r{roomId,       kAlice,  "m.room.message",
                     std::nullopt, content, TransactionRef{kAlice, "DEVICE", "txn-1"}};
  auto sent = api_->performSendEvent(ctx_, r);
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  // The same transaction gives the first event back.
  auto again = api_->performSendEvent(ctx_, r);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->eventId, sent->eventId);

  auto event = api_->queryEvent(ctx_, sent->eventId);
  ASSERT_TRUE(event.ok()) << event.error().message;
  EXPECT_EQ(event->pdu.eventId(), sent->eventId);
  EXPECT_EQ(event->pdu.type(), "m.room.message");
  EXPECT_EQ(event->pdu.sender(), kAlice);
  EXPECT_EQ(event->pdu.roomId(), roomId);
  EXPECT_FALSE(event->pdu.stateKey().has_value());
  EXPECT_TRUE(event->pdu.content() == content);
  EXPECT_EQ(event->pdu.roomVersion().id, "12");
  EXPECT_FALSE(event->redactedBecause.has_value());

  auto some = api_->queryEvents(ctx_, {"$unknown", sent->eventId});
  ASSERT_TRUE(some.ok());
  ASSERT_EQ(some->size(), 1U);
  EXPECT_TRUE((*some)[0].pdu.json() == event->pdu.json());
  EXPECT_TRUE(api_->queryEvents(ctx_, {})->empty());

  auto latest = api_->queryLatestEvents(ctx_, roomId);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->eventIds, std::vector<std::string>{sent->eventId});
  EXPECT_EQ(latest->depth, event->pdu.depth());

  SendEventRequest s{
      roomId,      kAlice, "org.example.setting", std::string(""), json::Object{{"on", true}},
      std::nullopt};
  auto stateSent = api_->performSendEvent(ctx_, s);
  ASSERT_TRUE(stateSent.ok()) << stateSent.error().message;
  auto one = api_->queryCurrentState(ctx_, roomId, {{"org.example.setting", std::string("")}});
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1U);
  EXPECT_EQ((*one)[0].pdu.eventId(), stateSent->eventId);
  EXPECT_EQ((*one)[0].pdu.stateKey(), std::optional<std::string_view>(""));
  auto members = api_->queryCurrentState(ctx_, roomId, {{"m.room.member", std::nullopt}});
  ASSERT_TRUE(members.ok());
  ASSERT_EQ(members->size(), 1U);
  EXPECT_EQ((*members)[0].pdu.stateKey(), std::optional<std::string_view>(kAlice));
  auto all = api_->queryCurrentState(ctx_, roomId);
  ASSERT_TRUE(all.ok());
  EXPECT_GE(all->size(), 6U);
  EXPECT_TRUE(std::any_of(all->begin(), all->end(), [&](const RoomEvent& e) {
    return e.pdu.eventId() == stateSent->eventId;
  }));

  auto before = api_->queryStateAtEvent(ctx_, stateSent->eventId, StatePoint::kBefore);
  auto after = api_->queryStateAtEvent(ctx_, stateSent->eventId, StatePoint::kAfter);
  ASSERT_TRUE(before.ok() && after.ok());
  auto has = [&](const std::vector<RoomEvent>& v) {
    return std::any_of(v.begin(), v.end(),
                       [&](const RoomEvent& e) { return e.pdu.eventId() == stateSent->eventId; });
  };
  EXPECT_FALSE(has(*before));
  EXPECT_TRUE(has(*after));
  EXPECT_EQ(after->size(), before->size() + 1);

  auto chain = api_->queryAuthChain(ctx_, {stateSent->eventId});
  ASSERT_TRUE(chain.ok()) << chain.error().message;
  std::set<std::string> types;
  for (const auto& e : *chain) types.emplace(e.pdu.type());
  // v12: the create event is implied by the room ID, not an auth event.
  EXPECT_TRUE(types.contains("m.room.power_levels"));
  EXPECT_TRUE(types.contains("m.room.member"));
}

TEST_P(RoomserverContractTest, ReadsOfUnknownThingsAreNotFound) {
  const std::string room = "!unknown:test.local";
  EXPECT_FALSE(*api_->queryRoomExists(ctx_, room));
  expectError(api_->queryRoomVersion(ctx_, room), ErrorCode::kNotFound, "M_NOT_FOUND");
  expectError(api_->queryEvent(ctx_, "$nope"), ErrorCode::kNotFound, "M_NOT_FOUND");
  expectError(api_->queryLatestEvents(ctx_, room), ErrorCode::kNotFound, "M_NOT_FOUND");
  expectError(api_->queryCurrentState(ctx_, room), ErrorCode::kNotFound, "M_NOT_FOUND");
  expectError(api_->queryStateAtEvent(ctx_, "$nope", StatePoint::kAfter), ErrorCode::kNotFound,
              "M_NOT_FOUND");
  expectError(api_->queryAuthChain(ctx_, {"$nope"}), ErrorCode::kNotFound, "M_NOT_FOUND");
  expectError(api_->queryJoinedMembers(ctx_, room), ErrorCode::kNotFound, "M_NOT_FOUND");
  expectError(api_->queryMembership(ctx_, room, kAlice), ErrorCode::kNotFound, "M_NOT_FOUND");
  expectError(api_->queryRoomVisibility(ctx_, room), ErrorCode::kNotFound, "M_NOT_FOUND");
  expectError(api_->performSendEvent(
                  ctx_, {room, kAlice, "m.room.message", std::nullopt, json::Object{}, {}}),
              ErrorCode::kNotFound, "M_NOT_FOUND");
  std::string roomId = createRoom(Preset::kPrivateChat);
  auto never = api_->queryMembership(ctx_, roomId, kCarol);
  ASSERT_TRUE(never.ok());
  EXPECT_FALSE(never->has_value());
}

// ---- Memberships ------------------------------------------------------------------------------

TEST_P(RoomserverContractTest, MembershipLifecycle) {
  std::string roomId = createRoom(Preset::kPublicChat);
  ASSERT_FALSE(roomId.empty());
  auto invited =
      api_->performInvite(ctx_, {roomId, kAlice, kBob, std::string("welcome"), /*isDirect=*/true});
  ASSERT_TRUE(invited.ok()) << invited.error().message;
  auto inviteContent = contentOf(invited->eventId);
  EXPECT_EQ(str(inviteContent, "membership"), "invite");
  EXPECT_EQ(str(inviteContent, "reason"), "welcome");
  EXPECT_EQ(inviteContent.find("is_direct")->getBool(), true);
  EXPECT_EQ(*api_->queryRoomsForUser(ctx_, kBob, "invite"), std::vector<std::string>{roomId});

  auto joined = api_->performJoin(ctx_, {roomId, kBob, std::string("hi"), {}});
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  EXPECT_EQ(joined->roomId, roomId);
  auto bob = membership(roomId, kBob);
  ASSERT_TRUE(bob.has_value());
  EXPECT_EQ(bob->membership, "join");
  EXPECT_EQ(bob->eventId, joined->eventId);
  EXPECT_EQ(str(contentOf(joined->eventId), "reason"), "hi");

  auto members = api_->queryJoinedMembers(ctx_, roomId);
  ASSERT_TRUE(members.ok());
  ASSERT_EQ(members->size(), 2U);
  std::sort(members->begin(), members->end(),
            [](const JoinedMember& a, const JoinedMember& b) { return a.userId < b.userId; });
  EXPECT_EQ((*members)[0].userId, kAlice);
  EXPECT_EQ((*members)[0].displayName, std::optional<std::string>("Alice"));
  EXPECT_EQ((*members)[0].avatarUrl, std::optional<std::string>("mxc://test.local/alice"));
  EXPECT_EQ((*members)[1].userId, kBob);
  EXPECT_EQ((*members)[1].displayName, std::optional<std::string>("Bob"));
  EXPECT_FALSE((*members)[1].avatarUrl.has_value());

  auto kicked = api_->performKick(ctx_, {roomId, kAlice, kBob, std::string("out"), false});
  ASSERT_TRUE(kicked.ok()) << kicked.error().message;
  EXPECT_EQ(membershipOf(roomId, kBob), "leave");
  EXPECT_EQ(str(contentOf(kicked->eventId), "reason"), "out");
  auto banned = api_->performBan(ctx_, {roomId, kAlice, kBob, std::nullopt, false});
  ASSERT_TRUE(banned.ok()) << banned.error().message;
  EXPECT_EQ(membershipOf(roomId, kBob), "ban");
  EXPECT_FALSE(contentOf(banned->eventId).contains("reason"));
  auto unbanned = api_->performUnban(ctx_, {roomId, kAlice, kBob, std::nullopt, false});
  ASSERT_TRUE(unbanned.ok()) << unbanned.error().message;
  EXPECT_EQ(membershipOf(roomId, kBob), "leave");
  EXPECT_EQ(*api_->queryRoomsForUser(ctx_, kBob, "leave"), std::vector<std::string>{roomId});

  ASSERT_TRUE(api_->performForget(ctx_, roomId, kBob).ok());
  auto forgotten = membership(roomId, kBob);
  ASSERT_TRUE(forgotten.has_value());
  EXPECT_TRUE(forgotten->forgotten);
  EXPECT_TRUE(api_->queryRoomsForUser(ctx_, kBob, "leave")->empty());

  ASSERT_TRUE(api_->performInvite(ctx_, {roomId, kAlice, kCarol, std::nullopt, false}).ok());
  auto rejected = api_->performLeave(ctx_, roomId, kCarol, std::string("no thanks"));
  ASSERT_TRUE(rejected.ok()) << rejected.error().message;
  EXPECT_EQ(membershipOf(roomId, kCarol), "leave");
  EXPECT_EQ(str(contentOf(rejected->eventId), "reason"), "no thanks");
  auto left = api_->performLeave(ctx_, roomId, kAlice, std::nullopt);
  ASSERT_TRUE(left.ok()) << left.error().message;
  EXPECT_FALSE(contentOf(left->eventId).contains("reason"));
}

TEST_P(RoomserverContractTest, JoinByAlias) {
  CreateRoomRequest r;
  r.creator = kAlice;
  r.preset = Preset::kPublicChat;
  r.roomAliasName = "pub";
  auto created = api_->performCreateRoom(ctx_, r);
  ASSERT_TRUE(created.ok());
  auto joined = api_->performJoin(ctx_, {"#pub:test.local", kBob, std::nullopt, {}});
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  EXPECT_EQ(joined->roomId, created->roomId);
  EXPECT_EQ(*api_->queryRoomsForUser(ctx_, kBob, "join"),
            std::vector<std::string>{created->roomId});
  expectError(api_->performJoin(ctx_, {"#nope:test.local", kBob, std::nullopt, {}}),
              ErrorCode::kNotFound, "M_NOT_FOUND");
}

TEST_P(RoomserverContractTest, MembershipErrorsKeepTheirCodes) {
  std::string roomId = createRoom(Preset::kPrivateChat);
  ASSERT_FALSE(roomId.empty());
  expectError(api_->performForget(ctx_, roomId, kAlice), ErrorCode::kInvalidParam,
              "M_INVALID_PARAM");
  expectError(api_->performForget(ctx_, roomId, kCarol), ErrorCode::kNotFound, "M_NOT_FOUND");
  expectError(api_->performInvite(ctx_, {roomId, kBob, kCarol, std::nullopt, false}),
              ErrorCode::kForbidden, "M_FORBIDDEN");
  expectError(api_->performJoin(ctx_, {roomId, kBob, std::nullopt, {}}), ErrorCode::kForbidden,
              "M_FORBIDDEN");
  expectError(api_->performKick(ctx_, {roomId, kAlice, kCarol, std::nullopt, false}),
              ErrorCode::kForbidden, "M_FORBIDDEN");
  expectError(api_->performBan(ctx_, {roomId, kBob, kAlice, std::nullopt, false}),
              ErrorCode::kForbidden, "M_FORBIDDEN");
  expectError(api_->performUnban(ctx_, {roomId, kAlice, kCarol, std::nullopt, false}),
              ErrorCode::kForbidden, "M_FORBIDDEN");
  expectError(api_->performLeave(ctx_, "!unknown:test.local", kAlice, std::nullopt),
              ErrorCode::kNotFound, "M_NOT_FOUND");
}

// ---- Redaction and upgrades -------------------------------------------------------------------

TEST_P(RoomserverContractTest, RedactionRedactsTheStoredTarget) {
  std::string roomId = createRoom(Preset::kPrivateChat);
  std::string target = send(roomId, kAlice, "oops");
  ASSERT_FALSE(target.empty());
  RedactRequest r{roomId, kAlice, target, std::string("spam"),
                  TransactionRef{kAlice, "DEVICE", "redact-1"}};
  auto redaction = api_->performRedact(ctx_, r);
  ASSERT_TRUE(redaction.ok()) << redaction.error().message;
  auto again = api_->performRedact(ctx_, r);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->eventId, redaction->eventId);
  EXPECT_EQ(str(contentOf(redaction->eventId), "reason"), "spam");
  auto redacted = api_->queryEvent(ctx_, target);
  ASSERT_TRUE(redacted.ok()) << redacted.error().message;
  EXPECT_EQ(redacted->redactedBecause, std::optional<std::string>(redaction->eventId));
  EXPECT_EQ(redacted->pdu.eventId(), target);
  EXPECT_FALSE(redacted->pdu.content().contains("body"));
  expectError(api_->performRedact(ctx_, {roomId, kAlice, "$nope", std::nullopt, std::nullopt}),
              ErrorCode::kNotFound, "M_NOT_FOUND");
}

TEST_P(RoomserverContractTest, UpgradeCreatesTheReplacementAndTombstones) {
  CreateRoomRequest r;
  r.creator = kAlice;
  r.roomVersion = "11";
  r.name = "Old";
  auto created = api_->performCreateRoom(ctx_, r);
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto upgraded = api_->performUpgradeRoom(ctx_, {created->roomId, kAlice, "12"});
  ASSERT_TRUE(upgraded.ok()) << upgraded.error().message;
  EXPECT_NE(upgraded->replacementRoomId, created->roomId);
  EXPECT_EQ(*api_->queryRoomVersion(ctx_, upgraded->replacementRoomId), "12");
  auto tombstone = api_->queryStateEvent(ctx_, created->roomId, "m.room.tombstone", "");
  ASSERT_TRUE(tombstone.ok()) << tombstone.error().message;
  EXPECT_EQ(str(tombstone->pdu.content(), "replacement_room"), upgraded->replacementRoomId);
  EXPECT_EQ(tombstone->pdu.roomVersion().id, "11");
  expectError(api_->performUpgradeRoom(ctx_, {upgraded->replacementRoomId, kAlice, "999"}),
              ErrorCode::kUnsupportedRoomVersion, "M_UNSUPPORTED_ROOM_VERSION");
}

// ---- Aliases and directory --------------------------------------------------------------------

TEST_P(RoomserverContractTest, AliasesAreSetResolvedAndRemoved) {
  std::string roomId = createRoom(Preset::kPrivateChat);
  ASSERT_TRUE(api_->performSetRoomAlias(ctx_, "#extra:test.local", roomId, kAlice).ok());
  expectError(api_->performSetRoomAlias(ctx_, "#extra:test.local", roomId, kAlice),
              ErrorCode::kConflict, "M_UNKNOWN");
  expectError(api_->performSetRoomAlias(ctx_, "#x:elsewhere.test", roomId, kAlice),
              ErrorCode::kInvalidParam, "M_INVALID_PARAM");
  expectError(api_->performSetRoomAlias(ctx_, "#y:test.local", "!nope:test.local", kAlice),
              ErrorCode::kNotFound, "M_NOT_FOUND");
  EXPECT_EQ(api_->queryRoomIdForAlias(ctx_, "#extra:test.local")->roomId, roomId);
  EXPECT_EQ(*api_->queryAliasesForRoom(ctx_, roomId),
            std::vector<std::string>{"#extra:test.local"});
  expectError(api_->performRemoveRoomAlias(ctx_, "#extra:test.local", kBob), ErrorCode::kForbidden,
              "M_FORBIDDEN");
  ASSERT_TRUE(api_->performRemoveRoomAlias(ctx_, "#extra:test.local", kAlice).ok());
  expectError(api_->queryRoomIdForAlias(ctx_, "#extra:test.local"), ErrorCode::kNotFound,
              "M_NOT_FOUND");
  expectError(api_->performRemoveRoomAlias(ctx_, "#extra:test.local", kAlice), ErrorCode::kNotFound,
              "M_NOT_FOUND");
}

TEST_P(RoomserverContractTest, DirectoryVisibilityAndPagination) {
  std::vector<std::string> rooms;
  for (const char* name : {"Alpha", "Beta", "Gamma"}) {
    CreateRoomRequest r;
    r.creator = kAlice;
    r.name = name;
    auto created = api_->performCreateRoom(ctx_, r);
    ASSERT_TRUE(created.ok());
    rooms.push_back(created->roomId);
    EXPECT_EQ(*api_->queryRoomVisibility(ctx_, created->roomId), Visibility::kPrivate);
    ASSERT_TRUE(api_->performSetRoomVisibility(ctx_, created->roomId, Visibility::kPublic).ok());
    EXPECT_EQ(*api_->queryRoomVisibility(ctx_, created->roomId), Visibility::kPublic);
  }
  PublicRoomsRequest first;
  first.limit = 2;
  auto page1 = api_->queryPublicRooms(ctx_, first);
  ASSERT_TRUE(page1.ok()) << page1.error().message;
  EXPECT_EQ(page1->chunk.size(), 2U);
  EXPECT_EQ(page1->totalRoomCountEstimate, 3);
  EXPECT_EQ(page1->nextBatch, std::optional<std::string>("2"));
  EXPECT_FALSE(page1->prevBatch.has_value());
  PublicRoomsRequest second = first;
  second.since = page1->nextBatch;
  auto page2 = api_->queryPublicRooms(ctx_, second);
  ASSERT_TRUE(page2.ok());
  ASSERT_EQ(page2->chunk.size(), 1U);
  EXPECT_FALSE(page2->nextBatch.has_value());
  EXPECT_EQ(page2->prevBatch, std::optional<std::string>("0"));
  EXPECT_FALSE(page2->chunk[0].topic.has_value());
  EXPECT_FALSE(page2->chunk[0].canonicalAlias.has_value());
  EXPECT_FALSE(page2->chunk[0].avatarUrl.has_value());
  EXPECT_FALSE(page2->chunk[0].roomType.has_value());
  EXPECT_FALSE(page2->chunk[0].worldReadable);
  EXPECT_TRUE(page2->chunk[0].guestCanJoin);  // the private_chat preset's guest access

  PublicRoomsRequest search;
  search.genericSearchTerm = "bEtA";
  auto found = api_->queryPublicRooms(ctx_, search);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->chunk.size(), 1U);
  EXPECT_EQ(found->chunk[0].roomId, rooms[1]);
  EXPECT_EQ(found->chunk[0].name, std::optional<std::string>("Beta"));

  ASSERT_TRUE(api_->performSetRoomVisibility(ctx_, rooms[0], Visibility::kPrivate).ok());
  EXPECT_EQ(api_->queryPublicRooms(ctx_, {})->chunk.size(), 2U);
  PublicRoomsRequest bad;
  bad.since = "not-a-token";
  expectError(api_->queryPublicRooms(ctx_, bad), ErrorCode::kInvalidParam, "M_INVALID_PARAM");
  expectError(api_->performSetRoomVisibility(ctx_, "!nope:test.local", Visibility::kPublic),
              ErrorCode::kNotFound, "M_NOT_FOUND");
}

// ---- Federation -------------------------------------------------------------------------------

TEST_P(RoomserverContractTest, MakeMembershipBuildsTheTemplate) {
  std::string roomId = createRoom(Preset::kPublicChat);
  RoomserverApi::MakeMembershipRequest r{roomId, kYan, "join", kRemote, {"11", "12"}};
  auto made = api_->queryMakeMembership(ctx_, r);
  ASSERT_TRUE(made.ok()) << made.error().message;
  EXPECT_EQ(made->roomVersion, "12");
  const json::Object& t = made->eventTemplate;
  EXPECT_EQ(str(t, "type"), "m.room.member");
  EXPECT_EQ(str(t, "sender"), kYan);
  EXPECT_EQ(str(t, "state_key"), kYan);
  EXPECT_EQ(str(t, "room_id"), roomId);
  ASSERT_NE(t.find("content"), nullptr);
  EXPECT_EQ(t.find("content")->getStringAt("membership"), std::optional<std::string_view>("join"));
  EXPECT_FALSE(t.contains("signatures"));
  r.supportedVersions = {"1"};
  expectError(api_->queryMakeMembership(ctx_, r), ErrorCode::kIncompatibleRoomVersion,
              "M_INCOMPATIBLE_ROOM_VERSION");
  r.supportedVersions = {};
  r.userId = kBob;  // not a user of the asking server
  r.supportedVersions = {"12"};
  expectError(api_->queryMakeMembership(ctx_, r), ErrorCode::kInvalidParam, "M_INVALID_PARAM");
  r.roomId = "!nope:test.local";
  r.userId = kYan;
  expectError(api_->queryMakeMembership(ctx_, r), ErrorCode::kNotFound, "M_NOT_FOUND");
}

// A remote user joins our room: the remote server's make_join/send_join reach us through the
// binding (queryMakeMembership, inputSendMembership, queryStateAtEvent, queryAuthChain), and
// the remote user's later messages arrive as inputEvents.
TEST_P(RoomserverContractTest, RemoteUserJoinsAndTheirEventsAreInput) {
  std::string roomId = createRoom(Preset::kPublicChat);
  ASSERT_FALSE(roomId.empty());
  auto joined = bindings_.remote().performJoin(ctx_, {roomId, kZed, std::nullopt, {kServer}});
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  auto zed = membership(roomId, kZed);
  ASSERT_TRUE(zed.has_value());
  EXPECT_EQ(zed->membership, "join");
  EXPECT_EQ(zed->eventId, joined->eventId);

  auto sent = bindings_.remote().performSendEvent(
      ctx_, {roomId, kZed, "m.room.message", std::nullopt,
             json::Object{{"msgtype", "m.text"}, {"body", "from afar"}}, std::nullopt});
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  auto theirs = bindings_.remote().queryEvent(ctx_, sent->eventId);
  ASSERT_TRUE(theirs.ok());
  std::vector<RoomserverApi::InputRoomEvent> in{
      {theirs->pdu.json(), kRemote, RoomserverApi::InputKind::kNew},
      {json::Object{{"type", "m.room.message"}}, kRemote, RoomserverApi::InputKind::kNew}};
  auto results = api_->inputEvents(ctx_, roomId, in);
  ASSERT_TRUE(results.ok()) << results.error().message;
  ASSERT_EQ(results->size(), 2U);
  EXPECT_EQ((*results)[0].eventId, sent->eventId);
  EXPECT_FALSE((*results)[0].error.has_value()) << *(*results)[0].error;
  EXPECT_NE((*results)[1].eventId, sent->eventId);
  ASSERT_TRUE((*results)[1].error.has_value());
  EXPECT_FALSE((*results)[1].error->empty());
  auto ours = api_->queryEvent(ctx_, sent->eventId);
  ASSERT_TRUE(ours.ok()) << ours.error().message;
  EXPECT_TRUE(ours->pdu.content() == theirs->pdu.content());
  EXPECT_EQ(api_->queryLatestEvents(ctx_, roomId)->eventIds,
            std::vector<std::string>{sent->eventId});

  // A duplicate is a no-op success, whatever its kind.
  auto again = api_->inputEvents(
      ctx_, roomId, {{theirs->pdu.json(), kRemote, RoomserverApi::InputKind::kOutlier}});
  ASSERT_TRUE(again.ok()) << again.error().message;
  ASSERT_EQ(again->size(), 1U);
  EXPECT_EQ((*again)[0].eventId, sent->eventId);
  EXPECT_FALSE((*again)[0].error.has_value());
  expectError(api_->inputEvents(ctx_, "!nope:test.local", in), ErrorCode::kNotFound, "M_NOT_FOUND");
}

TEST_P(RoomserverContractTest, SendMembershipChecksTheEvent) {
  std::string roomId = createRoom(Preset::kPublicChat);
  RoomserverApi::SendMembershipRequest r{roomId, "$wrong", "join", kRemote,
                                         json::Object{{"type", "m.room.member"}}};
  auto bad = api_->inputSendMembership(ctx_, r);
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(bad.error().code == ErrorCode::kBadJson ||
              bad.error().code == ErrorCode::kInvalidParam)
      << bad.error().message;
  r.roomId = "!nope:test.local";
  expectError(api_->inputSendMembership(ctx_, r), ErrorCode::kNotFound, "M_NOT_FOUND");
}

// A remote server invites our user: its invite reaches us through the binding (inputInvite).
TEST_P(RoomserverContractTest, ReceivesARemoteInvite) {
  std::string roomId = remoteRoom(Preset::kPrivateChat);
  ASSERT_FALSE(roomId.empty());
  auto invited =
      bindings_.remote().performInvite(ctx_, {roomId, kZed, kAlice, std::nullopt, false});
  ASSERT_TRUE(invited.ok()) << invited.error().message;
  auto alice = membership(roomId, kAlice);
  ASSERT_TRUE(alice.has_value());
  EXPECT_EQ(alice->membership, "invite");
  EXPECT_EQ(alice->eventId, invited->eventId);
  EXPECT_EQ(*api_->queryRoomsForUser(ctx_, kAlice, "invite"), std::vector<std::string>{roomId});
  // The remote room has the invite with our signature.
  auto theirs = bindings_.remote().queryEvent(ctx_, invited->eventId);
  ASSERT_TRUE(theirs.ok());
  EXPECT_NE(theirs->pdu.json().find("signatures")->get(kServer), nullptr);

  // Called directly: the answer is the event with our signature added.
  auto second =
      bindings_.remote().queryStateEvent(ctx_, roomId, "m.room.member", kAlice);  // the invite
  ASSERT_TRUE(second.ok());
  json::Object unsignedByUs = second->pdu.json();
  json::Object sigs = *unsignedByUs.find("signatures")->getObject();
  sigs.erase(kServer);
  unsignedByUs.set("signatures", sigs);
  RoomserverApi::InviteInput input{roomId,
                                   invited->eventId,
                                   "12",
                                   kRemote,
                                   unsignedByUs,
                                   {json::Object{{"type", "m.room.name"},
                                                 {"state_key", ""},
                                                 {"sender", kZed},
                                                 {"content", json::Object{{"name", "Zed's"}}}}}};
  auto signedByUs = api_->inputInvite(ctx_, input);
  ASSERT_TRUE(signedByUs.ok()) << signedByUs.error().message;
  EXPECT_NE(signedByUs->find("signatures")->get(kServer), nullptr);
  EXPECT_NE(signedByUs->find("signatures")->get(kRemote), nullptr);
  EXPECT_TRUE(*signedByUs->find("content") == *unsignedByUs.find("content"));

  input.roomVersion = "999";
  expectError(api_->inputInvite(ctx_, input), ErrorCode::kIncompatibleRoomVersion,
              "M_INCOMPATIBLE_ROOM_VERSION");
}

// Our user joins a room of the remote server and fetches the history from before the join.
TEST_P(RoomserverContractTest, JoinsARemoteRoomAndBackfills) {
  std::string roomId = remoteRoom(Preset::kPublicChat);
  ASSERT_FALSE(roomId.empty());
  std::vector<std::string> history;
  for (int i = 0; i < 3; ++i) {
    auto sent = bindings_.remote().performSendEvent(
        ctx_,
        {roomId, kZed, "m.room.message", std::nullopt,
         json::Object{{"msgtype", "m.text"}, {"body", "old " + std::to_string(i)}}, std::nullopt});
    ASSERT_TRUE(sent.ok());
    history.push_back(sent->eventId);
  }
  auto joined = api_->performJoin(ctx_, {roomId, kAlice, std::nullopt, {kRemote}});
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  EXPECT_EQ(joined->roomId, roomId);
  EXPECT_EQ(membershipOf(roomId, kAlice), "join");
  EXPECT_TRUE(api_->queryEvents(ctx_, history)->empty());

  auto join = api_->queryEvent(ctx_, joined->eventId);
  ASSERT_TRUE(join.ok());
  std::vector<std::string> prevs;
  for (auto p : join->pdu.prevEvents()) prevs.emplace_back(p);
  auto backfilled = api_->performBackfill(ctx_, roomId, prevs, 50);
  ASSERT_TRUE(backfilled.ok()) << backfilled.error().message;
  std::set<std::string> got;
  for (const auto& e : *backfilled) got.insert(e.pdu.eventId());
  for (const auto& id : history) EXPECT_TRUE(got.contains(id)) << id;
  EXPECT_EQ(api_->queryEvents(ctx_, history)->size(), history.size());

  expectError(api_->performBackfill(ctx_, roomId, {}, 10), ErrorCode::kInvalidParam,
              "M_INVALID_PARAM");
  expectError(api_->performBackfill(ctx_, "!nope:remote.test", {"$x"}, 10), ErrorCode::kNotFound,
              "M_NOT_FOUND");
}

TEST_P(RoomserverContractTest, KnocksOnARemoteRoom) {
  std::string roomId = remoteRoom(Preset::kPrivateChat, "knock");
  ASSERT_FALSE(roomId.empty());
  auto knocked = api_->performKnock(ctx_, {roomId, kAlice, std::string("let me in"), {kRemote}});
  ASSERT_TRUE(knocked.ok()) << knocked.error().message;
  EXPECT_EQ(knocked->roomId, roomId);
  EXPECT_FALSE(knocked->eventId.empty());
  EXPECT_EQ(membershipOf(roomId, kAlice), "knock");
  EXPECT_EQ(*api_->queryRoomsForUser(ctx_, kAlice, "knock"), std::vector<std::string>{roomId});
  auto theirs = bindings_.remote().queryStateEvent(ctx_, roomId, "m.room.member", kAlice);
  ASSERT_TRUE(theirs.ok()) << theirs.error().message;
  EXPECT_EQ(theirs->pdu.eventId(), knocked->eventId);
  EXPECT_EQ(str(theirs->pdu.content(), "reason"), "let me in");

  std::string closed = remoteRoom(Preset::kPrivateChat, "invite");
  expectError(api_->performKnock(ctx_, {closed, kAlice, std::nullopt, {kRemote}}),
              ErrorCode::kForbidden, "M_FORBIDDEN");
}

std::string bindingName(const ::testing::TestParamInfo<Binding>& param) {
  return param.param == Binding::kInProcess ? "InProcess" : "Grpc";
}

INSTANTIATE_TEST_SUITE_P(Bindings, RoomserverContractTest,
                         ::testing::Values(Binding::kInProcess, Binding::kGrpc), bindingName);

}  // namespace
}  // namespace plexus::roomserver
