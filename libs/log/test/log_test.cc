// Tests for the log front: level parsing, filtering, and the key=value line format.
#include "plexus/log/log.h"

#include <gtest/gtest.h>

namespace plexus::log {
namespace {

TEST(LogTest, ParsesEveryLevelNameAndRejectsOthers) {
  EXPECT_EQ(parseLevel("trace"), Level::kTrace);
  EXPECT_EQ(parseLevel("debug"), Level::kDebug);
  EXPECT_EQ(parseLevel("info"), Level::kInfo);
  EXPECT_EQ(parseLevel("warning"), Level::kWarn);
  EXPECT_EQ(parseLevel("error"), Level::kError);
  EXPECT_EQ(parseLevel("off"), Level::kOff);
  EXPECT_EQ(parseLevel("loud"), std::nullopt);
  for (Level l : {Level::kTrace, Level::kDebug, Level::kInfo, Level::kWarn, Level::kError})
    EXPECT_EQ(parseLevel(levelName(l)), l);
}

TEST(LogTest, DropsEventsBelowTheLevel) {
  setLevel(Level::kWarn);
  EXPECT_FALSE(enabled(Level::kInfo));
  EXPECT_TRUE(enabled(Level::kError));
  setLevel(Level::kOff);
  EXPECT_FALSE(enabled(Level::kError));
  setLevel(Level::kInfo);
}

TEST(LogTest, FormatsFieldsAsKeyValuePairs) {
  EXPECT_EQ(formatLine("started", {{"port", 8008}, {"sqlite", true}, {"name", "localhost"}}),
            "started port=8008 sqlite=true name=localhost");
}

TEST(LogTest, QuotesValuesThatWouldNotSplitBack) {
  EXPECT_EQ(formatLine("m", {{"a", "two words"}, {"b", ""}, {"c", "x=\"y\""}, {"d", "l1\nl2"}}),
            R"(m a="two words" b="" c="x=\"y\"" d="l1\nl2")");
}

TEST(LogTest, WritingBelowOrAboveTheLevelDoesNotCrash) {
  setLevel(Level::kDebug);
  write(Level::kTrace, "hidden");
  info("visible", {{"ratio", 0.5}});
  setLevel(Level::kInfo);
}

}  // namespace
}  // namespace plexus::log
