// The wire helpers of src/: request and response serialisation, and ResponseReader fed in
// arbitrary slices (byte by byte, chunked bodies, interim 100 responses, limits, streams that
// end early or frame the body by their end).
#include "http_wire.h"

#include <gtest/gtest.h>

#include <string>

#include "plexus/http/fields.h"
#include "response_reader.h"

namespace plexus::federation_overlay::detail {
namespace {

std::string header(const federation::OutboundResponse& r, std::string_view name) {
  for (const auto& [n, v] : r.headers)
    if (http::equalsIgnoreCase(n, name)) return v;
  return {};
}

TEST(SerializeRequestTest, WritesHostFramingAndCloseAndReplacesTheCallersOwn) {
  federation::OutboundRequest request;
  request.method = "PUT";
  request.uri = "/_matrix/federation/v1/send/1";
  request.headers = {{"Host", "wrong"},
                     {"Content-Length", "99"},
                     {"Connection", "keep-alive"},
                     {"Authorization", "X-Matrix origin=a"}};
  request.body = "{}";
  auto wire = serializeRequest("abc", request);
  ASSERT_TRUE(wire.ok());
  EXPECT_EQ(*wire,
            "PUT /_matrix/federation/v1/send/1 HTTP/1.1\r\nHost: abc\r\n"
            "Authorization: X-Matrix origin=a\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
}

TEST(SerializeRequestTest, RefusesFieldsThatWouldSplitTheMessage) {
  federation::OutboundRequest request;
  request.method = "GET";
  request.uri = "/a";
  request.headers = {{"X", "1\n2"}};
  EXPECT_FALSE(serializeRequest("abc", request).ok());
  request.headers = {{"Bad Name", "1"}};
  EXPECT_FALSE(serializeRequest("abc", request).ok());
  request.headers = {};
  request.uri = "a";
  EXPECT_FALSE(serializeRequest("abc", request).ok());
  request.uri = "/a\r\n";
  EXPECT_FALSE(serializeRequest("abc", request).ok());
}

TEST(SerializeResponseTest, FramesTheBodyAndDropsUnsafeHeaders) {
  http::Response response = http::Response::text("hello", 404, "text/plain");
  response.headers.add("X-Ok", "1");
  response.headers.add("X-Bad", "a\r\nInjected: 1");
  response.headers.add("Content-Length", "1000");
  EXPECT_EQ(serializeResponse(response),
            "HTTP/1.1 404 Not Found\r\nX-Ok: 1\r\nContent-Type: text/plain\r\n"
            "Content-Length: 5\r\nConnection: close\r\n\r\nhello");
  response.status = 42;
  EXPECT_EQ(serializeResponse(response).rfind("HTTP/1.1 500 ", 0), 0u);
}

TEST(ResponseReaderTest, ParsesAResponseFedOneByteAtATime) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
      "11\r\n\r\n{\"a\":\"bcd\"}";
  ResponseReader reader(4096, 4096, false);
  for (std::size_t i = 0; i < wire.size(); ++i) {
    auto done = reader.feed(wire.substr(i, 1));
    ASSERT_TRUE(done.ok());
    EXPECT_EQ(*done, i + 1 == wire.size());
  }
  auto response = reader.take();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "{\"a\":\"bcd\"}");
  EXPECT_EQ(header(response, "content-type"), "application/json");
}

TEST(ResponseReaderTest, SkipsInterimResponsesAndReadsChunkedBodies) {
  ResponseReader reader(4096, 4096, false);
  auto done = reader.feed(
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  ASSERT_TRUE(done.ok());
  ASSERT_TRUE(*done);
  auto response = reader.take();
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.body, "abcde");
}

TEST(ResponseReaderTest, EnforcesTheBodyAndHeaderLimits) {
  ResponseReader body(4096, 10, false);
  auto r = body.feed("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kTooLarge);

  ResponseReader chunked(4096, 10, false);
  r = chunked.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n");
  ASSERT_TRUE(r.ok());
  r = chunked.feed("8\r\n12345678\r\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kTooLarge);

  ResponseReader head(64, 4096, false);
  r = head.feed("HTTP/1.1 200 OK\r\nX-Long: " + std::string(100, 'x'));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kTooLarge);
}

TEST(ResponseReaderTest, RefusesMalformedResponses) {
  ResponseReader reader(4096, 4096, false);
  auto r = reader.feed("SPDY/9 banana\r\n\r\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidParam);
  EXPECT_FALSE(reader.feed("more").ok());  // errors stick
}

TEST(ResponseReaderTest, StreamEndCompletesOnlyUnframedBodies) {
  ResponseReader unframed(4096, 4096, false);
  ASSERT_FALSE(*unframed.feed("HTTP/1.1 200 OK\r\n\r\nall of it"));
  auto done = unframed.finish();
  ASSERT_TRUE(done.ok());
  ASSERT_TRUE(*done);
  EXPECT_EQ(unframed.take().body, "all of it");

  ResponseReader cut(4096, 4096, false);
  ASSERT_FALSE(*cut.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"));
  done = cut.finish();
  ASSERT_TRUE(done.ok());
  EXPECT_FALSE(*done);

  ResponseReader empty(4096, 4096, false);
  done = empty.finish();
  ASSERT_TRUE(done.ok());
  EXPECT_FALSE(*done);
}

TEST(ResponseReaderTest, HeadResponsesHaveNoBody) {
  ResponseReader reader(4096, 4096, true);
  auto done = reader.feed("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n");
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(*done);
  EXPECT_EQ(reader.take().body, "");
}

}  // namespace
}  // namespace plexus::federation_overlay::detail
