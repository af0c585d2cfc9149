// Parser behaviour beyond the vector file: error details, resource limits and big inputs.
#include <gtest/gtest.h>

#include <limits>

#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::json {
namespace {

std::string errorOf(std::string_view text, ParseOptions options = {}) {
  Result<Value> r = parse(text, options);
  if (r.ok()) return "<parsed>";
  EXPECT_EQ(r.error().code, ErrorCode::kNotJson);
  return r.error().message;
}

TEST(ParserTest, ErrorMessageCarriesByteOffset) {
  EXPECT_EQ(errorOf(R"({"a": tru})"), "invalid literal at offset 6");
  EXPECT_EQ(errorOf(R"({"a":1,"a":2})"), "duplicate key in object at offset 13");
}

TEST(ParserTest, ErrorOffsetCountsBytesNotCharacters) {
  // '[' '"' 6 bytes of 日本 '"' ',' ' ' then the bad 'x' at byte 11.
  EXPECT_EQ(errorOf("[\"日本\", x]"), "unexpected character at offset 11");
}

TEST(ParserTest, ErrorOffsetPointsAtTheFirstProblem) {
  EXPECT_EQ(errorOf("[1, 01, \"\\q\"]"), "leading zero in number at offset 4");
}

TEST(ParserTest, HundredThousandOpenBracketsIsAnErrorNotAStackOverflow) {
  std::string deep(100000, '[');
  EXPECT_EQ(errorOf(deep), "nesting too deep at offset 64");
  std::string deepObjects;
  for (int i = 0; i < 100000; ++i) deepObjects += "{\"a\":";
  EXPECT_EQ(errorOf(deepObjects), "nesting too deep at offset 320");
}

TEST(ParserTest, HugeCallerDepthLimitIsCappedSoDeepInputStillFails) {
  ParseOptions options;
  options.maxDepth = std::numeric_limits<int>::max();
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_NE(errorOf(deep, options).find("nesting too deep"), std::string::npos);
}

TEST(ParserTest, RaisedDepthLimitAcceptsDeeperInput) {
  ParseOptions options;
  options.maxDepth = 500;
  std::string deep = std::string(500, '[') + std::string(500, ']');
  EXPECT_TRUE(parse(deep, options).ok());
  std::string tooDeep = "[" + deep + "]";
  EXPECT_EQ(errorOf(tooDeep, options), "nesting too deep at offset 500");
}

TEST(ParserTest, LowDepthLimitCountsArraysAndObjects) {
  ParseOptions options;
  options.maxDepth = 2;
  EXPECT_TRUE(parse(R"({"a":[1]})", options).ok());
  EXPECT_EQ(errorOf(R"({"a":[{}]})", options), "nesting too deep at offset 6");
}

TEST(ParserTest, TenMegabyteStringParses) {
  std::string body(10 * 1024 * 1024, 'a');
  Result<Value> r = parse("\"" + body + "\"");
  ASSERT_TRUE(r.ok());
  ASSERT_NE(r->getString(), nullptr);
  EXPECT_EQ(r->getString()->size(), body.size());
}

TEST(ParserTest, TenMegabyteNonAsciiAndEscapedStringRoundTrips) {
  std::string body;
  while (body.size() < 10 * 1024 * 1024) body += "日本語\\n\\u00e9";
  Result<std::string> out = canonicalize("[\"" + body + "\"]");
  ASSERT_TRUE(out.ok()) << out.error().message;
  Result<std::string> again = canonicalize(*out);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *out);
  EXPECT_EQ(out->find("\\u00e9"), std::string::npos);  // written as UTF-8
}

TEST(ParserTest, MillionElementArrayParses) {
  std::string text = "[";
  for (int i = 0; i < 1000000; ++i) text += i == 0 ? "1" : ",1";
  text += "]";
  Result<Value> r = parse(text);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->getArray()->size(), 1000000u);
}

TEST(ParserTest, DefaultOptionsAreStrict) {
  EXPECT_EQ(errorOf("1.5"), "floats are not allowed at offset 0");
  EXPECT_EQ(errorOf("9007199254740992"), "integer out of canonical range at offset 0");
}

TEST(ParserTest, LaxModeKeepsIntegerRangeOfInt64) {
  ParseOptions lax{.strictIntegers = false};
  Result<Value> max = parse("9223372036854775807", lax);
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max->getInt(), std::numeric_limits<std::int64_t>::max());
  Result<Value> min = parse("-9223372036854775808", lax);  // magnitude past INT64_MAX
  ASSERT_TRUE(min.ok());
  EXPECT_TRUE(min->isFloat());
}

TEST(ParserTest, LaxModeOverflowAcrossLongMantissaIsAnError) {
  ParseOptions lax{.strictIntegers = false};
  std::string big(1, '1');
  big.append(400, '0').append("e-10");  // 1e390 despite the negative exponent
  EXPECT_EQ(errorOf(big, lax), "number out of range at offset 0");
  std::string tiny("0.");
  tiny.append(400, '0').append("1e10");  // 1e-391
  Result<Value> r = parse(tiny, lax);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->getInt(), 0);
}

TEST(ParserTest, ParseObjectRejectsOtherTopLevelValues) {
  Result<Object> r = parseObject("[1]");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kBadJson);
  EXPECT_EQ(parseObject("{x}").error().code, ErrorCode::kNotJson);
  EXPECT_TRUE(parseObject(" {} ").ok());
}

TEST(ParserTest, KeysMayContainEscapedNul) {
  Result<std::string> out = canonicalize(R"({"a\u0000b":1,"a":2})");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, R"({"a":2,"a\u0000b":1})");
}

TEST(ParserTest, InputIsNotReadPastItsView) {
  // The view stops inside a valid document; the parser must not look at the rest.
  std::string text = R"({"a":"bc"})";
  EXPECT_EQ(errorOf(std::string_view(text).substr(0, 7)), "unterminated string at offset 7");
  EXPECT_EQ(errorOf(std::string_view(text).substr(0, 3)), "unterminated string at offset 3");
}

TEST(CanonicalWriterTest, WritesBuiltValuesCanonically) {
  Value v = Object{{"z", Array{1, true, nullptr}}, {"a", "x\"y"}, {"m", Object{}}};
  EXPECT_EQ(canonical(v), R"({"a":"x\"y","m":{},"z":[1,true,null]})");
}

TEST(CanonicalWriterTest, WritesFloatsLikePythonRepr) {
  EXPECT_EQ(canonical(Value(2.0)), "2.0");
  EXPECT_EQ(canonical(Value(0.1)), "0.1");
  EXPECT_EQ(canonical(Value(-1e-7)), "-1e-07");
  EXPECT_EQ(canonical(Value(1e16)), "1e+16");
  EXPECT_EQ(canonical(Value(123456789012345.6)), "123456789012345.6");
  EXPECT_EQ(canonical(Value(std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(canonical(Value(std::numeric_limits<double>::quiet_NaN())), "null");
}

}  // namespace
}  // namespace plexus::json
