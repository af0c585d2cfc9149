// Push rules: the spec's defaults, CRUD with before/after ordering, enable/actions, errors;
// both the pure ruleset functions and the service on SQLite and PostgreSQL.
#include "accountsync/impl/push_rules.h"

#include <string>
#include <vector>

#include "service_fixture.h"

namespace plexus::accountsync::testing {
namespace {

std::vector<std::string> ruleIds(const json::Object& ruleset, std::string_view kind) {
  std::vector<std::string> out;
  const json::Value* global = ruleset.find("global");
  const json::Value* list = global ? global->get(kind) : nullptr;
  if (!list || !list->getArray()) return out;
  for (const auto& rule : *list->getArray()) out.emplace_back(*rule.getStringAt("rule_id"));
  return out;
}

json::Object body(std::initializer_list<json::Object::Member> members) {
  return json::Object(members);
}

TEST(PushRuleDefaultsTest, ContainsCurrentSpecRulesInOrder) {
  json::Object rules = pushrules::defaultRuleset("@alice:example.org", "alice");
  EXPECT_EQ(ruleIds(rules, "override"),
            (std::vector<std::string>{
                ".m.rule.master", ".m.rule.suppress_notices", ".m.rule.invite_for_me",
                ".m.rule.member_event", ".m.rule.is_user_mention", ".m.rule.contains_display_name",
                ".m.rule.is_room_mention", ".m.rule.roomnotif", ".m.rule.tombstone",
                ".m.rule.reaction", ".m.rule.room.server_acl", ".m.rule.suppress_edits"}));
  EXPECT_EQ(ruleIds(rules, "content"), (std::vector<std::string>{".m.rule.contains_user_name"}));
  EXPECT_EQ(ruleIds(rules, "underride"),
            (std::vector<std::string>{".m.rule.call", ".m.rule.encrypted_room_one_to_one",
                                      ".m.rule.room_one_to_one", ".m.rule.message",
                                      ".m.rule.encrypted"}));
  EXPECT_TRUE(ruleIds(rules, "room").empty());
  EXPECT_TRUE(ruleIds(rules, "sender").empty());
}

TEST(PushRuleDefaultsTest, FillsInUserIdAndLocalpart) {
  json::Object rules = pushrules::defaultRuleset("@alice:example.org", "alice");
  auto invite = pushrules::findRule(rules, "override", ".m.rule.invite_for_me");
  ASSERT_TRUE(invite.ok());
  const json::Array& conditions = *invite->find("conditions")->getArray();
  EXPECT_EQ(conditions[2].getStringAt("pattern"), "@alice:example.org");
  auto mention = pushrules::findRule(rules, "override", ".m.rule.is_user_mention");
  EXPECT_EQ((*mention->find("conditions")->getArray())[0].getStringAt("key"),
            "content.m\\.mentions.user_ids");
  EXPECT_EQ((*mention->find("conditions")->getArray())[0].getStringAt("value"),
            "@alice:example.org");
  auto name = pushrules::findRule(rules, "content", ".m.rule.contains_user_name");
  EXPECT_EQ(name->find("pattern")->getString() ? *name->find("pattern")->getString() : "", "alice");
  auto master = pushrules::findRule(rules, "override", ".m.rule.master");
  EXPECT_EQ(master->find("enabled")->getBool(), false);
}

TEST(PushRuleEditTest, NewRulesGoOnTopOfUserRulesBelowMaster) {
  json::Object rules = pushrules::defaultRuleset("@a:x", "a");
  json::Object rule = body({{"actions", json::Array{"notify"}}, {"conditions", json::Array{}}});
  ASSERT_TRUE(pushrules::putRule(rules, "override", "one", rule, {}, {}).ok());
  ASSERT_TRUE(pushrules::putRule(rules, "override", "two", rule, {}, {}).ok());
  auto ids = ruleIds(rules, "override");
  EXPECT_EQ(ids[0], ".m.rule.master");
  EXPECT_EQ(ids[1], "two");
  EXPECT_EQ(ids[2], "one");
  EXPECT_EQ(ids[3], ".m.rule.suppress_notices");
}

TEST(PushRuleEditTest, BeforeAndAfterPlaceRelativeToUserRules) {
  json::Object rules = pushrules::defaultRuleset("@a:x", "a");
  json::Object rule = body({{"actions", json::Array{}}, {"pattern", "cake"}});
  ASSERT_TRUE(pushrules::putRule(rules, "content", "a", rule, {}, {}).ok());
  ASSERT_TRUE(pushrules::putRule(rules, "content", "b", rule, {}, std::string("a")).ok());
  ASSERT_TRUE(pushrules::putRule(rules, "content", "c", rule, std::string("a"), {}).ok());
  EXPECT_EQ(ruleIds(rules, "content"),
            (std::vector<std::string>{"c", "a", "b", ".m.rule.contains_user_name"}));
  // Moving an existing rule.
  ASSERT_TRUE(pushrules::putRule(rules, "content", "c", rule, {}, std::string("b")).ok());
  EXPECT_EQ(ruleIds(rules, "content"),
            (std::vector<std::string>{"a", "b", "c", ".m.rule.contains_user_name"}));
  // Replacing without before/after keeps the place.
  ASSERT_TRUE(pushrules::putRule(rules, "content", "b", rule, {}, {}).ok());
  EXPECT_EQ(ruleIds(rules, "content")[1], "b");
}

TEST(PushRuleEditTest, RejectsBadPuts) {
  json::Object rules = pushrules::defaultRuleset("@a:x", "a");
  json::Object ok = body({{"actions", json::Array{"notify"}}});
  auto code = [&](std::string_view kind, std::string_view id, const json::Object& b,
                  std::optional<std::string> before, std::optional<std::string> after) {
    auto s = pushrules::putRule(rules, kind, id, b, before, after);
    return s.ok() ? ErrorCode::kUnknown : s.error().code;
  };
  EXPECT_EQ(code("bogus", "r", ok, {}, {}), ErrorCode::kInvalidParam);
  EXPECT_EQ(code("override", ".m.rule.mine", ok, {}, {}), ErrorCode::kInvalidParam);
  EXPECT_EQ(code("override", "r", body({}), {}, {}), ErrorCode::kMissingParam);
  EXPECT_EQ(code("override", "r", body({{"actions", "notify"}}), {}, {}), ErrorCode::kBadJson);
  EXPECT_EQ(code("override", "r", body({{"actions", json::Array{"explode"}}}), {}, {}),
            ErrorCode::kBadJson);
  EXPECT_EQ(code("content", "r", ok, {}, {}), ErrorCode::kMissingParam);  // no pattern
  EXPECT_EQ(code("override", "r", ok, std::string(".m.rule.master"), {}), ErrorCode::kInvalidParam);
  EXPECT_EQ(code("override", "r", ok, std::string("missing"), {}), ErrorCode::kInvalidParam);
  EXPECT_EQ(code("override", "r", ok, std::string("a"), std::string("b")),
            ErrorCode::kInvalidParam);
  EXPECT_EQ(code("override", "r", body({{"actions", json::Array{}}, {"conditions", 5}}), {}, {}),
            ErrorCode::kBadJson);
}

TEST(PushRuleEditTest, StripsHistoricalActions) {
  auto actions = pushrules::normalizeActions(
      json::Array{"dont_notify", "coalesce", "notify", json::Object{{"set_tweak", "sound"}}});
  ASSERT_TRUE(actions.ok());
  EXPECT_EQ(actions->size(), 2u);
}

using PushRulesServiceTest = AccountSyncServiceTest;

TEST_P(PushRulesServiceTest, NewUserHasDefaultRulesetAlsoAsAccountData) {
  LoginResult a = registerUser("alice");
  auto rules = api().queryPushRules(ctx(), a.userId);
  ASSERT_TRUE(rules.ok());
  EXPECT_EQ(*rules, pushrules::defaultRuleset(a.userId, "alice"));
  auto data = api().queryAccountDataEntry(ctx(), a.userId, "", "m.push_rules");
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(*data, *rules);
}

TEST_P(PushRulesServiceTest, PutGetEnableActionsDelete) {
  LoginResult a = registerUser("alice");
  auto before = *api().queryAccountDataPosition(ctx());
  ASSERT_TRUE(api()
                  .performPutPushRule(ctx(), a.userId, "room", "!r:example.org",
                                      body({{"actions", json::Array{}}}), {}, {})
                  .ok());
  auto rule = api().queryPushRule(ctx(), a.userId, "room", "!r:example.org");
  ASSERT_TRUE(rule.ok());
  EXPECT_EQ(rule->find("default")->getBool(), false);
  EXPECT_EQ(rule->find("enabled")->getBool(), true);

  ASSERT_TRUE(
      api().performSetPushRuleEnabled(ctx(), a.userId, "room", "!r:example.org", false).ok());
  ASSERT_TRUE(api()
                  .performSetPushRuleActions(ctx(), a.userId, "room", "!r:example.org",
                                             json::Array{"notify"})
                  .ok());
  rule = api().queryPushRule(ctx(), a.userId, "room", "!r:example.org");
  EXPECT_EQ(rule->find("enabled")->getBool(), false);
  EXPECT_EQ(*rule->find("actions"), json::Value(json::Array{"notify"}));

  // Server-default rules can be toggled but not deleted.
  ASSERT_TRUE(
      api().performSetPushRuleEnabled(ctx(), a.userId, "override", ".m.rule.master", true).ok());
  EXPECT_EQ(api()
                .queryPushRule(ctx(), a.userId, "override", ".m.rule.master")
                ->find("enabled")
                ->getBool(),
            true);
  EXPECT_EQ(api().performDeletePushRule(ctx(), a.userId, "override", ".m.rule.master").error().code,
            ErrorCode::kInvalidParam);

  ASSERT_TRUE(api().performDeletePushRule(ctx(), a.userId, "room", "!r:example.org").ok());
  EXPECT_EQ(api().queryPushRule(ctx(), a.userId, "room", "!r:example.org").error().code,
            ErrorCode::kNotFound);
  // Every change moved m.push_rules to a newer account-data position.
  auto changes = api().queryAccountData(ctx(), a.userId, before);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->entries.size(), 1u);
  EXPECT_EQ(changes->entries[0].type, "m.push_rules");
  EXPECT_EQ(changes->entries[0].content, *api().queryPushRules(ctx(), a.userId));
}

TEST_P(PushRulesServiceTest, OrderingPersists) {
  LoginResult a = registerUser("alice");
  json::Object rule = body({{"actions", json::Array{}}, {"conditions", json::Array{}}});
  ASSERT_TRUE(api().performPutPushRule(ctx(), a.userId, "underride", "x", rule, {}, {}).ok());
  ASSERT_TRUE(
      api().performPutPushRule(ctx(), a.userId, "underride", "y", rule, std::string("x"), {}).ok());
  ASSERT_TRUE(
      api().performPutPushRule(ctx(), a.userId, "underride", "z", rule, {}, std::string("x")).ok());
  auto ids = ruleIds(*api().queryPushRules(ctx(), a.userId), "underride");
  ASSERT_GE(ids.size(), 4u);
  EXPECT_EQ((std::vector<std::string>{ids[0], ids[1], ids[2], ids[3]}),
            (std::vector<std::string>{"y", "x", "z", ".m.rule.call"}));
}

TEST_P(PushRulesServiceTest, ErrorsForUnknownRuleKindAndUser) {
  LoginResult a = registerUser("alice");
  EXPECT_EQ(api().queryPushRule(ctx(), a.userId, "override", "nope").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(api().queryPushRule(ctx(), a.userId, "weird", "nope").error().code,
            ErrorCode::kInvalidParam);
  EXPECT_EQ(api().performSetPushRuleEnabled(ctx(), a.userId, "override", "nope", true).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(api().performDeletePushRule(ctx(), a.userId, "sender", "@x:y").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(api().queryPushRules(ctx(), "@ghost:example.org").error().code, ErrorCode::kNotFound);
  // A failed edit leaves the ruleset as it was.
  auto beforeRules = *api().queryPushRules(ctx(), a.userId);
  EXPECT_FALSE(api()
                   .performPutPushRule(ctx(), a.userId, "override", "r",
                                       body({{"actions", json::Array{}}}), std::string("nope"), {})
                   .ok());
  EXPECT_EQ(*api().queryPushRules(ctx(), a.userId), beforeRules);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(PushRulesServiceTest);

}  // namespace
}  // namespace plexus::accountsync::testing
