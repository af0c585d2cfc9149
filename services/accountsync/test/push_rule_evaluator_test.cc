// The pure push-rule evaluator: glob and word-boundary matching, property paths, every
// condition kind, rule order, and the spec's default rules on typical events.
#include "accountsync/api/push_rule_evaluator.h"

#include <gtest/gtest.h>

#include <string>

#include "accountsync/api/push_rule_defaults.h"
#include "accountsync/impl/push_rules.h"

namespace plexus::accountsync::pushrules {
namespace {

const std::string kUser = "@alice:example.org";

json::Object message(std::string body, std::string sender = "@bob:example.org") {
  return json::Object{{"type", "m.room.message"},
                      {"room_id", "!r:example.org"},
                      {"sender", std::move(sender)},
                      {"content", json::Object{{"msgtype", "m.text"}, {"body", std::move(body)}}}};
}

std::string matchedRule(const json::Object& ruleset, const json::Object& event,
                        const EvaluationContext& ctx) {
  auto m = evaluate(ruleset, event, ctx);
  return m ? m->ruleId : "";
}

TEST(GlobTest, MatchesWholeValueCaseInsensitively) {
  EXPECT_TRUE(globMatches("lunc?*", "Lunch plans", false));
  EXPECT_TRUE(globMatches("lunc?*", "LUNCH", false));
  EXPECT_FALSE(globMatches("lunc?*", " lunch", false));
  EXPECT_FALSE(globMatches("lunc?*", "lunc", false));
  EXPECT_TRUE(globMatches("m.room.*", "m.room.message", false));
  EXPECT_FALSE(globMatches("m.room", "m.room.message", false));
  EXPECT_TRUE(globMatches("", "", false));
  EXPECT_FALSE(globMatches("", "x", false));
  EXPECT_TRUE(globMatches("?", "é", false));  // ? is one character, not one byte
}

TEST(GlobTest, BodyMatchesAtWordBoundaries) {
  EXPECT_TRUE(globMatches("ex*ple", "An example event.", true));
  EXPECT_TRUE(globMatches("ex*ple", "exple", true));
  EXPECT_TRUE(globMatches("ex*ple", "An exciting triple-whammy", true));
  EXPECT_TRUE(globMatches("alice", "hey Alice!", true));
  EXPECT_FALSE(globMatches("alice", "malice", true));
  EXPECT_FALSE(globMatches("alice", "alices", true));
  EXPECT_TRUE(globMatches("@room", "hello @room", true));
  EXPECT_FALSE(globMatches("cake", "cakes", true));
}

TEST(GlobTest, LongHostileInputStaysFast) {
  std::string body(60000, 'a');
  EXPECT_FALSE(globMatches("*a*a*a*a*a*a*a*a*b", body, true));
  EXPECT_FALSE(globMatches("*a*a*a*a*a*a*a*a*b", body, false));
}

TEST(PropertyPathTest, HonoursEscapes) {
  json::Object event{
      {"content", json::Object{{"m.mentions", json::Object{{"room", true}}}, {"a\\b", 1}}}};
  ASSERT_NE(lookupPath(event, "content.m\\.mentions.room"), nullptr);
  EXPECT_EQ(lookupPath(event, "content.m.mentions.room"), nullptr);
  ASSERT_NE(lookupPath(event, "content.a\\\\b"), nullptr);
  EXPECT_EQ(lookupPath(event, "content.missing"), nullptr);
  EXPECT_EQ(lookupPath(event, "content.m\\.mentions.room.deeper"), nullptr);
}

TEST(EvaluateTest, DefaultsNotifyForMessagesInGroupsAndOneToOnes) {
  json::Object rules = defaultRuleset(kUser, "alice");
  EvaluationContext ctx;
  ctx.roomMemberCount = 5;
  EXPECT_EQ(matchedRule(rules, message("hi"), ctx), ".m.rule.message");
  ctx.roomMemberCount = 2;
  auto m = evaluate(rules, message("hi"), ctx);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->ruleId, ".m.rule.room_one_to_one");
  EXPECT_EQ(m->kind, "underride");
  Tweaks t = summarize(m->actions);
  EXPECT_TRUE(t.notify);
  EXPECT_FALSE(t.highlight);
  EXPECT_EQ(t.sound, "default");
}

TEST(EvaluateTest, DefaultsHighlightMentions) {
  json::Object rules = defaultRuleset(kUser, "alice");
  EvaluationContext ctx;
  ctx.roomMemberCount = 5;
  json::Object mention = message("hey");
  mention["content"].getObject()->set("m.mentions", json::Object{{"user_ids", json::Array{kUser}}});
  auto m = evaluate(rules, mention, ctx);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->ruleId, ".m.rule.is_user_mention");
  EXPECT_TRUE(summarize(m->actions).highlight);

  ctx.userDisplayName = "Alice Smith";
  EXPECT_EQ(matchedRule(rules, message("ping alice smith?"), ctx), ".m.rule.contains_display_name");
  EXPECT_EQ(matchedRule(rules, message("is alice there"), EvaluationContext{5, {}, {}, {}}),
            ".m.rule.contains_user_name");
}

TEST(EvaluateTest, RoomMentionNeedsSenderPermission) {
  json::Object rules = defaultRuleset(kUser, "alice");
  json::Object event = message("@room meeting now");
  EvaluationContext ctx;
  ctx.roomMemberCount = 5;
  ctx.powerLevels = json::Object{{"users", json::Object{{"@bob:example.org", 50}}}};
  EXPECT_EQ(matchedRule(rules, event, ctx), ".m.rule.roomnotif");
  ctx.powerLevels = json::Object{{"users", json::Object{{"@bob:example.org", 10}}},
                                 {"notifications", json::Object{{"room", 20}}}};
  EXPECT_EQ(matchedRule(rules, event, ctx), ".m.rule.message");
  ctx.senderPowerLevel = 100;
  EXPECT_EQ(matchedRule(rules, event, ctx), ".m.rule.roomnotif");
}

TEST(EvaluateTest, DefaultsSilenceNoticesEditsReactionsAndMembers) {
  json::Object rules = defaultRuleset(kUser, "alice");
  EvaluationContext ctx{2, {}, {}, {}};
  json::Object notice = message("beep");
  notice["content"].getObject()->set("msgtype", "m.notice");
  auto m = evaluate(rules, notice, ctx);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->ruleId, ".m.rule.suppress_notices");
  EXPECT_FALSE(summarize(m->actions).notify);

  json::Object edit = message("* fixed");
  edit["content"].getObject()->set("m.relates_to",
                                   json::Object{{"rel_type", "m.replace"}, {"event_id", "$x"}});
  EXPECT_EQ(matchedRule(rules, edit, ctx), ".m.rule.suppress_edits");

  json::Object reaction{
      {"type", "m.reaction"}, {"sender", "@bob:example.org"}, {"content", json::Object{}}};
  EXPECT_EQ(matchedRule(rules, reaction, ctx), ".m.rule.reaction");

  json::Object invite{{"type", "m.room.member"},
                      {"state_key", kUser},
                      {"sender", "@bob:example.org"},
                      {"content", json::Object{{"membership", "invite"}}}};
  EXPECT_EQ(matchedRule(rules, invite, ctx), ".m.rule.invite_for_me");
  invite.set("state_key", "@carol:example.org");
  EXPECT_EQ(matchedRule(rules, invite, ctx), ".m.rule.member_event");
}

TEST(EvaluateTest, TombstoneNeedsEmptyStateKey) {
  json::Object rules = defaultRuleset(kUser, "alice");
  json::Object tomb{{"type", "m.room.tombstone"},
                    {"state_key", ""},
                    {"sender", "@bob:example.org"},
                    {"content", json::Object{}}};
  EvaluationContext ctx{5, {}, {}, {}};
  EXPECT_EQ(matchedRule(rules, tomb, ctx), ".m.rule.tombstone");
  tomb.erase("state_key");
  EXPECT_EQ(matchedRule(rules, tomb, ctx), "");
}

TEST(EvaluateTest, MasterRuleAndUserRulesTakePriority) {
  json::Object rules = defaultRuleset(kUser, "alice");
  EvaluationContext ctx{5, {}, {}, {}};
  ASSERT_TRUE(
      putRule(rules, "room", "!r:example.org", json::Object{{"actions", json::Array{}}}, {}, {})
          .ok());
  auto m = evaluate(rules, message("hi"), ctx);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->ruleId, "!r:example.org");
  EXPECT_FALSE(summarize(m->actions).notify);
  ASSERT_TRUE(setEnabled(rules, "room", "!r:example.org", false).ok());
  EXPECT_EQ(matchedRule(rules, message("hi"), ctx), ".m.rule.message");
  ASSERT_TRUE(putRule(rules, "sender", "@bob:example.org",
                      json::Object{{"actions", json::Array{"notify"}}}, {}, {})
                  .ok());
  EXPECT_EQ(matchedRule(rules, message("hi"), ctx), "@bob:example.org");
  ASSERT_TRUE(setEnabled(rules, "override", ".m.rule.master", true).ok());
  EXPECT_EQ(matchedRule(rules, message("hi"), ctx), ".m.rule.master");
}

TEST(EvaluateTest, ConditionKinds) {
  auto one = [](json::Object condition) {
    return json::Object{
        {"global", json::Object{{"override",
                                 json::Array{json::Object{{"rule_id", "r"},
                                                          {"enabled", true},
                                                          {"conditions", json::Array{condition}},
                                                          {"actions", json::Array{"notify"}}}}}}}};
  };
  json::Object event{{"type", "m.room.create"},
                     {"content", json::Object{{"m.federate", true},
                                              {"n", 3},
                                              {"alt", json::Array{"#a:x", 7, json::Object{}}}}}};
  EvaluationContext ctx{10, {}, {}, {}};
  auto matches = [&](json::Object c) {
    return evaluate(one(std::move(c)), event, ctx).has_value();
  };
  EXPECT_TRUE(
      matches({{"kind", "event_property_is"}, {"key", "content.m\\.federate"}, {"value", true}}));
  EXPECT_FALSE(
      matches({{"kind", "event_property_is"}, {"key", "content.m\\.federate"}, {"value", "true"}}));
  EXPECT_FALSE(matches({{"kind", "event_property_is"}, {"key", "content.n"}, {"value", 1}}));
  EXPECT_TRUE(matches({{"kind", "event_property_is"}, {"key", "content.n"}, {"value", 3}}));
  EXPECT_TRUE(
      matches({{"kind", "event_property_contains"}, {"key", "content.alt"}, {"value", "#a:x"}}));
  EXPECT_TRUE(matches({{"kind", "event_property_contains"}, {"key", "content.alt"}, {"value", 7}}));
  EXPECT_FALSE(
      matches({{"kind", "event_property_contains"}, {"key", "content.alt"}, {"value", ":x"}}));
  EXPECT_FALSE(matches({{"kind", "event_match"}, {"key", "content.n"}, {"pattern", "*"}}));
  EXPECT_TRUE(matches({{"kind", "room_member_count"}, {"is", "10"}}));
  EXPECT_TRUE(matches({{"kind", "room_member_count"}, {"is", "==10"}}));
  EXPECT_TRUE(matches({{"kind", "room_member_count"}, {"is", "<11"}}));
  EXPECT_TRUE(matches({{"kind", "room_member_count"}, {"is", "<=10"}}));
  EXPECT_TRUE(matches({{"kind", "room_member_count"}, {"is", ">=10"}}));
  EXPECT_FALSE(matches({{"kind", "room_member_count"}, {"is", ">10"}}));
  EXPECT_FALSE(matches({{"kind", "room_member_count"}, {"is", "ten"}}));
  EXPECT_FALSE(matches({{"kind", "no_such_condition"}}));
  EXPECT_FALSE(matches({{"kind", "contains_display_name"}}));
}

TEST(EvaluateTest, MalformedRulesetsNeverMatchOrCrash) {
  EvaluationContext ctx;
  EXPECT_FALSE(evaluate(json::Object{}, message("x"), ctx).has_value());
  EXPECT_FALSE(evaluate(json::Object{{"global", 5}}, message("x"), ctx).has_value());
  json::Object weird{
      {"global", json::Object{{"override", json::Array{5, json::Object{},
                                                       json::Object{{"rule_id", "x"},
                                                                    {"enabled", true},
                                                                    {"conditions", "nope"}}}}}}};
  EXPECT_FALSE(evaluate(weird, message("x"), ctx).has_value());
}

TEST(TweaksTest, HighlightWithoutValueIsTrue) {
  Tweaks t = summarize(json::Array{"notify", json::Object{{"set_tweak", "highlight"}}});
  EXPECT_TRUE(t.highlight);
  t = summarize(json::Array{json::Object{{"set_tweak", "highlight"}, {"value", false}}});
  EXPECT_FALSE(t.highlight);
  EXPECT_FALSE(t.notify);
}

// The api target alone (push_rule_defaults.h, no impl header) gives callers outside
// account-sync — sync-api's unread counts — the rules a user has before storing any.
TEST(ApiDefaultsTest, ServeUsersWithoutStoredRules) {
  json::Object rules = plexus::accountsync::pushrules::defaultRuleset("@carol:x.org", "carol");
  EvaluationContext ctx;
  ctx.roomMemberCount = 3;
  auto plain = evaluate(rules, message("lunch?"), ctx);
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->ruleId, ".m.rule.message");
  EXPECT_EQ(json::Value(plain->actions), json::Value(json::Array{"notify"}));
  EXPECT_TRUE(summarize(plain->actions).notify);
  EXPECT_FALSE(summarize(plain->actions).highlight);
  EXPECT_EQ(matchedRule(rules, message("carol, lunch?"), ctx), ".m.rule.contains_user_name");
  json::Object invite{{"type", "m.room.member"}, {"state_key", "@carol:x.org"},
                      {"sender", "@bob:x.org"}, {"room_id", "!r:x.org"},
                      {"content", json::Object{{"membership", "invite"}}}};
  EXPECT_EQ(matchedRule(rules, invite, ctx), ".m.rule.invite_for_me");
}

}  // namespace
}  // namespace plexus::accountsync::pushrules
