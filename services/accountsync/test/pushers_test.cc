// Pushers: set, replace, append, delete with kind null, validation, cleanup on logout; on
// SQLite and PostgreSQL.
#include "service_fixture.h"

namespace plexus::accountsync::testing {
namespace {

using PushersTest = AccountSyncServiceTest;

json::Object httpPusher(std::string pushkey,
                        std::string url = "https://push.example/_matrix/push/v1/notify") {
  return json::Object{{"pushkey", std::move(pushkey)},
                      {"kind", "http"},
                      {"app_id", "org.example.app"},
                      {"app_display_name", "Example"},
                      {"device_display_name", "Phone"},
                      {"lang", "en"},
                      {"data", json::Object{{"url", std::move(url)}, {"format", "event_id_only"}}}};
}

TEST_P(PushersTest, SetsListsAndDeletesPusher) {
  LoginResult a = registerUser("alice");
  ASSERT_TRUE(api().performSetPusher(ctx(), a.userId, a.deviceId, httpPusher("key1")).ok());
  auto pushers = api().queryPushers(ctx(), a.userId);
  ASSERT_TRUE(pushers.ok());
  ASSERT_EQ(pushers->size(), 1u);
  EXPECT_EQ((*pushers)[0].pushkey, "key1");
  EXPECT_EQ((*pushers)[0].deviceId, a.deviceId);
  json::Object j = (*pushers)[0].toJson();
  EXPECT_EQ(j.find("data")->getStringAt("format"), "event_id_only");
  EXPECT_EQ(j.find("app_id")->getString() ? *j.find("app_id")->getString() : "", "org.example.app");

  // Same app_id + pushkey replaces.
  ASSERT_TRUE(api()
                  .performSetPusher(ctx(), a.userId, a.deviceId,
                                    httpPusher("key1", "https://other.example/notify"))
                  .ok());
  pushers = api().queryPushers(ctx(), a.userId);
  ASSERT_EQ(pushers->size(), 1u);
  EXPECT_EQ((*pushers)[0].data.find("url")->getString()
                ? *(*pushers)[0].data.find("url")->getString()
                : "",
            "https://other.example/notify");

  json::Object remove = httpPusher("key1");
  remove.set("kind", nullptr);
  ASSERT_TRUE(api().performSetPusher(ctx(), a.userId, a.deviceId, remove).ok());
  EXPECT_TRUE(api().queryPushers(ctx(), a.userId)->empty());
}

TEST_P(PushersTest, WithoutAppendRemovesOtherUsersPusherWithSameKey) {
  LoginResult a = registerUser("alice");
  LoginResult b = registerUser("bob");
  ASSERT_TRUE(api().performSetPusher(ctx(), a.userId, a.deviceId, httpPusher("shared")).ok());
  json::Object appended = httpPusher("shared");
  appended.set("append", true);
  ASSERT_TRUE(api().performSetPusher(ctx(), b.userId, b.deviceId, appended).ok());
  EXPECT_EQ(api().queryPushers(ctx(), a.userId)->size(), 1u);
  ASSERT_TRUE(api().performSetPusher(ctx(), b.userId, b.deviceId, httpPusher("shared")).ok());
  EXPECT_TRUE(api().queryPushers(ctx(), a.userId)->empty());
  EXPECT_EQ(api().queryPushers(ctx(), b.userId)->size(), 1u);
}

TEST_P(PushersTest, RejectsMalformedPushers) {
  LoginResult a = registerUser("alice");
  json::Object noUrl = httpPusher("k");
  noUrl.set("data", json::Object{});
  EXPECT_EQ(api().performSetPusher(ctx(), a.userId, a.deviceId, noUrl).error().code,
            ErrorCode::kInvalidParam);
  json::Object noLang = httpPusher("k");
  noLang.erase("lang");
  EXPECT_EQ(api().performSetPusher(ctx(), a.userId, a.deviceId, noLang).error().code,
            ErrorCode::kMissingParam);
  json::Object numericLang = httpPusher("k");
  numericLang.set("lang", 5);
  EXPECT_EQ(api().performSetPusher(ctx(), a.userId, a.deviceId, numericLang).error().code,
            ErrorCode::kBadJson);
  json::Object badKind = httpPusher("k");
  badKind.set("kind", "carrier-pigeon");
  EXPECT_EQ(api().performSetPusher(ctx(), a.userId, a.deviceId, badKind).error().code,
            ErrorCode::kInvalidParam);
  json::Object noKey = httpPusher("");
  EXPECT_EQ(api().performSetPusher(ctx(), a.userId, a.deviceId, noKey).error().code,
            ErrorCode::kInvalidParam);
  EXPECT_TRUE(api().queryPushers(ctx(), a.userId)->empty());
}

TEST_P(PushersTest, LogoutRemovesThatDevicesPushers) {
  LoginResult a = registerUser("alice");
  ASSERT_TRUE(api().performSetPusher(ctx(), a.userId, a.deviceId, httpPusher("k")).ok());
  ASSERT_TRUE(api().performLogout(ctx(), a.accessToken).ok());
  EXPECT_TRUE(api().queryPushers(ctx(), a.userId)->empty());
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(PushersTest);

}  // namespace
}  // namespace plexus::accountsync::testing
