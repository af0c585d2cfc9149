// Runs libs/json/vectors/canonical_json.txt: every case is parsed in strict and lax mode and its
// canonical output or error is compared with the file. See the file header for the format.
#include <gtest/gtest.h>

#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"
#include "plexus/testing/vector_file.h"

namespace plexus::json {
namespace {

using testing::VectorCase;

const testing::VectorFile& vectors() {
  static const testing::VectorFile file =
      testing::readVectorFile(std::string(PLEXUS_TEST_DATA_DIR) + "/vectors/canonical_json.txt");
  return file;
}

struct Expectation {
  std::optional<std::string> output;
  std::optional<std::string> error;
};

Expectation expectationFor(const VectorCase& c, const std::string& mode) {
  Expectation e;
  if (c.has(mode + "-output") || c.has(mode + "-error")) {
    e.output = c.get(mode + "-output");
    e.error = c.get(mode + "-error");
  } else {
    e.output = c.get("output");
    e.error = c.get("error");
  }
  return e;
}

void checkCase(const VectorCase& c, bool strict) {
  const std::string mode = strict ? "strict" : "lax";
  SCOPED_TRACE(c.where() + " in " + mode + " mode");
  std::optional<std::string> input = c.get("input");
  ASSERT_TRUE(input.has_value()) << "case has no input";
  Expectation expected = expectationFor(c, mode);
  ASSERT_NE(expected.output.has_value(), expected.error.has_value())
      << "case needs exactly one of output or error for this mode";

  ParseOptions options;
  options.strictIntegers = strict;
  Result<std::string> actual = canonicalize(*input, options);
  if (expected.output) {
    ASSERT_TRUE(actual.ok()) << "unexpected error: " << actual.error().message;
    EXPECT_EQ(*actual, *expected.output);
    // Canonical output is a fixed point of parse + canonical.
    Result<std::string> again = canonicalize(*actual, options);
    ASSERT_TRUE(again.ok()) << "output does not re-parse: " << again.error().message;
    EXPECT_EQ(*again, *actual);
  } else {
    ASSERT_FALSE(actual.ok()) << "expected an error containing '" << *expected.error
                              << "', got output " << *actual;
    EXPECT_EQ(actual.error().code, ErrorCode::kNotJson);
    EXPECT_NE(actual.error().message.find(*expected.error), std::string::npos)
        << "error was: " << actual.error().message;
  }
}

TEST(CanonicalJsonVectorsTest, FileHasHeaderAndCases) {
  const auto& file = vectors();
  ASSERT_GE(file.header.size(), 3u);
  EXPECT_EQ(file.header[0].rfind("# name:", 0), 0u);
  EXPECT_GE(file.cases.size(), 100u);
}

TEST(CanonicalJsonVectorsTest, StrictModeMatchesEveryCase) {
  for (const VectorCase& c : vectors().cases) checkCase(c, true);
}

TEST(CanonicalJsonVectorsTest, LaxModeMatchesEveryCase) {
  for (const VectorCase& c : vectors().cases) checkCase(c, false);
}

}  // namespace
}  // namespace plexus::json
