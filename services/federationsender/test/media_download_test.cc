// FederationSenderService::queryMediaDownload / queryMediaThumbnail over a fake transport: the
// signed GET, the multipart/mixed answer (content part, Location redirect followed once through
// an injected fetcher), malformed and oversized answers, remote errors, the fallback to the
// deprecated endpoint for servers that do not know the federation one, and the default
// redirect fetcher's refusals.
#include "federationsender/impl/media_download.h"

#include <gtest/gtest.h>

#include "plexus/federation/x_matrix.h"
#include "sender_fixture.h"

namespace plexus::federationsender {
namespace {

using testing::RecordedRequest;
using testing::SenderTest;

constexpr const char* kDest = "remote.test";
constexpr std::int64_t kMax = 1000;

std::string multipartBody(std::string_view secondPartHeaders, std::string_view content,
                          std::string_view metadata = "{}") {
  std::string body = "--XyZ\r\nContent-Type: application/json\r\n\r\n";
  body += metadata;
  body += "\r\n--XyZ\r\n";
  body += secondPartHeaders;
  body += "\r\n";
  body += content;
  body += "\r\n--XyZ--\r\n";
  return body;
}

federation::OutboundResponse multipartAnswer(std::string body) {
  return federation::OutboundResponse{
      200, {{"Content-Type", "multipart/mixed; boundary=XyZ"}}, std::move(body)};
}

class MediaDownloadTest : public SenderTest {
 protected:
  void answer(federation::OutboundResponse response) {
    transport_.respond([response](const RecordedRequest&) { return response; });
  }
  // Rebuilds the service with a redirect fetcher that records its calls.
  void useRedirect(RedirectAnswer redirectAnswer) {
    options_.mediaRedirect = [this, redirectAnswer](
                                 const std::string& url, std::int64_t timeoutMs,
                                 std::size_t maxBytes) -> Result<RedirectAnswer> {
      redirects_.push_back(url);
      redirectTimeoutMs_ = timeoutMs;
      redirectMaxBytes_ = maxBytes;
      return redirectAnswer;
    };
    makeService();
  }

  std::vector<std::string> redirects_;
  std::int64_t redirectTimeoutMs_ = 0;
  std::size_t redirectMaxBytes_ = 0;
};

TEST_P(MediaDownloadTest, SendsSignedGetAndReturnsTheContentPart) {
  const std::string bytes("\x89PNG\r\n\x1a\n\0binary\r\n--", 20);
  answer(multipartAnswer(multipartBody(
      "Content-Type: image/png\r\nContent-Disposition: inline; filename=\"cat.png\"\r\n", bytes)));
  auto file = service_->queryMediaDownload(CallContext{}, kDest, "abc_DEF-1", kMax);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->bytes, bytes);
  EXPECT_EQ(file->contentType, "image/png");
  EXPECT_EQ(file->fileName, "cat.png");

  const RecordedRequest r = transport_.last();
  EXPECT_EQ(r.destination, kDest);
  EXPECT_EQ(r.request.method, "GET");
  EXPECT_EQ(r.request.uri, "/_matrix/federation/v1/media/download/abc_DEF-1");
  EXPECT_TRUE(r.request.body.empty());
  EXPECT_EQ(r.request.timeoutMs, options_.mediaTimeoutMs);
  // The transport may read the content plus the multipart framing, no more.
  EXPECT_GT(r.request.maxResponseBytes, static_cast<std::size_t>(kMax));
  EXPECT_LE(r.request.maxResponseBytes, static_cast<std::size_t>(kMax) + 64 * 1024);
  auto auth = federation::parseXMatrix(r.header("Authorization"));
  ASSERT_TRUE(auth.ok()) << auth.error().message;
  EXPECT_EQ(auth->origin, testing::kOurName);
  EXPECT_TRUE(
      federation::verifyXMatrix(*auth, kDest, "GET", r.request.uri, nullptr, key_.publicKey()));
}

TEST_P(MediaDownloadTest, ContentWithoutTypeIsOctetStreamWithoutFileName) {
  answer(multipartAnswer(multipartBody("", "raw")));
  auto file = service_->queryMediaDownload(CallContext{}, kDest, "m", kMax);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->contentType, "application/octet-stream");
  EXPECT_EQ(file->fileName, std::nullopt);
  EXPECT_EQ(file->bytes, "raw");
}

TEST_P(MediaDownloadTest, FollowsLocationOnceWithThePlainFetcher) {
  useRedirect(RedirectAnswer{200, "image/jpeg", "attachment; filename*=utf-8''a%20b.jpg", "JPEG"});
  answer(multipartAnswer(multipartBody("Location: https://cdn.example/m/1?sig=x\r\n", "")));
  auto file = service_->queryMediaDownload(CallContext{}, kDest, "m", kMax);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->bytes, "JPEG");
  EXPECT_EQ(file->contentType, "image/jpeg");
  EXPECT_EQ(file->fileName, "a b.jpg");
  ASSERT_EQ(redirects_.size(), 1U);
  EXPECT_EQ(redirects_[0], "https://cdn.example/m/1?sig=x");
  EXPECT_EQ(redirectMaxBytes_, static_cast<std::size_t>(kMax));
  EXPECT_GT(redirectTimeoutMs_, 0);
  EXPECT_EQ(transport_.requests().size(), 1U);
}

TEST_P(MediaDownloadTest, RedirectFailuresKeepTheirMeaning) {
  answer(multipartAnswer(multipartBody("Location: https://cdn.example/x\r\n", "")));
  useRedirect(RedirectAnswer{404, "", std::nullopt, "gone"});
  EXPECT_EQ(service_->queryMediaDownload(CallContext{}, kDest, "m", kMax).error().code,
            ErrorCode::kNotFound);
  useRedirect(RedirectAnswer{302, "", std::nullopt, ""});  // no second redirect
  EXPECT_EQ(service_->queryMediaDownload(CallContext{}, kDest, "m", kMax).error().code,
            ErrorCode::kUnavailable);
  useRedirect(RedirectAnswer{200, "text/plain", std::nullopt, std::string(kMax + 1, 'x')});
  EXPECT_EQ(service_->queryMediaDownload(CallContext{}, kDest, "m", kMax).error().code,
            ErrorCode::kTooLarge);
}

TEST_P(MediaDownloadTest, OversizedContentIsTooLarge) {
  answer(multipartAnswer(multipartBody("Content-Type: text/plain\r\n", std::string(kMax, 'a'))));
  EXPECT_TRUE(service_->queryMediaDownload(CallContext{}, kDest, "m", kMax).ok());
  answer(
      multipartAnswer(multipartBody("Content-Type: text/plain\r\n", std::string(kMax + 1, 'a'))));
  auto file = service_->queryMediaDownload(CallContext{}, kDest, "m", kMax);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().code, ErrorCode::kTooLarge);
}

TEST_P(MediaDownloadTest, MalformedAnswersAreBadJson) {
  const std::vector<federation::OutboundResponse> answers = {
      {200, {{"Content-Type", "image/png"}}, "PNG"},  // not multipart
      {200, {}, multipartBody("", "x")},              // no Content-Type at all
      multipartAnswer("--XyZ\r\nContent-Type: application/json\r\n\r\n{}\r\n--XyZ--\r\n"),
      multipartAnswer(multipartBody("", "x", "not json")),
      multipartAnswer(multipartBody("", "x", "[]")),
      multipartAnswer("--XyZ\r\n\r\n{}\r\n--XyZ\r\n\r\ntruncated"),
      multipartAnswer(multipartBody("Location: \r\n", "")),
  };
  for (const auto& a : answers) {
    answer(a);
    auto file = service_->queryMediaDownload(CallContext{}, kDest, "m", kMax);
    ASSERT_FALSE(file.ok()) << a.body;
    EXPECT_EQ(file.error().code, ErrorCode::kBadJson) << a.body;
  }
}

TEST_P(MediaDownloadTest, RemoteErrorsKeepTheirErrcode) {
  transport_.respondJson(404, R"({"errcode":"M_NOT_FOUND","error":"no such media"})");
  auto file = service_->queryMediaDownload(CallContext{}, kDest, "m", kMax);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(file.error().message, "no such media");
  EXPECT_EQ(transport_.requests().size(), 1U);  // no fallback for a real 404

  transport_.respondJson(504, R"({"errcode":"M_NOT_YET_UPLOADED","error":"later"})");
  EXPECT_EQ(service_->queryMediaDownload(CallContext{}, kDest, "m", kMax).error().code,
            ErrorCode::kUnavailable);
  transport_.setDown(kDest, true);
  EXPECT_EQ(service_->queryMediaDownload(CallContext{}, kDest, "m", kMax).error().code,
            ErrorCode::kUnavailable);
}

TEST_P(MediaDownloadTest, OlderServersGetTheDeprecatedEndpointUnsigned) {
  transport_.respond([](const RecordedRequest& r) {
    if (r.request.uri.rfind("/_matrix/federation/", 0) == 0) {
      return federation::OutboundResponse{404, {}, R"({"errcode":"M_UNRECOGNIZED"})"};
    }
    return federation::OutboundResponse{
        200,
        {{"Content-Type", "text/plain"}, {"Content-Disposition", "inline; filename=old.txt"}},
        "old bytes"};
  });
  auto file = service_->queryMediaDownload(CallContext{}, "old.test:8448", "m1", kMax);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->bytes, "old bytes");
  EXPECT_EQ(file->contentType, "text/plain");
  EXPECT_EQ(file->fileName, "old.txt");
  auto requests = transport_.requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(requests[1].request.uri,
            "/_matrix/media/v3/download/old.test%3A8448/m1?allow_remote=false");
  EXPECT_EQ(requests[1].header("Authorization"), "");
}

TEST_P(MediaDownloadTest, ThumbnailSendsSizeMethodAndAnimated) {
  answer(multipartAnswer(multipartBody("Content-Type: image/jpeg\r\n", "thumb")));
  MediaThumbnailQuery query{"m2", 96, 64, "crop", true};
  auto file = service_->queryMediaThumbnail(CallContext{}, kDest, query, kMax);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->bytes, "thumb");
  EXPECT_EQ(
      transport_.last().request.uri,
      "/_matrix/federation/v1/media/thumbnail/m2?width=96&height=64&method=crop&animated=true");
  query.animated.reset();
  query.width = 0;
  EXPECT_EQ(service_->queryMediaThumbnail(CallContext{}, kDest, query, kMax).error().code,
            ErrorCode::kInvalidParam);
}

TEST_P(MediaDownloadTest, TimeoutComesFromTheDeadline) {
  answer(multipartAnswer(multipartBody("", "x")));
  ASSERT_TRUE(
      service_
          ->queryMediaDownload(CallContext::withTimeout(std::chrono::seconds(5)), kDest, "m", kMax)
          .ok());
  EXPECT_LE(transport_.last().request.timeoutMs, 5000);
  EXPECT_GT(transport_.last().request.timeoutMs, 4000);
  CallContext expired;
  expired.deadline = CallContext::Clock::now() - std::chrono::seconds(1);
  EXPECT_EQ(service_->queryMediaDownload(expired, kDest, "m", kMax).error().code,
            ErrorCode::kUnavailable);
  EXPECT_EQ(service_->queryMediaDownload(CallContext{}, std::string(testing::kOurName), "m", kMax)
                .error()
                .code,
            ErrorCode::kInvalidParam);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, MediaDownloadTest, ::testing::Values(storage::Dialect::kSqlite),
                         storage::testing::dialectParamName);

TEST(HttpRedirectFetcherTest, RefusesPlainHttpAndPrivateAddressesByDefault) {
  auto fetch = makeHttpRedirectFetcher();
  for (const char* url : {"http://cdn.example/x", "https://127.0.0.1/x", "https://10.1.2.3/x",
                          "https://[::1]/x", "https://localhost:8443/x", "ftp://cdn.example/x"}) {
    auto answer = fetch(url, 1000, 100);
    ASSERT_FALSE(answer.ok()) << url;
    EXPECT_EQ(answer.error().code, ErrorCode::kInvalidParam) << url;
  }
}

TEST(HttpRedirectFetcherTest, ClassifiesPrivateHosts) {
  for (const char* host :
       {"127.0.0.1", "10.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.1.1", "169.254.169.254",
        "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "::", "fd00::1", "fe80::1",
        "::ffff:192.168.0.1", "[::1]", "LOCALHOST", "a.localhost"}) {
    EXPECT_TRUE(isPrivateHost(host)) << host;
  }
  for (const char* host : {"8.8.8.8", "172.32.0.1", "100.128.0.1", "2001:db8::1", "::ffff:8.8.8.8",
                           "cdn.example", "localhost.example"}) {
    EXPECT_FALSE(isPrivateHost(host)) << host;
  }
}

}  // namespace
}  // namespace plexus::federationsender
