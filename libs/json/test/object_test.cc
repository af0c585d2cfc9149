// Object: members stay sorted by key bytes and unique whatever the order of edits.
#include <gtest/gtest.h>

#include "plexus/json/canonical.h"
#include "plexus/json/value.h"

namespace plexus::json {
namespace {

std::string keysOf(const Object& o) {
  std::string keys;
  for (const auto& [key, value] : o) keys += key + ",";
  return keys;
}

TEST(ObjectTest, SetKeepsMembersInKeyByteOrder) {
  Object o;
  o.set("b", 1);
  o.set("é", 2);
  o.set("a", 3);
  o.set("Z", 4);
  o.set("", 5);
  EXPECT_EQ(keysOf(o), ",Z,a,b,é,");
  EXPECT_EQ(o.size(), 5u);
}

TEST(ObjectTest, SetReplacesAnExistingMember) {
  Object o{{"a", 1}, {"b", 2}};
  o.set("a", "one");
  EXPECT_EQ(o.size(), 2u);
  EXPECT_EQ(*o.find("a")->getString(), "one");
}

TEST(ObjectTest, FindReturnsNullWhenAbsent) {
  Object o{{"a", 1}};
  EXPECT_EQ(o.find("b"), nullptr);
  EXPECT_EQ(o.find(""), nullptr);
  EXPECT_FALSE(o.contains("A"));
  ASSERT_NE(o.find("a"), nullptr);
  EXPECT_EQ(o.find("a")->getInt(), 1);
  const Object& c = o;
  EXPECT_EQ(c.find("a")->getInt(), 1);
}

TEST(ObjectTest, EraseRemovesOnlyTheMemberAndReportsAbsence) {
  Object o{{"a", 1}, {"b", 2}, {"c", 3}};
  EXPECT_TRUE(o.erase("b"));
  EXPECT_FALSE(o.erase("b"));
  EXPECT_FALSE(o.erase("zz"));
  EXPECT_EQ(keysOf(o), "a,c,");
  EXPECT_TRUE(o.erase("a"));
  EXPECT_TRUE(o.erase("c"));
  EXPECT_TRUE(o.empty());
}

TEST(ObjectTest, IndexOperatorInsertsNullInOrder) {
  Object o{{"c", 1}};
  Value& v = o["a"];
  EXPECT_TRUE(v.isNull());
  v = 7;
  EXPECT_EQ(o.find("a")->getInt(), 7);
  o["c"] = 2;
  EXPECT_EQ(keysOf(o), "a,c,");
  EXPECT_EQ(canonical(o), R"({"a":7,"c":2})");
}

TEST(ObjectTest, InitializerListSortsAndLastDuplicateWins) {
  Object o{{"b", 1}, {"a", 2}, {"b", 3}};
  EXPECT_EQ(keysOf(o), "a,b,");
  EXPECT_EQ(o.find("b")->getInt(), 3);
}

TEST(ObjectTest, FromMembersSortsAndRejectsDuplicates) {
  auto sorted = Object::fromMembers({{"b", 1}, {"a", 2}});
  ASSERT_TRUE(sorted.has_value());
  EXPECT_EQ(keysOf(*sorted), "a,b,");
  EXPECT_FALSE(Object::fromMembers({{"a", 1}, {"b", 2}, {"a", 3}}).has_value());
  EXPECT_TRUE(Object::fromMembers({}).has_value());
}

TEST(ObjectTest, EqualityIgnoresInsertionOrder) {
  Object x;
  x.set("a", 1);
  x.set("b", Object{{"c", true}});
  Object y;
  y.set("b", Object{{"c", true}});
  y.set("a", 1);
  EXPECT_EQ(x, y);
  y.set("a", 2);
  EXPECT_FALSE(x == y);
}

TEST(ObjectTest, ManyRandomEditsKeepOrderAndUniqueness) {
  Object o;
  std::uint32_t state = 12345;
  for (int i = 0; i < 5000; ++i) {
    state = state * 1664525u + 1013904223u;
    std::string key(1, 'k');
    key += std::to_string(state % 500);
    if (state & 0x10000) {
      o.set(key, static_cast<std::int64_t>(i));
    } else {
      o.erase(key);
    }
  }
  std::string previous;
  bool first = true;
  for (const auto& [key, value] : o) {
    if (!first) {
      EXPECT_LT(previous, key);
    }
    previous = key;
    first = false;
  }
}

TEST(ValueTest, TypedAccessorsReturnNothingForOtherTypes) {
  Value s("x");
  EXPECT_EQ(s.getInt(), std::nullopt);
  EXPECT_EQ(s.getObject(), nullptr);
  EXPECT_EQ(s.get("a"), nullptr);
  Value o = Object{{"a", "b"}, {"n", 1}};
  EXPECT_EQ(o.getStringAt("a"), "b");
  EXPECT_EQ(o.getStringAt("n"), std::nullopt);
  EXPECT_EQ(o.getStringAt("missing"), std::nullopt);
}

}  // namespace
}  // namespace plexus::json
