// The AccountSyncApi contract suite: the same cases against the in-process AccountSyncService
// and, when built with gRPC, through GrpcAccountSyncClient -> gRPC on 127.0.0.1 ->
// GrpcAccountSyncService -> AccountSyncService. Every method of the interface is called, every
// field of every value type is checked after the trip, and failures state the exact
// ErrorCode/errcode, so both bindings must give the same answers.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "accountsync/test/accountsync_bindings.h"

namespace plexus::accountsync {
namespace {

using namespace std::chrono_literals;

enum class Binding { kInProcess, kGrpc };

constexpr std::string_view kRoom = "!room:example.org";

class AccountSyncContractTest : public ::testing::TestWithParam<Binding> {
 protected:
  void SetUp() override {
    bindings_.setUp();
    if (HasFatalFailure()) return;
    if (GetParam() == Binding::kInProcess) {
      api_ = &bindings_.inProcess();
      return;
    }
#if PLEXUS_HAVE_GRPC
    bindings_.startGrpc();
    if (HasFatalFailure()) return;
    api_ = &bindings_.grpcClient();
#else
    GTEST_SKIP() << "built without gRPC";
#endif
  }
  void TearDown() override { bindings_.tearDown(); }

  static void expectError(const Error& e, ErrorCode code, std::string_view errcode) {
    EXPECT_EQ(static_cast<int>(e.code), static_cast<int>(code)) << e.message;
    EXPECT_EQ(e.errcode(), errcode) << e.message;
  }
  template <typename T>
  static void expectError(const Result<T>& r, ErrorCode code, std::string_view errcode) {
    ASSERT_FALSE(r.ok());
    expectError(r.error(), code, errcode);
  }

  // Registers `localpart` with password "pw" and one device.
  LoginResult registerUser(const std::string& localpart, bool refresh = false) {
    RegisterRequest r;
    r.localpart = localpart;
    r.password = "pw";
    r.refreshToken = refresh;
    auto result = api_->performRegister(ctx_, r);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return result.ok() ? *result : LoginResult{};
  }

  static json::Object httpPusher(std::string pushkey) {
    return json::Object{
        {"pushkey", std::move(pushkey)},
        {"kind", "http"},
        {"app_id", "org.example.app"},
        {"app_display_name", "Example"},
        {"device_display_name", "Phone"},
        {"profile_tag", "tag-1"},
        {"lang", "en"},
        {"data", json::Object{{"url", "https://push.example/_matrix/push/v1/notify"},
                              {"format", "event_id_only"}}}};
  }

  testing::AccountSyncBindings bindings_;
  AccountSyncApi* api_ = nullptr;
  CallContext ctx_ = CallContext::withTimeout(10s, "contract-test");
};

// ---- Registration, login, tokens ------------------------------------------------------------

TEST_P(AccountSyncContractTest, RegisterWithEveryFieldRoundTrips) {
  RegisterRequest r;
  r.localpart = "Alice";
  r.password = "s3cret";
  r.deviceId = "DEVICE1";
  r.initialDeviceDisplayName = "Ph\xc3\xb6ne";
  r.admin = true;
  r.refreshToken = true;
  auto login = api_->performRegister(ctx_, r);
  ASSERT_TRUE(login.ok()) << login.error().message;
  EXPECT_EQ(login->userId, "@alice:example.org");
  EXPECT_EQ(login->deviceId, "DEVICE1");
  EXPECT_FALSE(login->accessToken.empty());
  ASSERT_TRUE(login->refreshToken.has_value());
  EXPECT_FALSE(login->refreshToken->empty());
  ASSERT_TRUE(login->expiresInMs.has_value());
  EXPECT_EQ(*login->expiresInMs, AccountSyncOptions{}.accessTokenLifetimeMs);

  auto account = api_->queryAccount(ctx_, "@alice:example.org");
  ASSERT_TRUE(account.ok()) << account.error().message;
  EXPECT_EQ(account->userId, "@alice:example.org");
  EXPECT_EQ(account->kind, AccountKind::kUser);
  EXPECT_TRUE(account->isAdmin);
  EXPECT_FALSE(account->deactivated);
  EXPECT_TRUE(account->hasPassword);
  EXPECT_EQ(account->createdMs, testing::kContractStartMs);
  EXPECT_FALSE(account->locked);
  EXPECT_FALSE(account->suspended);

  auto info = api_->queryAccessToken(ctx_, login->accessToken);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->userId, "@alice:example.org");
  EXPECT_EQ(info->deviceId, "DEVICE1");
  EXPECT_FALSE(info->isGuest);
  EXPECT_TRUE(info->isAdmin);
  EXPECT_FALSE(info->isSuspended);
  EXPECT_FALSE(info->isLocked);
  EXPECT_EQ(info->expiresAtMs, testing::kContractStartMs + *login->expiresInMs);

  auto device = api_->queryDevice(ctx_, "@alice:example.org", "DEVICE1");
  ASSERT_TRUE(device.ok()) << device.error().message;
  EXPECT_EQ(device->userId, "@alice:example.org");
  EXPECT_EQ(device->deviceId, "DEVICE1");
  EXPECT_EQ(device->displayName, "Ph\xc3\xb6ne");
}

TEST_P(AccountSyncContractTest, GuestAndInhibitedRegistrationsLeaveOptionalsEmpty) {
  RegisterRequest guest;
  guest.kind = AccountKind::kGuest;
  auto g = api_->performRegister(ctx_, guest);
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_FALSE(g->refreshToken.has_value());
  EXPECT_FALSE(g->expiresInMs.has_value());
  auto account = api_->queryAccount(ctx_, g->userId);
  ASSERT_TRUE(account.ok());
  EXPECT_EQ(account->kind, AccountKind::kGuest);
  EXPECT_FALSE(account->hasPassword);
  EXPECT_FALSE(account->isAdmin);
  auto info = api_->queryAccessToken(ctx_, g->accessToken);
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->isGuest);
  EXPECT_FALSE(info->expiresAtMs.has_value());

  RegisterRequest inhibited;
  inhibited.localpart = "bot";
  inhibited.inhibitLogin = true;
  auto b = api_->performRegister(ctx_, inhibited);
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->userId, "@bot:example.org");
  EXPECT_TRUE(b->deviceId.empty());
  EXPECT_TRUE(b->accessToken.empty());
  EXPECT_TRUE(api_->queryDevices(ctx_, b->userId)->empty());
}

TEST_P(AccountSyncContractTest, UsernameAvailabilityAndRegistrationErrors) {
  registerUser("alice");
  EXPECT_TRUE(api_->queryUsernameAvailable(ctx_, "bob").ok());
  expectError(api_->queryUsernameAvailable(ctx_, "alice"), ErrorCode::kUserInUse, "M_USER_IN_USE");
  expectError(api_->queryUsernameAvailable(ctx_, "bad name"), ErrorCode::kInvalidUsername,
              "M_INVALID_USERNAME");
  expectError(api_->queryUsernameAvailable(ctx_, "_bridge_x"), ErrorCode::kExclusive,
              "M_EXCLUSIVE");
  RegisterRequest again;
  again.localpart = "alice";
  expectError(api_->performRegister(ctx_, again), ErrorCode::kUserInUse, "M_USER_IN_USE");
}

TEST_P(AccountSyncContractTest, PasswordLoginAndPasswordChecks) {
  registerUser("alice");
  PasswordLoginRequest login;
  login.user = "@alice:example.org";
  login.password = "pw";
  login.deviceId = "LAPTOP";
  login.initialDeviceDisplayName = "Laptop";
  auto r = api_->performPasswordLogin(ctx_, login);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->userId, "@alice:example.org");
  EXPECT_EQ(r->deviceId, "LAPTOP");
  EXPECT_FALSE(r->accessToken.empty());
  EXPECT_FALSE(r->refreshToken.has_value());
  EXPECT_FALSE(r->expiresInMs.has_value());
  EXPECT_EQ(api_->queryDevice(ctx_, r->userId, "LAPTOP")->displayName, "Laptop");

  login.password = "wrong";
  expectError(api_->performPasswordLogin(ctx_, login), ErrorCode::kForbidden, "M_FORBIDDEN");
  EXPECT_EQ(api_->queryPasswordMatches(ctx_, "@alice:example.org", "pw").value(), true);
  EXPECT_EQ(api_->queryPasswordMatches(ctx_, "@alice:example.org", "nope").value(), false);
  EXPECT_EQ(api_->queryPasswordMatches(ctx_, "@ghost:example.org", "pw").value(), false);
}

TEST_P(AccountSyncContractTest, RefreshRotatesAndExpiredTokenIsSoftLogout) {
  LoginResult a = registerUser("alice", /*refresh=*/true);
  ASSERT_TRUE(a.refreshToken && a.expiresInMs);
  bindings_.clockMs() += *a.expiresInMs + 1;
  auto expired = api_->queryAccessToken(ctx_, a.accessToken);
  expectError(expired, ErrorCode::kUnknownToken, "M_UNKNOWN_TOKEN");
  EXPECT_TRUE(isSoftLogout(expired.error())) << expired.error().message;

  auto refreshed = api_->performRefresh(ctx_, *a.refreshToken);
  ASSERT_TRUE(refreshed.ok()) << refreshed.error().message;
  EXPECT_EQ(refreshed->userId, a.userId);
  EXPECT_EQ(refreshed->deviceId, a.deviceId);
  EXPECT_NE(refreshed->accessToken, a.accessToken);
  ASSERT_TRUE(refreshed->refreshToken.has_value());
  EXPECT_NE(*refreshed->refreshToken, *a.refreshToken);
  EXPECT_TRUE(api_->queryAccessToken(ctx_, refreshed->accessToken).ok());

  auto reused = api_->performRefresh(ctx_, *a.refreshToken);
  expectError(reused, ErrorCode::kUnknownToken, "M_UNKNOWN_TOKEN");
  EXPECT_FALSE(isSoftLogout(reused.error()));
}

TEST_P(AccountSyncContractTest, LogoutAndLogoutAll) {
  LoginResult a = registerUser("alice");
  ASSERT_TRUE(api_->performLogout(ctx_, a.accessToken).ok());
  expectError(api_->queryAccessToken(ctx_, a.accessToken), ErrorCode::kUnknownToken,
              "M_UNKNOWN_TOKEN");
  expectError(api_->performLogout(ctx_, a.accessToken), ErrorCode::kUnknownToken,
              "M_UNKNOWN_TOKEN");

  PasswordLoginRequest login{"alice", "pw", std::nullopt, std::nullopt, false};
  auto one = api_->performPasswordLogin(ctx_, login);
  auto two = api_->performPasswordLogin(ctx_, login);
  ASSERT_TRUE(one.ok() && two.ok());
  ASSERT_TRUE(api_->performLogoutAll(ctx_, a.userId).ok());
  EXPECT_FALSE(api_->queryAccessToken(ctx_, one->accessToken).ok());
  EXPECT_FALSE(api_->queryAccessToken(ctx_, two->accessToken).ok());
  EXPECT_TRUE(api_->queryDevices(ctx_, a.userId)->empty());
  expectError(api_->performLogoutAll(ctx_, "@ghost:example.org"), ErrorCode::kNotFound,
              "M_NOT_FOUND");
}

TEST_P(AccountSyncContractTest, ChangePasswordKeepsOnlyTheGivenDevice) {
  LoginResult a = registerUser("alice");
  PasswordLoginRequest login{"alice", "pw", std::string("OTHER"), std::nullopt, false};
  auto other = api_->performPasswordLogin(ctx_, login);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(api_->performChangePassword(ctx_, a.userId, "new-pw", true, a.deviceId).ok());
  EXPECT_TRUE(api_->queryAccessToken(ctx_, a.accessToken).ok());
  EXPECT_FALSE(api_->queryAccessToken(ctx_, other->accessToken).ok());
  EXPECT_EQ(api_->queryPasswordMatches(ctx_, a.userId, "new-pw").value(), true);
  EXPECT_EQ(api_->queryPasswordMatches(ctx_, a.userId, "pw").value(), false);

  // Without logoutDevices (and without a device to keep) every device stays.
  ASSERT_TRUE(api_->performChangePassword(ctx_, a.userId, "third", false, std::nullopt).ok());
  EXPECT_TRUE(api_->queryAccessToken(ctx_, a.accessToken).ok());
  expectError(api_->performChangePassword(ctx_, a.userId, "", false, std::nullopt),
              ErrorCode::kInvalidParam, "M_INVALID_PARAM");
  expectError(api_->performChangePassword(ctx_, "@ghost:example.org", "x", false, std::nullopt),
              ErrorCode::kNotFound, "M_NOT_FOUND");
}

TEST_P(AccountSyncContractTest, DeactivateIsFinalAndIdempotent) {
  LoginResult a = registerUser("alice");
  ASSERT_TRUE(api_->performDeactivate(ctx_, a.userId).ok());
  ASSERT_TRUE(api_->performDeactivate(ctx_, a.userId).ok());
  auto account = api_->queryAccount(ctx_, a.userId);
  ASSERT_TRUE(account.ok());
  EXPECT_TRUE(account->deactivated);
  EXPECT_FALSE(account->hasPassword);
  PasswordLoginRequest login{"alice", "pw", std::nullopt, std::nullopt, false};
  EXPECT_FALSE(api_->performPasswordLogin(ctx_, login).ok());
  expectError(api_->performDeactivate(ctx_, "@ghost:example.org"), ErrorCode::kNotFound,
              "M_NOT_FOUND");
  expectError(api_->queryAccount(ctx_, "@ghost:example.org"), ErrorCode::kNotFound, "M_NOT_FOUND");
}

TEST_P(AccountSyncContractTest, LoginTokenLogsInOnce) {
  LoginResult a = registerUser("alice");
  auto token = api_->performCreateLoginToken(ctx_, a.userId, 120'000);
  ASSERT_TRUE(token.ok()) << token.error().message;
  EXPECT_FALSE(token->empty());
  TokenLoginRequest login;
  login.token = *token;
  login.deviceId = "TOKENDEV";
  login.initialDeviceDisplayName = "Via token";
  login.refreshToken = true;
  auto r = api_->performTokenLogin(ctx_, login);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->userId, a.userId);
  EXPECT_EQ(r->deviceId, "TOKENDEV");
  EXPECT_TRUE(r->refreshToken.has_value());
  EXPECT_EQ(api_->queryDevice(ctx_, a.userId, "TOKENDEV")->displayName, "Via token");
  expectError(api_->performTokenLogin(ctx_, login), ErrorCode::kForbidden, "M_FORBIDDEN");
  expectError(api_->performCreateLoginToken(ctx_, a.userId, 0), ErrorCode::kInvalidParam,
              "M_INVALID_PARAM");
  expectError(api_->performCreateLoginToken(ctx_, "@ghost:example.org", 1000), ErrorCode::kNotFound,
              "M_NOT_FOUND");
}

TEST_P(AccountSyncContractTest, OpenIdTokenResolvesToItsOwner) {
  LoginResult a = registerUser("alice");
  auto token = api_->performCreateOpenIdToken(ctx_, a.userId, 3'600'000);
  ASSERT_TRUE(token.ok()) << token.error().message;
  auto owner = api_->queryOpenIdToken(ctx_, *token);
  ASSERT_TRUE(owner.ok()) << owner.error().message;
  EXPECT_EQ(*owner, a.userId);
  expectError(api_->queryOpenIdToken(ctx_, "unknown"), ErrorCode::kUnknownToken, "M_UNKNOWN_TOKEN");
  expectError(api_->performCreateOpenIdToken(ctx_, a.userId, -5), ErrorCode::kInvalidParam,
              "M_INVALID_PARAM");
}

TEST_P(AccountSyncContractTest, LockAndSuspendShowOnAccountAndTokens) {
  LoginResult a = registerUser("alice");
  ASSERT_TRUE(api_->performSetLocked(ctx_, a.userId, true).ok());
  ASSERT_TRUE(api_->performSetSuspended(ctx_, a.userId, true).ok());
  auto account = api_->queryAccount(ctx_, a.userId);
  ASSERT_TRUE(account.ok());
  EXPECT_TRUE(account->locked);
  EXPECT_TRUE(account->suspended);
  auto info = api_->queryAccessToken(ctx_, a.accessToken);
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->isLocked);
  EXPECT_TRUE(info->isSuspended);
  PasswordLoginRequest login{"alice", "pw", std::nullopt, std::nullopt, false};
  expectError(api_->performPasswordLogin(ctx_, login), ErrorCode::kUserLocked, "M_USER_LOCKED");

  ASSERT_TRUE(api_->performSetLocked(ctx_, a.userId, false).ok());
  ASSERT_TRUE(api_->performSetSuspended(ctx_, a.userId, false).ok());
  info = api_->queryAccessToken(ctx_, a.accessToken);
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->isLocked);
  EXPECT_FALSE(info->isSuspended);
  expectError(api_->performSetLocked(ctx_, "@ghost:example.org", true), ErrorCode::kNotFound,
              "M_NOT_FOUND");
  expectError(api_->performSetSuspended(ctx_, "@x:elsewhere.org", true), ErrorCode::kInvalidParam,
              "M_INVALID_PARAM");
}

// ---- Devices, profiles, user directory ------------------------------------------------------

TEST_P(AccountSyncContractTest, DevicesRoundTripEveryField) {
  LoginResult a = registerUser("alice");
  PasswordLoginRequest login{"alice", "pw", std::string("BBBB"), std::nullopt, false};
  ASSERT_TRUE(api_->performPasswordLogin(ctx_, login).ok());
  const std::int64_t seen = testing::kContractStartMs + 5000;
  ASSERT_TRUE(api_->performTouchDevice(ctx_, a.userId, "BBBB", "2001:db8::1", seen).ok());
  ASSERT_TRUE(api_->performUpdateDevice(ctx_, a.userId, "BBBB", "Laptop").ok());

  auto devices = api_->queryDevices(ctx_, a.userId);
  ASSERT_TRUE(devices.ok()) << devices.error().message;
  ASSERT_EQ(devices->size(), 2u);
  std::vector<std::string> ids{(*devices)[0].deviceId, (*devices)[1].deviceId};
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  auto device = api_->queryDevice(ctx_, a.userId, "BBBB");
  ASSERT_TRUE(device.ok());
  EXPECT_EQ(device->userId, a.userId);
  EXPECT_EQ(device->deviceId, "BBBB");
  EXPECT_EQ(device->displayName, "Laptop");
  EXPECT_EQ(device->lastSeenTs, seen);
  EXPECT_EQ(device->lastSeenIp, "2001:db8::1");

  ASSERT_TRUE(api_->performUpdateDevice(ctx_, a.userId, "BBBB", std::nullopt).ok());
  EXPECT_FALSE(api_->queryDevice(ctx_, a.userId, "BBBB")->displayName.has_value());
  expectError(api_->performUpdateDevice(ctx_, a.userId, "NOPE", "x"), ErrorCode::kNotFound,
              "M_NOT_FOUND");

  ASSERT_TRUE(api_->performDeleteDevices(ctx_, a.userId, {"BBBB", "UNKNOWN"}).ok());
  expectError(api_->queryDevice(ctx_, a.userId, "BBBB"), ErrorCode::kNotFound, "M_NOT_FOUND");
  ASSERT_EQ(api_->queryDevices(ctx_, a.userId)->size(), 1u);
  EXPECT_TRUE(api_->queryDevices(ctx_, "@ghost:example.org")->empty());
}

TEST_P(AccountSyncContractTest, ProfilesAndDirectoryRoundTrip) {
  LoginResult a = registerUser("alice");
  registerUser("alicia");
  auto empty = api_->queryProfile(ctx_, a.userId);
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->displayName.has_value());
  EXPECT_FALSE(empty->avatarUrl.has_value());
  ASSERT_TRUE(api_->performSetDisplayName(ctx_, a.userId, "Alice \xe2\x9c\x93").ok());
  ASSERT_TRUE(api_->performSetAvatarUrl(ctx_, a.userId, "mxc://example.org/abc").ok());
  auto p = api_->queryProfile(ctx_, a.userId);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->displayName, "Alice \xe2\x9c\x93");
  EXPECT_EQ(p->avatarUrl, "mxc://example.org/abc");

  auto dir = api_->queryUserDirectory(ctx_, "ALI", 10, "@someone:example.org");
  ASSERT_TRUE(dir.ok()) << dir.error().message;
  ASSERT_EQ(dir->results.size(), 2u);
  EXPECT_FALSE(dir->limited);
  EXPECT_EQ(dir->results[0].userId, a.userId);
  EXPECT_EQ(dir->results[0].displayName, "Alice \xe2\x9c\x93");
  EXPECT_EQ(dir->results[0].avatarUrl, "mxc://example.org/abc");
  EXPECT_EQ(dir->results[1].userId, "@alicia:example.org");
  EXPECT_FALSE(dir->results[1].displayName.has_value());
  EXPECT_FALSE(dir->results[1].avatarUrl.has_value());
  auto limited = api_->queryUserDirectory(ctx_, "ali", 1, "@someone:example.org");
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->results.size(), 1u);
  EXPECT_TRUE(limited->limited);

  ASSERT_TRUE(api_->performSetDisplayName(ctx_, a.userId, std::nullopt).ok());
  ASSERT_TRUE(api_->performSetAvatarUrl(ctx_, a.userId, std::nullopt).ok());
  p = api_->queryProfile(ctx_, a.userId);
  EXPECT_FALSE(p->displayName.has_value());
  EXPECT_FALSE(p->avatarUrl.has_value());
  expectError(api_->performSetDisplayName(ctx_, a.userId, std::string(300, 'x')),
              ErrorCode::kInvalidParam, "M_INVALID_PARAM");
  expectError(api_->queryProfile(ctx_, "@ghost:example.org"), ErrorCode::kNotFound, "M_NOT_FOUND");
}

// ---- Account data, tags ---------------------------------------------------------------------

TEST_P(AccountSyncContractTest, AccountDataContentSurvivesExactly) {
  LoginResult a = registerUser("alice");
  json::Object content{
      {"string", "caf\xc3\xa9 \"quoted\" \\ \n"},
      {"int", std::int64_t{-9007199254740991}},
      {"float", 0.25},
      {"bool", true},
      {"null", nullptr},
      {"array", json::Array{1, "two", json::Object{{"three", 3}}}},
      {"nested", json::Object{{"deeper", json::Object{{"x", json::Array{}}}}}},
  };
  auto p1 = api_->performSetAccountData(ctx_, a.userId, "", "org.example.global", content);
  ASSERT_TRUE(p1.ok()) << p1.error().message;
  auto p2 = api_->performSetAccountData(ctx_, a.userId, kRoom, "org.example.room", {{"k", 2}});
  ASSERT_TRUE(p2.ok()) << p2.error().message;
  EXPECT_LT(*p1, *p2);

  auto entry = api_->queryAccountDataEntry(ctx_, a.userId, "", "org.example.global");
  ASSERT_TRUE(entry.ok()) << entry.error().message;
  EXPECT_EQ(*entry, content);

  auto changes = api_->queryAccountData(ctx_, a.userId, 0);
  ASSERT_TRUE(changes.ok()) << changes.error().message;
  ASSERT_EQ(changes->entries.size(), 3u);  // m.push_rules from registration + the two above
  EXPECT_EQ(changes->latestPosition, *p2);
  const AccountDataEntry& global = changes->entries[1];
  EXPECT_EQ(global.roomId, "");
  EXPECT_EQ(global.type, "org.example.global");
  EXPECT_EQ(global.content, content);
  EXPECT_EQ(global.streamPosition, *p1);
  const AccountDataEntry& room = changes->entries[2];
  EXPECT_EQ(room.roomId, kRoom);
  EXPECT_EQ(room.type, "org.example.room");
  EXPECT_EQ(room.content, (json::Object{{"k", 2}}));
  EXPECT_EQ(room.streamPosition, *p2);

  auto since = api_->queryAccountData(ctx_, a.userId, *p1);
  ASSERT_TRUE(since.ok());
  ASSERT_EQ(since->entries.size(), 1u);
  EXPECT_EQ(since->entries[0].type, "org.example.room");
  EXPECT_EQ(api_->queryAccountDataPosition(ctx_).value(), *p2);
}

TEST_P(AccountSyncContractTest, AccountDataErrors) {
  LoginResult a = registerUser("alice");
  expectError(api_->queryAccountDataEntry(ctx_, a.userId, kRoom, "absent"), ErrorCode::kNotFound,
              "M_NOT_FOUND");
  expectError(api_->performSetAccountData(ctx_, "@ghost:example.org", "", "t", {}),
              ErrorCode::kNotFound, "M_NOT_FOUND");
  expectError(api_->performSetAccountData(ctx_, a.userId, "", "", {}), ErrorCode::kInvalidParam,
              "M_INVALID_PARAM");
  expectError(api_->performSetAccountData(ctx_, a.userId, "", "m.push_rules", {}),
              ErrorCode::kBadJson, "M_BAD_JSON");
}

TEST_P(AccountSyncContractTest, TagsSetListAndDelete) {
  LoginResult a = registerUser("alice");
  auto p1 = api_->performSetTag(ctx_, a.userId, kRoom, "m.favourite", {{"order", 0.5}});
  ASSERT_TRUE(p1.ok()) << p1.error().message;
  auto p2 = api_->performSetTag(ctx_, a.userId, kRoom, "u.work", {});
  ASSERT_TRUE(p2.ok());
  EXPECT_GT(*p2, *p1);
  auto tags = api_->queryTags(ctx_, a.userId, kRoom);
  ASSERT_TRUE(tags.ok()) << tags.error().message;
  EXPECT_EQ(*tags, (json::Object{{"m.favourite", json::Object{{"order", 0.5}}},
                                 {"u.work", json::Object{}}}));
  auto p3 = api_->performDeleteTag(ctx_, a.userId, kRoom, "m.favourite");
  ASSERT_TRUE(p3.ok());
  EXPECT_GT(*p3, *p2);
  EXPECT_EQ(*api_->queryTags(ctx_, a.userId, kRoom), (json::Object{{"u.work", json::Object{}}}));
  EXPECT_TRUE(api_->performDeleteTag(ctx_, a.userId, kRoom, "absent").ok());
  EXPECT_TRUE(api_->queryTags(ctx_, a.userId, "!other:example.org")->empty());
  expectError(api_->performSetTag(ctx_, a.userId, kRoom, "", {}), ErrorCode::kInvalidParam,
              "M_INVALID_PARAM");
  expectError(api_->performSetTag(ctx_, a.userId, kRoom, "t", {{"order", "high"}}),
              ErrorCode::kBadJson, "M_BAD_JSON");
}

// ---- Push rules, pushers --------------------------------------------------------------------

TEST_P(AccountSyncContractTest, PushRulesEditedThroughEveryCall) {
  LoginResult a = registerUser("alice");
  auto rules = api_->queryPushRules(ctx_, a.userId);
  ASSERT_TRUE(rules.ok()) << rules.error().message;
  EXPECT_EQ(*rules, api_->queryAccountDataEntry(ctx_, a.userId, "", "m.push_rules").value());
  ASSERT_NE(rules->find("global"), nullptr);

  json::Object rule{
      {"actions",
       json::Array{"notify", json::Object{{"set_tweak", "sound"}, {"value", "default"}}}},
      {"conditions", json::Array{json::Object{
                         {"kind", "event_match"}, {"key", "content.body"}, {"pattern", "cake*"}}}}};
  ASSERT_TRUE(api_->performPutPushRule(ctx_, a.userId, "override", "x", rule, {}, {}).ok());
  ASSERT_TRUE(
      api_->performPutPushRule(ctx_, a.userId, "override", "y", rule, std::string("x"), {}).ok());
  ASSERT_TRUE(
      api_->performPutPushRule(ctx_, a.userId, "override", "z", rule, {}, std::string("x")).ok());
  auto all = api_->queryPushRules(ctx_, a.userId);
  ASSERT_TRUE(all.ok());
  const json::Array& overrides = *all->find("global")->get("override")->getArray();
  ASSERT_GE(overrides.size(), 4u);
  EXPECT_EQ(overrides[1].getStringAt("rule_id"), "y");
  EXPECT_EQ(overrides[2].getStringAt("rule_id"), "x");
  EXPECT_EQ(overrides[3].getStringAt("rule_id"), "z");

  auto x = api_->queryPushRule(ctx_, a.userId, "override", "x");
  ASSERT_TRUE(x.ok()) << x.error().message;
  EXPECT_EQ(*x->find("actions"), *rule.find("actions"));
  EXPECT_EQ(*x->find("conditions"), *rule.find("conditions"));
  EXPECT_EQ(x->find("enabled")->getBool(), true);
  EXPECT_EQ(x->find("default")->getBool(), false);

  ASSERT_TRUE(api_->performSetPushRuleEnabled(ctx_, a.userId, "override", "x", false).ok());
  ASSERT_TRUE(
      api_->performSetPushRuleActions(ctx_, a.userId, "override", "x", json::Array{"notify"}).ok());
  x = api_->queryPushRule(ctx_, a.userId, "override", "x");
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x->find("enabled")->getBool(), false);
  EXPECT_EQ(*x->find("actions"), json::Value(json::Array{"notify"}));

  ASSERT_TRUE(api_->performDeletePushRule(ctx_, a.userId, "override", "x").ok());
  expectError(api_->queryPushRule(ctx_, a.userId, "override", "x"), ErrorCode::kNotFound,
              "M_NOT_FOUND");
  expectError(api_->performDeletePushRule(ctx_, a.userId, "override", "x"), ErrorCode::kNotFound,
              "M_NOT_FOUND");
}

TEST_P(AccountSyncContractTest, PushRuleErrors) {
  LoginResult a = registerUser("alice");
  json::Object ok{{"actions", json::Array{"notify"}}};
  expectError(api_->queryPushRule(ctx_, a.userId, "weird", "r"), ErrorCode::kInvalidParam,
              "M_INVALID_PARAM");
  expectError(api_->performPutPushRule(ctx_, a.userId, "override", "r", json::Object{}, {}, {}),
              ErrorCode::kMissingParam, "M_MISSING_PARAM");
  expectError(api_->performPutPushRule(ctx_, a.userId, "override", ".m.rule.mine", ok, {}, {}),
              ErrorCode::kInvalidParam, "M_INVALID_PARAM");
  expectError(api_->performPutPushRule(ctx_, a.userId, "override", "r",
                                       json::Object{{"actions", "notify"}}, {}, {}),
              ErrorCode::kBadJson, "M_BAD_JSON");
  expectError(api_->performDeletePushRule(ctx_, a.userId, "override", ".m.rule.master"),
              ErrorCode::kInvalidParam, "M_INVALID_PARAM");
  expectError(api_->performSetPushRuleEnabled(ctx_, a.userId, "override", "nope", true),
              ErrorCode::kNotFound, "M_NOT_FOUND");
  expectError(api_->performSetPushRuleActions(ctx_, a.userId, "override", ".m.rule.master",
                                              json::Array{"explode"}),
              ErrorCode::kBadJson, "M_BAD_JSON");
  expectError(api_->queryPushRules(ctx_, "@ghost:example.org"), ErrorCode::kNotFound,
              "M_NOT_FOUND");
}

TEST_P(AccountSyncContractTest, PushersRoundTripEveryField) {
  LoginResult a = registerUser("alice");
  bindings_.clockMs() += 1234;
  ASSERT_TRUE(api_->performSetPusher(ctx_, a.userId, a.deviceId, httpPusher("key1")).ok());
  auto pushers = api_->queryPushers(ctx_, a.userId);
  ASSERT_TRUE(pushers.ok()) << pushers.error().message;
  ASSERT_EQ(pushers->size(), 1u);
  const Pusher& p = (*pushers)[0];
  EXPECT_EQ(p.pushkey, "key1");
  EXPECT_EQ(p.kind, "http");
  EXPECT_EQ(p.appId, "org.example.app");
  EXPECT_EQ(p.appDisplayName, "Example");
  EXPECT_EQ(p.deviceDisplayName, "Phone");
  EXPECT_EQ(p.profileTag, "tag-1");
  EXPECT_EQ(p.lang, "en");
  EXPECT_EQ(p.data, (json::Object{{"url", "https://push.example/_matrix/push/v1/notify"},
                                  {"format", "event_id_only"}}));
  EXPECT_EQ(p.deviceId, a.deviceId);
  EXPECT_EQ(p.createdMs, testing::kContractStartMs + 1234);

  json::Object noTag = httpPusher("key2");
  noTag.erase("profile_tag");
  ASSERT_TRUE(api_->performSetPusher(ctx_, a.userId, a.deviceId, noTag).ok());
  pushers = api_->queryPushers(ctx_, a.userId);
  ASSERT_TRUE(pushers.ok());
  ASSERT_EQ(pushers->size(), 2u);
  for (const auto& pusher : *pushers) {
    EXPECT_EQ(pusher.profileTag.has_value(), pusher.pushkey == "key1") << pusher.pushkey;
  }

  json::Object remove = httpPusher("key1");
  remove.set("kind", nullptr);
  ASSERT_TRUE(api_->performSetPusher(ctx_, a.userId, a.deviceId, remove).ok());
  EXPECT_EQ(api_->queryPushers(ctx_, a.userId)->size(), 1u);

  json::Object noLang = httpPusher("k");
  noLang.erase("lang");
  expectError(api_->performSetPusher(ctx_, a.userId, a.deviceId, noLang), ErrorCode::kMissingParam,
              "M_MISSING_PARAM");
  json::Object badKind = httpPusher("k");
  badKind.set("kind", "carrier-pigeon");
  expectError(api_->performSetPusher(ctx_, a.userId, a.deviceId, badKind), ErrorCode::kInvalidParam,
              "M_INVALID_PARAM");
}

// ---- Transport-independent behaviour ----------------------------------------------------------

TEST_P(AccountSyncContractTest, ExpiredDeadlineIsUnavailable) {
  CallContext late;
  late.deadline = CallContext::Clock::now() - 1ms;
  auto r = api_->queryAccountDataPosition(late);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(static_cast<int>(r.error().code), static_cast<int>(ErrorCode::kUnavailable));
}

std::string bindingName(const ::testing::TestParamInfo<Binding>& param) {
  return param.param == Binding::kInProcess ? "InProcess" : "Grpc";
}

INSTANTIATE_TEST_SUITE_P(Bindings, AccountSyncContractTest,
                         ::testing::Values(Binding::kInProcess, Binding::kGrpc), bindingName);

}  // namespace
}  // namespace plexus::accountsync
