// `.well-known/matrix/server` parsing and caching: what counts as a valid delegation, lifetimes
// from Cache-Control / Expires within the spec's bounds, and error caching with back-off.
#include "plexus/federation/well_known.h"

#include <gtest/gtest.h>

namespace plexus::federation {
namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 60 * kMinute;

WellKnownResponse ok(std::string body) {
  WellKnownResponse r;
  r.reached = true;
  r.status = 200;
  r.body = std::move(body);
  return r;
}

WellKnownResponse unreachable() { return WellKnownResponse{}; }

TEST(WellKnownParseTest, SpecExampleDelegates) {
  auto name = parseWellKnown(ok(R"({"m.server": "delegated.example.com:1234"})"));
  ASSERT_TRUE(name);
  EXPECT_EQ(name->str(), "delegated.example.com:1234");
  EXPECT_EQ(name->port(), 1234);
}

TEST(WellKnownParseTest, ExtraMembersAndFloatsAreIgnored) {
  EXPECT_TRUE(parseWellKnown(ok(R"({"m.server": "a.org", "x": 1.5, "y": {"z": []}})")));
}

TEST(WellKnownParseTest, InvalidResponsesDoNotDelegate) {
  EXPECT_FALSE(parseWellKnown(unreachable()));
  WellKnownResponse notFound = ok(R"({"m.server": "a.org"})");
  notFound.status = 404;
  EXPECT_FALSE(parseWellKnown(notFound));
  WellKnownResponse redirect = ok(R"({"m.server": "a.org"})");
  redirect.status = 301;  // the fetcher follows redirects; a leftover 30x is a failure
  EXPECT_FALSE(parseWellKnown(redirect));
  for (const char* body :
       {"", "not json", "[]", R"("a.org")", "{}", R"({"m.server": 5})", R"({"m.server": null})",
        R"({"m.server": ""})", R"({"m.server": "bad host.org"})", R"({"m.server": "a.org:99999"})",
        R"({"m.server": "https://a.org"})", R"({"m.server": "a.org", "m.server": "b.org"})"}) {
    EXPECT_FALSE(parseWellKnown(ok(body))) << body;
  }
  EXPECT_FALSE(
      parseWellKnown(ok(R"({"m.server": "a.org", "pad": ")" + std::string(70000, 'x') + R"("})")));
}

TEST(WellKnownLifetimeTest, DefaultIs24Hours) {
  EXPECT_EQ(wellKnownLifetimeMs(ok("{}"), 0), 24 * kHour);
}

TEST(WellKnownLifetimeTest, MaxAgeIsRespectedWithinBounds) {
  WellKnownResponse r = ok("{}");
  r.cacheControl = "public, max-age=7200";
  EXPECT_EQ(wellKnownLifetimeMs(r, 0), 2 * kHour);
  r.cacheControl = "MAX-AGE=\"600\"";
  EXPECT_EQ(wellKnownLifetimeMs(r, 0), 10 * kMinute);
  r.cacheControl = "max-age=31536000";
  EXPECT_EQ(wellKnownLifetimeMs(r, 0), 48 * kHour);
  r.cacheControl = "max-age=0";
  EXPECT_EQ(wellKnownLifetimeMs(r, 0), 5 * kMinute);
  r.cacheControl = "no-store";
  EXPECT_EQ(wellKnownLifetimeMs(r, 0), 5 * kMinute);
  r.cacheControl = "max-age=abc";
  EXPECT_EQ(wellKnownLifetimeMs(r, 0), 24 * kHour);
}

TEST(WellKnownLifetimeTest, ExpiresIsUsedWithoutMaxAge) {
  WellKnownResponse r = ok("{}");
  r.date = "Sun, 06 Nov 1994 08:49:37 GMT";
  r.expires = "Sun, 06 Nov 1994 11:49:37 GMT";
  EXPECT_EQ(wellKnownLifetimeMs(r, 0), 3 * kHour);
  r.cacheControl = "max-age=3600";  // max-age wins over Expires
  EXPECT_EQ(wellKnownLifetimeMs(r, 0), kHour);
  r.cacheControl.reset();
  r.date.reset();  // without Date, relative to now
  EXPECT_EQ(wellKnownLifetimeMs(r, *parseHttpDate("Sun, 06 Nov 1994 10:49:37 GMT")), kHour);
  r.expires = "0";  // invalid Expires: already expired, so the floor
  EXPECT_EQ(wellKnownLifetimeMs(r, 0), 5 * kMinute);
}

TEST(WellKnownLifetimeTest, HttpDatesParse) {
  EXPECT_EQ(parseHttpDate("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_EQ(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777000);
  EXPECT_FALSE(parseHttpDate("Sun, 06 Nov 1994 08:49:37"));
  EXPECT_FALSE(parseHttpDate("yesterday"));
  EXPECT_FALSE(parseHttpDate(""));
}

class FakeFetcher : public WellKnownFetcher {
 public:
  WellKnownResponse fetch(const std::string& hostname) override {
    ++calls;
    last = hostname;
    return next;
  }
  WellKnownResponse next;
  int calls = 0;
  std::string last;
};

class WellKnownCacheTest : public ::testing::Test {
 protected:
  std::int64_t now_ = 1'000'000'000;
  WellKnownCache cache_{[this] { return now_; }};
  FakeFetcher fetcher_;
};

TEST_F(WellKnownCacheTest, ValidResultIsCachedForItsLifetime) {
  fetcher_.next = ok(R"({"m.server": "d.org:443"})");
  fetcher_.next.cacheControl = "max-age=3600";
  EXPECT_EQ(cache_.lookup("a.org", fetcher_)->str(), "d.org:443");
  now_ += kHour - 1;
  EXPECT_EQ(cache_.lookup("a.org", fetcher_)->str(), "d.org:443");
  EXPECT_EQ(fetcher_.calls, 1);
  now_ += 1;
  fetcher_.next = ok(R"({"m.server": "e.org"})");
  EXPECT_EQ(cache_.lookup("a.org", fetcher_)->str(), "e.org");
  EXPECT_EQ(fetcher_.calls, 2);
}

TEST_F(WellKnownCacheTest, InvalidResponseIsCachedForAnHour) {
  fetcher_.next = ok("not json");
  EXPECT_FALSE(cache_.lookup("a.org", fetcher_));
  now_ += kHour - 1;
  EXPECT_FALSE(cache_.lookup("a.org", fetcher_));
  EXPECT_EQ(fetcher_.calls, 1);
  now_ += 1;
  EXPECT_FALSE(cache_.lookup("a.org", fetcher_));
  EXPECT_EQ(fetcher_.calls, 2);
}

TEST_F(WellKnownCacheTest, UnreachableBacksOffExponentiallyUpToAnHour) {
  fetcher_.next = unreachable();
  std::vector<std::int64_t> lifetimes;
  for (int i = 0; i < 7; ++i) {
    const auto& entry = cache_.store("a.org", fetcher_.fetch("a.org"));
    lifetimes.push_back(entry.expiresAtMs - now_);
  }
  EXPECT_EQ(lifetimes, (std::vector<std::int64_t>{2 * kMinute, 4 * kMinute, 8 * kMinute,
                                                  16 * kMinute, 32 * kMinute, kHour, kHour}));
  fetcher_.next = ok(R"({"m.server": "d.org"})");
  EXPECT_EQ(cache_.store("a.org", fetcher_.fetch("a.org")).consecutiveFailures, 0);
}

TEST_F(WellKnownCacheTest, HostsAreCachedSeparately) {
  fetcher_.next = ok(R"({"m.server": "d.org"})");
  cache_.lookup("a.org", fetcher_);
  EXPECT_TRUE(cache_.get("a.org"));
  EXPECT_FALSE(cache_.get("b.org"));
  cache_.lookup("b.org", fetcher_);
  EXPECT_EQ(fetcher_.last, "b.org");
  EXPECT_EQ(fetcher_.calls, 2);
}

}  // namespace
}  // namespace plexus::federation
