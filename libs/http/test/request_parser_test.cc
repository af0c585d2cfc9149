// RequestParser without sockets: framing, pipelining, limits, malformed input, target decoding.
#include "plexus/http/request_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace plexus::http {
namespace {

TEST(RequestParserTest, ParsesRequestSplitAcrossManyFeeds) {
  RequestParser parser;
  std::string wire = "POST /a/b?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nX-Thing: v\r\n\r\nhello";
  std::optional<Request> got;
  for (char c : wire) {
    EXPECT_FALSE(got);
    parser.feed(std::string_view(&c, 1));
    auto next = parser.next();
    ASSERT_TRUE(next.ok());
    if (*next) got = std::move(**next);
  }
  ASSERT_TRUE(got);
  EXPECT_EQ(got->method, "POST");
  EXPECT_EQ(got->path, "/a/b");
  EXPECT_EQ(got->body, "hello");
  EXPECT_EQ(got->headers.get("x-thing").value_or(""), "v");
  EXPECT_EQ(got->query.get("x").value_or(""), "1");
  EXPECT_TRUE(parser.idle());
}

TEST(RequestParserTest, ReturnsPipelinedRequestsInOrder) {
  RequestParser parser;
  parser.feed("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\nGET /3 HTTP/1.1\r\nHo");
  for (std::string expected : {"/1", "/2"}) {
    auto next = parser.next();
    ASSERT_TRUE(next.ok() && *next);
    EXPECT_EQ((*next)->path, expected);
  }
  auto partial = parser.next();
  ASSERT_TRUE(partial.ok());
  EXPECT_FALSE(*partial);
  EXPECT_FALSE(parser.idle());
  parser.feed("st: h\r\n\r\n");
  auto last = parser.next();
  ASSERT_TRUE(last.ok() && *last);
  EXPECT_EQ((*last)->path, "/3");
}

TEST(RequestParserTest, DecodesChunkedBodies) {
  RequestParser parser;
  parser.feed("PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  auto next = parser.next();
  ASSERT_TRUE(next.ok() && *next);
  EXPECT_EQ((*next)->body, "abcde");
}

TEST(RequestParserTest, RejectsOversizedBodyFromContentLengthAlone) {
  RequestParser parser(ParserLimits{1024, 100});
  parser.feed("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n");
  auto next = parser.next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().code, ErrorCode::kTooLarge);
}

TEST(RequestParserTest, BodyLimitIsChosenPerRequestFromItsRequestLine) {
  std::vector<std::string> seen;
  RequestParser parser(ParserLimits{1024, 10}, [&seen](const Request& head) -> std::size_t {
    seen.push_back(head.method + " " + head.path);
    return head.path == "/upload" ? 100 : 10;
  });
  // Fed in pieces: the request line arrives before the rest of the header.
  parser.feed("POST /upl");
  parser.feed("oad?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 50\r\n\r\n");
  parser.feed(std::string(50, 'u'));
  auto big = parser.next();
  ASSERT_TRUE(big.ok()) << big.error().message;
  ASSERT_TRUE(big->has_value());
  EXPECT_EQ((*big)->body.size(), 50u);
  // The next request on the connection gets its own limit again.
  parser.feed("POST /json HTTP/1.1\r\nHost: h\r\nContent-Length: 50\r\n\r\n");
  auto small = parser.next();
  ASSERT_FALSE(small.ok());
  EXPECT_EQ(small.error().code, ErrorCode::kTooLarge);
  EXPECT_EQ(seen, (std::vector<std::string>{"POST /upload", "POST /json"}));
}

TEST(RequestParserTest, PerRequestLimitAppliesToChunkedBodies) {
  RequestParser parser(ParserLimits{1024, 1000}, [](const Request&) -> std::size_t { return 10; });
  parser.feed(
      "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n");
  auto next = parser.next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().code, ErrorCode::kTooLarge);
}

TEST(RequestParserTest, RejectsOversizedChunkedBody) {
  RequestParser parser(ParserLimits{1024, 10});
  parser.feed("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n");
  auto next = parser.next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().code, ErrorCode::kTooLarge);
}

TEST(RequestParserTest, RejectsOversizedHeaderBeforeItEnds) {
  RequestParser parser(ParserLimits{256, 1024});
  parser.feed("GET /x HTTP/1.1\r\nX-Big: " + std::string(400, 'a'));
  auto next = parser.next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().code, ErrorCode::kTooLarge);
}

TEST(RequestParserTest, RejectsMalformedRequestLineAndStaysFailed) {
  RequestParser parser;
  parser.feed("THIS IS NOT HTTP\r\n\r\n");
  auto next = parser.next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().code, ErrorCode::kInvalidParam);
  parser.feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_FALSE(parser.next().ok());
}

TEST(RequestParserTest, RejectsConflictingContentLengthAndChunked) {
  RequestParser parser;
  parser.feed("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd");
  EXPECT_FALSE(parser.next().ok());
}

TEST(RequestParserTest, RejectsTargetThatIsNotAPath) {
  RequestParser parser;
  parser.feed("GET foo HTTP/1.1\r\nHost: h\r\n\r\n");
  auto next = parser.next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().code, ErrorCode::kInvalidParam);
}

TEST(RequestParserTest, ReportsExpectContinueOnce) {
  RequestParser parser;
  parser.feed("PUT /x HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  auto next = parser.next();
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(*next);
  EXPECT_TRUE(parser.headerDone());
  EXPECT_TRUE(parser.takeContinueRequest());
  EXPECT_FALSE(parser.takeContinueRequest());
  parser.feed("abc");
  auto done = parser.next();
  ASSERT_TRUE(done.ok() && *done);
  EXPECT_EQ((*done)->body, "abc");
}

TEST(RequestParserTest, Http10DefaultsToCloseAndHonoursKeepAlive) {
  RequestParser parser;
  parser.feed("GET /a HTTP/1.0\r\n\r\nGET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  auto a = parser.next();
  ASSERT_TRUE(a.ok() && *a);
  EXPECT_EQ((*a)->version, 10);
  EXPECT_FALSE((*a)->keepAlive);
  auto b = parser.next();
  ASSERT_TRUE(b.ok() && *b);
  EXPECT_TRUE((*b)->keepAlive);
}

TEST(TargetTest, SplitsBeforeDecodingAndKeepsRepeatedQueryKeys) {
  Request r;
  r.target = "/_matrix/client/v3/rooms/%21r%3Ahs/x%2Fy?server_name=a&server_name=b&q=a+b%20c&flag";
  ASSERT_TRUE(parseTarget(r).ok());
  ASSERT_EQ(r.pathSegments.size(), 6u);
  EXPECT_EQ(r.pathSegments[4], "!r:hs");
  EXPECT_EQ(r.pathSegments[5], "x/y");
  EXPECT_EQ(r.query.getAll("server_name"), (std::vector<std::string_view>{"a", "b"}));
  EXPECT_EQ(r.query.get("q").value_or(""), "a b c");
  EXPECT_TRUE(r.query.contains("flag"));
}

TEST(TargetTest, AcceptsAbsoluteFormAndKeepsMalformedEscapes) {
  Request r;
  r.target = "http://example.org:8008/a/%zz%4?x=%";
  ASSERT_TRUE(parseTarget(r).ok());
  EXPECT_EQ(r.path, "/a/%zz%4");
  EXPECT_EQ(r.pathSegments[1], "%zz%4");
  EXPECT_EQ(r.query.get("x").value_or(""), "%");
}

TEST(FieldsTest, HeaderLookupIgnoresCase) {
  Headers h;
  h.add("Content-Type", "a");
  h.add("X-A", "1");
  h.add("x-a", "2");
  EXPECT_EQ(h.get("content-type").value_or(""), "a");
  EXPECT_EQ(h.getAll("X-a").size(), 2u);
  h.set("X-A", "3");
  EXPECT_EQ(h.getAll("x-a"), (std::vector<std::string_view>{"3"}));
  EXPECT_EQ(h.erase("CONTENT-TYPE"), 1u);
}

}  // namespace
}  // namespace plexus::http
