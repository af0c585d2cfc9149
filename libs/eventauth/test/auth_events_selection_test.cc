// Unit tests for authStateTuplesFor and checkAuthEventsSelection.
#include <gtest/gtest.h>

#include "plexus/eventauth/event_auth.h"
#include "test_events.h"

namespace plexus::eventauth {
namespace {

using testing::makePdu;

std::vector<StateTuple> tuples(std::initializer_list<std::pair<const char*, const char*>> list) {
  std::vector<StateTuple> out;
  for (const auto& [type, key] : list) out.push_back({type, key});
  return out;
}

TEST(AuthStateTuplesForTest, CreateEventHasNoAuthEvents) {
  auto create = makePdu(R"({"event_id":"$c","type":"m.room.create","state_key":"",
      "sender":"@alice:example.org","content":{"creator":"@alice:example.org"}})",
                        "10");
  EXPECT_TRUE(authStateTuplesFor(create).empty());
}

TEST(AuthStateTuplesForTest, MessageNeedsCreatePowerLevelsAndSenderMember) {
  auto message = makePdu(R"({"event_id":"$m","type":"m.room.message",
      "sender":"@bob:example.org","content":{}})",
                         "10");
  EXPECT_EQ(authStateTuplesFor(message), tuples({{"m.room.create", ""},
                                                 {"m.room.power_levels", ""},
                                                 {"m.room.member", "@bob:example.org"}}));
}

TEST(AuthStateTuplesForTest, V12OmitsTheCreateEvent) {
  auto message = makePdu(R"({"event_id":"$m","type":"m.room.message",
      "sender":"@bob:example.org","content":{}})",
                         "12", "!c");
  EXPECT_EQ(authStateTuplesFor(message),
            tuples({{"m.room.power_levels", ""}, {"m.room.member", "@bob:example.org"}}));
}

TEST(AuthStateTuplesForTest, RestrictedJoinAddsJoinRulesAndAuthoriser) {
  auto join = makePdu(R"({"event_id":"$j","type":"m.room.member","state_key":"@bob:example.org",
      "sender":"@bob:example.org","content":{"membership":"join",
      "join_authorised_via_users_server":"@alice:example.org"}})",
                      "10");
  EXPECT_EQ(authStateTuplesFor(join), tuples({{"m.room.create", ""},
                                              {"m.room.power_levels", ""},
                                              {"m.room.member", "@bob:example.org"},
                                              {"m.room.join_rules", ""},
                                              {"m.room.member", "@alice:example.org"}}));
}

TEST(AuthStateTuplesForTest, AuthoriserIgnoredBeforeRestrictedJoins) {
  auto join = makePdu(R"({"event_id":"$j","type":"m.room.member","state_key":"@bob:example.org",
      "sender":"@bob:example.org","content":{"membership":"join",
      "join_authorised_via_users_server":"@alice:example.org"}})",
                      "7");
  EXPECT_EQ(authStateTuplesFor(join), tuples({{"m.room.create", ""},
                                              {"m.room.power_levels", ""},
                                              {"m.room.member", "@bob:example.org"},
                                              {"m.room.join_rules", ""}}));
}

TEST(AuthStateTuplesForTest, ThirdPartyInviteAddsTargetJoinRulesAndToken) {
  auto invite = makePdu(R"({"event_id":"$i","type":"m.room.member",
      "state_key":"@carol:example.org","sender":"@alice:example.org","content":{
      "membership":"invite","third_party_invite":{"signed":{"mxid":"@carol:example.org",
      "token":"tok"}}}})",
                        "10");
  EXPECT_EQ(authStateTuplesFor(invite), tuples({{"m.room.create", ""},
                                                {"m.room.power_levels", ""},
                                                {"m.room.member", "@alice:example.org"},
                                                {"m.room.member", "@carol:example.org"},
                                                {"m.room.join_rules", ""},
                                                {"m.room.third_party_invite", "tok"}}));
}

TEST(AuthStateTuplesForTest, KnockNeedsJoinRulesFromV7AndLeaveNever) {
  auto knock = makePdu(R"({"event_id":"$k","type":"m.room.member","state_key":"@bob:example.org",
      "sender":"@bob:example.org","content":{"membership":"knock"}})",
                       "7");
  EXPECT_EQ(authStateTuplesFor(knock).back(), (StateTuple{"m.room.join_rules", ""}));
  auto kick = makePdu(R"({"event_id":"$l","type":"m.room.member","state_key":"@bob:example.org",
      "sender":"@alice:example.org","content":{"membership":"leave"}})",
                      "7");
  EXPECT_EQ(authStateTuplesFor(kick), tuples({{"m.room.create", ""},
                                              {"m.room.power_levels", ""},
                                              {"m.room.member", "@alice:example.org"},
                                              {"m.room.member", "@bob:example.org"}}));
}

class AuthEventsSelectionTest : public ::testing::Test {
 protected:
  events::Pdu create_ = makePdu(R"({"event_id":"$c","type":"m.room.create","state_key":"",
      "sender":"@alice:example.org","content":{"creator":"@alice:example.org"}})",
                                "10");
  events::Pdu pl_ = makePdu(R"({"event_id":"$pl","type":"m.room.power_levels","state_key":"",
      "sender":"@alice:example.org","content":{}})",
                            "10");
  events::Pdu alice_ = makePdu(R"({"event_id":"$a","type":"m.room.member",
      "state_key":"@alice:example.org","sender":"@alice:example.org",
      "content":{"membership":"join"}})",
                               "10");
  events::Pdu bob_ = makePdu(R"({"event_id":"$b","type":"m.room.member",
      "state_key":"@bob:example.org","sender":"@bob:example.org",
      "content":{"membership":"join"}})",
                             "10");
  events::Pdu joinRules_ = makePdu(R"({"event_id":"$jr","type":"m.room.join_rules",
      "state_key":"","sender":"@alice:example.org","content":{"join_rule":"public"}})",
                                   "10");
  events::Pdu topic_ = makePdu(R"({"event_id":"$t","type":"m.room.topic","state_key":"",
      "sender":"@alice:example.org","content":{}})",
                               "10");
  events::Pdu message_ = makePdu(R"({"event_id":"$m","type":"m.room.message",
      "sender":"@alice:example.org","content":{}})",
                                 "10");
  events::Pdu foreignCreate_ = makePdu(R"({"event_id":"$c2","type":"m.room.create",
      "state_key":"","sender":"@alice:example.org","content":{"creator":"@alice:example.org"}})",
                                       "10", "!other:example.org");
};

Status select(const events::Pdu& event, std::initializer_list<const events::Pdu*> list) {
  std::vector<const events::Pdu*> v(list);
  return checkAuthEventsSelection(event, v);
}

TEST_F(AuthEventsSelectionTest, AcceptsTheExpectedAuthEvents) {
  EXPECT_TRUE(select(message_, {&create_, &pl_, &alice_}).ok());
  EXPECT_TRUE(select(message_, {&alice_, &create_}).ok());
  auto join = makePdu(R"({"event_id":"$j","type":"m.room.member","state_key":"@carol:example.org",
      "sender":"@carol:example.org","content":{"membership":"join"}})",
                      "10");
  EXPECT_TRUE(select(join, {&create_, &pl_, &joinRules_}).ok());
}

TEST_F(AuthEventsSelectionTest, RejectsDuplicateTypeAndStateKey) {
  auto pl2 = makePdu(R"({"event_id":"$pl2","type":"m.room.power_levels","state_key":"",
      "sender":"@alice:example.org","content":{}})",
                     "10");
  auto status = select(message_, {&create_, &pl_, &pl2, &alice_});
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("duplicate"), std::string::npos);
}

TEST_F(AuthEventsSelectionTest, RejectsEntriesOutsideTheSelection) {
  EXPECT_FALSE(select(message_, {&create_, &topic_}).ok());
  EXPECT_FALSE(select(message_, {&create_, &joinRules_}).ok());  // join rules: member events only
  EXPECT_FALSE(select(message_, {&create_, &bob_}).ok());        // another user's membership
}

TEST_F(AuthEventsSelectionTest, RejectsMissingCreateBeforeV12) {
  auto status = select(message_, {&pl_, &alice_});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kForbidden);
  EXPECT_NE(status.error().message.find("m.room.create"), std::string::npos);
}

TEST_F(AuthEventsSelectionTest, RejectsNullNonStateAndForeignEntries) {
  EXPECT_FALSE(select(message_, {&create_, nullptr}).ok());
  EXPECT_FALSE(select(message_, {&create_, &message_}).ok());
  EXPECT_FALSE(select(message_, {&foreignCreate_}).ok());
}

TEST_F(AuthEventsSelectionTest, CreateEventIsNotChecked) { EXPECT_TRUE(select(create_, {}).ok()); }

TEST(AuthEventsSelectionV12Test, RejectsTheCreateEventAndAcceptsTheRest) {
  auto create = makePdu(R"({"event_id":"$c","type":"m.room.create","state_key":"",
      "sender":"@alice:example.org","content":{}})",
                        "12");
  const std::string roomId(create.roomId());
  EXPECT_EQ(roomId, "!c");
  auto alice = makePdu(R"({"event_id":"$a","type":"m.room.member",
      "state_key":"@alice:example.org","sender":"@alice:example.org",
      "content":{"membership":"join"}})",
                       "12", roomId);
  auto message = makePdu(R"({"event_id":"$m","type":"m.room.message",
      "sender":"@alice:example.org","content":{}})",
                         "12", roomId);
  std::vector<const events::Pdu*> good{&alice};
  EXPECT_TRUE(checkAuthEventsSelection(message, good).ok());
  std::vector<const events::Pdu*> withCreate{&create, &alice};
  auto status = checkAuthEventsSelection(message, withCreate);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("does not allow"), std::string::npos);
}

TEST(AuthEventListTest, FindsByTypeAndStateKeyFirstWins) {
  auto a = makePdu(R"({"event_id":"$a","type":"m.room.member","state_key":"@a:x.org",
      "sender":"@a:x.org","content":{"membership":"join"}})",
                   "10");
  auto b = makePdu(R"({"event_id":"$b","type":"m.room.member","state_key":"@a:x.org",
      "sender":"@a:x.org","content":{"membership":"leave"}})",
                   "10");
  auto m = makePdu(R"({"event_id":"$m","type":"m.room.member",
      "sender":"@a:x.org","content":{"membership":"join"}})",
                   "10");
  AuthEventList list({&m, nullptr, &a, &b});
  EXPECT_EQ(list.find("m.room.member", "@a:x.org"), &a);
  EXPECT_EQ(list.find("m.room.member", ""), nullptr);  // m has no state_key
  EXPECT_EQ(list.find("m.room.create", ""), nullptr);
}

}  // namespace
}  // namespace plexus::eventauth
