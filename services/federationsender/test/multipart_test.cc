// multipart/mixed splitting and Content-Disposition file names (impl/multipart.h): the shapes
// federation media answers come in, and the malformed ones that must fail cleanly.
#include "federationsender/impl/multipart.h"

#include <gtest/gtest.h>

namespace plexus::federationsender {
namespace {

TEST(MultipartBoundaryTest, ReadsPlainAndQuotedBoundaries) {
  EXPECT_EQ(*multipartMixedBoundary("multipart/mixed; boundary=abc123"), "abc123");
  EXPECT_EQ(*multipartMixedBoundary("Multipart/Mixed;boundary=\"a b:c\""), "a b:c");
  EXPECT_EQ(*multipartMixedBoundary("multipart/mixed; charset=x; boundary=z"), "z");
}

TEST(MultipartBoundaryTest, RefusesOtherTypesAndMissingBoundaries) {
  for (const char* type : {"application/json", "multipart/form-data; boundary=x", "multipart/mixed",
                           "multipart/mixed; boundary=", ""}) {
    auto b = multipartMixedBoundary(type);
    ASSERT_FALSE(b.ok()) << type;
    EXPECT_EQ(b.error().code, ErrorCode::kBadJson) << type;
  }
  EXPECT_FALSE(multipartMixedBoundary("multipart/mixed; boundary=" + std::string(71, 'x')).ok());
}

TEST(MultipartTest, SplitsPartsWithHeadersAndBinaryBodies) {
  static constexpr char kBinary[] = "\x00\x01\r\n--not-the-boundary\r\n\xff";
  const std::string binary(kBinary, sizeof kBinary - 1);  // embedded NUL: length by hand
  const std::string body =
      "--B\r\nContent-Type: application/json\r\n\r\n{}\r\n--B\r\n"
      "Content-Type: image/png\r\ncontent-disposition: inline\r\n\r\n" +
      binary + "\r\n--B--\r\n";
  auto parts = parseMultipart(body, "B");
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  ASSERT_EQ(parts->size(), 2U);
  EXPECT_EQ((*parts)[0].body, "{}");
  EXPECT_EQ((*parts)[0].header("content-type"), "application/json");
  EXPECT_EQ((*parts)[1].body, binary);
  EXPECT_EQ((*parts)[1].header("Content-Disposition"), "inline");
  EXPECT_FALSE((*parts)[1].header("Location"));
}

TEST(MultipartTest, IgnoresPreambleEpilogueAndAcceptsBareLineFeeds) {
  const std::string body =
      "preamble text\n--B  \nContent-Type: application/json\n\n{}\n--B\n\nraw\n--B--\nepilogue";
  auto parts = parseMultipart(body, "B");
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  ASSERT_EQ(parts->size(), 2U);
  EXPECT_EQ((*parts)[0].body, "{}");
  EXPECT_TRUE((*parts)[1].headers.empty());
  EXPECT_EQ((*parts)[1].body, "raw");
}

TEST(MultipartTest, RefusesMalformedBodies) {
  const char* bodies[] = {
      "",                                           // nothing
      "no delimiter at all",                        // no first delimiter
      "--B\r\nContent-Type: a\r\n\r\n{}",           // no closing delimiter
      "--B\r\nContent-Type: a\r\n--B--\r\n",        // headers without a blank line
      "--B\r\nnot a header\r\n\r\nx\r\n--B--\r\n",  // header line without a colon
      "--Bjunk\r\n\r\nx\r\n--B--\r\n",              // delimiter line with trailing junk
  };
  for (const char* body : bodies) {
    auto parts = parseMultipart(body, "B");
    ASSERT_FALSE(parts.ok()) << body;
    EXPECT_EQ(parts.error().code, ErrorCode::kBadJson) << body;
  }
}

TEST(MultipartTest, BoundsTheNumberOfParts) {
  std::string body;
  for (int i = 0; i < 5; ++i) body += "--B\r\n\r\nx\r\n";
  body += "--B--";
  EXPECT_TRUE(parseMultipart(body, "B", 5).ok());
  EXPECT_FALSE(parseMultipart(body, "B", 4).ok());
}

TEST(DispositionFileNameTest, PrefersTheExtendedFormAndDecodesIt) {
  EXPECT_EQ(dispositionFileName("inline; filename=\"cat.png\""), "cat.png");
  EXPECT_EQ(dispositionFileName("attachment; filename=plain.txt"), "plain.txt");
  EXPECT_EQ(dispositionFileName("inline; filename=\"a \\\"q\\\"; b.png\""), "a \"q\"; b.png");
  EXPECT_EQ(dispositionFileName(
                "attachment; filename=\"fallback.txt\"; filename*=UTF-8''caf%C3%A9%20menu.txt"),
            "caf\xC3\xA9 menu.txt");
  // An undecodable extended form falls back to the plain one.
  EXPECT_EQ(dispositionFileName("inline; filename*=latin1''x%E9; filename=x.txt"), "x.txt");
  EXPECT_EQ(dispositionFileName("inline; filename*=utf-8''bad%G1"), std::nullopt);
  EXPECT_EQ(dispositionFileName("inline"), std::nullopt);
  EXPECT_EQ(dispositionFileName(""), std::nullopt);
}

}  // namespace
}  // namespace plexus::federationsender
