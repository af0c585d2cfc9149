// PushersChanged on the bus (AccountSyncOptions::publishPusherChanges): every write that changes
// pushers enqueues one in its transaction, for sync-api's pusher cache; on SQLite and
// PostgreSQL. Read straight from the outbox table, so what is asserted is what was committed.
#include <string>
#include <vector>

#include "accountsync/api/output.h"
#include "plexus/json/parse.h"
#include "service_fixture.h"

namespace plexus::accountsync::testing {
namespace {

json::Object httpPusher(std::string pushkey, bool append = false) {
  json::Object body{{"pushkey", std::move(pushkey)},
                    {"kind", "http"},
                    {"app_id", "org.example.app"},
                    {"app_display_name", "Example"},
                    {"device_display_name", "Phone"},
                    {"lang", "en"},
                    {"data", json::Object{{"url", "https://push.example/_matrix/push/v1/notify"}}}};
  if (append) body.set("append", true);
  return body;
}

json::Object removal(std::string pushkey) {
  json::Object body = httpPusher(std::move(pushkey));
  body.set("kind", nullptr);
  return body;
}

class PushersChangedTest : public AccountSyncServiceTest {
 protected:
  void customize(AccountSyncOptions& options) override { options.publishPusherChanges = true; }

  // The user IDs of the PushersChanged committed so far, in order.
  std::vector<std::string> published() {
    std::vector<std::string> out;
    auto rows = db().query("SELECT payload FROM bus_outbox WHERE topic = $1 ORDER BY id",
                           {std::string(PushersChanged::kTopic)});
    EXPECT_TRUE(rows.ok()) << (rows.ok() ? "" : rows.error().message);
    if (!rows.ok()) return out;
    for (const auto& row : *rows) {
      auto payload = row.text(0);
      EXPECT_TRUE(payload.ok());
      if (!payload.ok()) continue;
      auto object = json::parseObject(*payload);
      EXPECT_TRUE(object.ok());
      if (!object.ok()) continue;
      auto change = PushersChanged::fromJson(*object);
      EXPECT_TRUE(change.ok());
      if (change.ok()) out.push_back(change->userId);
    }
    return out;
  }

  using Users = std::vector<std::string>;
};

TEST_P(PushersChangedTest, RegistrationPublishesNothing) {
  registerUser("alice");
  EXPECT_EQ(published(), Users{});
}

TEST_P(PushersChangedTest, AppendingSetPublishesThatUser) {
  LoginResult a = registerUser("alice");
  ASSERT_TRUE(api().performSetPusher(ctx(), a.userId, a.deviceId, httpPusher("k", true)).ok());
  EXPECT_EQ(published(), Users{a.userId});
}

TEST_P(PushersChangedTest, SetWithoutAppendPublishesAnyone) {
  // It removes the same app_id and pushkey from other users: anyone's may have changed.
  LoginResult a = registerUser("alice");
  ASSERT_TRUE(api().performSetPusher(ctx(), a.userId, a.deviceId, httpPusher("k")).ok());
  EXPECT_EQ(published(), Users{""});
}

TEST_P(PushersChangedTest, DeletePublishesThatUser) {
  LoginResult a = registerUser("alice");
  ASSERT_TRUE(api().performSetPusher(ctx(), a.userId, a.deviceId, httpPusher("k", true)).ok());
  ASSERT_TRUE(api().performSetPusher(ctx(), a.userId, a.deviceId, removal("k")).ok());
  EXPECT_EQ(published(), (Users{a.userId, a.userId}));
}

TEST_P(PushersChangedTest, RejectedSetPublishesNothing) {
  LoginResult a = registerUser("alice");
  json::Object noUrl = httpPusher("k");
  noUrl.set("data", json::Object{});
  EXPECT_FALSE(api().performSetPusher(ctx(), a.userId, a.deviceId, noUrl).ok());
  EXPECT_FALSE(api().performSetPusher(ctx(), userId("nobody"), "D", httpPusher("k")).ok());
  EXPECT_EQ(published(), Users{});
}

TEST_P(PushersChangedTest, DeviceDeletionPublishesThatUser) {
  LoginResult a = registerUser("alice");
  ASSERT_TRUE(api().performDeleteDevices(ctx(), a.userId, {a.deviceId}).ok());
  EXPECT_EQ(published(), Users{a.userId});
}

TEST_P(PushersChangedTest, LogoutPublishesThatUser) {
  LoginResult a = registerUser("alice");
  ASSERT_TRUE(api().performLogout(ctx(), a.accessToken).ok());
  EXPECT_EQ(published(), Users{a.userId});
}

TEST_P(PushersChangedTest, LogoutAllPublishesThatUser) {
  LoginResult a = registerUser("alice");
  ASSERT_TRUE(api().performLogoutAll(ctx(), a.userId).ok());
  EXPECT_EQ(published(), Users{a.userId});
}

TEST_P(PushersChangedTest, PasswordChangeThatLogsOutPublishesThatUser) {
  LoginResult a = registerUser("alice");
  ASSERT_TRUE(api().performChangePassword(ctx(), a.userId, "new", false, std::nullopt).ok());
  EXPECT_EQ(published(), Users{});
  ASSERT_TRUE(api().performChangePassword(ctx(), a.userId, "newer", true, std::nullopt).ok());
  EXPECT_EQ(published(), Users{a.userId});
}

TEST_P(PushersChangedTest, DeactivationPublishesThatUser) {
  LoginResult a = registerUser("alice");
  ASSERT_TRUE(api().performDeactivate(ctx(), a.userId).ok());
  EXPECT_EQ(published(), Users{a.userId});
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(PushersChangedTest);

// Off by default (the plain node): its outbox gets no PushersChanged.
class PushersChangedOffTest : public PushersChangedTest {
 protected:
  void customize(AccountSyncOptions&) override {}
};

TEST_P(PushersChangedOffTest, PublishesNothingWithoutTheOption) {
  LoginResult a = registerUser("alice");
  ASSERT_TRUE(api().performSetPusher(ctx(), a.userId, a.deviceId, httpPusher("k")).ok());
  ASSERT_TRUE(api().performLogout(ctx(), a.accessToken).ok());
  EXPECT_EQ(published(), Users{});
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(PushersChangedOffTest);

TEST(PushersChangedJson, RoundTrips) {
  auto back = PushersChanged::fromJson(PushersChanged{"@a:example.org"}.toJson());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->userId, "@a:example.org");
  EXPECT_EQ(PushersChanged{"@a:example.org"}.key(), "@a:example.org");
  EXPECT_FALSE(PushersChanged::fromJson(json::Object{}).ok());
}

}  // namespace
}  // namespace plexus::accountsync::testing
