// Queries: directory and profile, the public room list, hierarchy, OpenID userinfo, and the
// answers of endpoints whose service is not wired (keys, media).
#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "federation_routes_fixture.h"

namespace plexus::federationapi {
namespace {

using testing::FederationRoutesTest;

class FederationQueriesTest : public FederationRoutesTest {};

std::string str(const json::Object& o, std::string_view key) {
  return std::string(json::Value(o).getStringAt(key).value_or(""));
}

TEST_F(FederationQueriesTest, ProfileOfALocalUserWithOptionalField) {
  accountsync::RegisterRequest reg;
  reg.localpart = "alice";
  reg.inhibitLogin = true;
  ASSERT_TRUE(accounts_->performRegister(ctx_, reg).ok());
  ASSERT_TRUE(accounts_->performSetDisplayName(ctx_, testing::kAlice, "Alice").ok());
  auto reply = call("GET", "/_matrix/federation/v1/query/profile?user_id=%40alice%3Aus.test");
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(str(reply.body, "displayname"), "Alice");
  reply = call("GET",
               "/_matrix/federation/v1/query/profile?user_id=%40alice%3Aus.test&field=avatar_url");
  ASSERT_EQ(reply.status, 200);
  EXPECT_FALSE(reply.body.find("displayname"));
  EXPECT_EQ(
      call("GET", "/_matrix/federation/v1/query/profile?user_id=%40alice%3Aus.test&field=x").status,
      400);
  EXPECT_EQ(call("GET", "/_matrix/federation/v1/query/profile?user_id=%40bob%3Aremote.test").status,
            400);
  EXPECT_EQ(call("GET", "/_matrix/federation/v1/query/profile").errcode(), "M_MISSING_PARAM");
}

TEST_F(FederationQueriesTest, DirectoryResolvesOurAliases) {
  std::string room = createPublicRoom(false);
  ASSERT_TRUE(real_->performSetRoomAlias(ctx_, "#lobby:us.test", room, testing::kAlice).ok());
  auto reply = call("GET", "/_matrix/federation/v1/query/directory?room_alias=%23lobby%3Aus.test");
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(str(reply.body, "room_id"), room);
  EXPECT_FALSE(reply.body.find("servers")->getArray()->empty());
  EXPECT_EQ(
      call("GET", "/_matrix/federation/v1/query/directory?room_alias=%23none%3Aus.test").status,
      404);
}

TEST_F(FederationQueriesTest, PublicRoomsGetAndPost) {
  roomserver::CreateRoomRequest request;
  request.creator = testing::kAlice;
  request.visibility = roomserver::Visibility::kPublic;
  request.name = "Lobby";
  auto created = real_->performCreateRoom(ctx_, request);
  ASSERT_TRUE(created.ok());
  auto reply = call("GET", "/_matrix/federation/v1/publicRooms?limit=10");
  ASSERT_EQ(reply.status, 200) << reply.raw;
  auto* chunk = reply.body.find("chunk")->getArray();
  ASSERT_EQ(chunk->size(), 1u);
  EXPECT_EQ((*chunk)[0].getStringAt("name"), "Lobby");
  EXPECT_EQ((*chunk)[0].get("num_joined_members")->getInt(), 1);
  EXPECT_TRUE(reply.body.find("total_room_count_estimate"));

  auto filtered = call("POST", "/_matrix/federation/v1/publicRooms",
                       json::Object{{"filter", json::Object{{"generic_search_term", "nothing"}}}});
  ASSERT_EQ(filtered.status, 200);
  EXPECT_TRUE(filtered.body.find("chunk")->getArray()->empty());
  EXPECT_EQ(call("GET", "/_matrix/federation/v1/publicRooms?limit=abc").status, 400);
}

TEST_F(FederationQueriesTest, HierarchyListsKnownChildrenOfAPublicSpace) {
  std::string space = createPublicRoom(false);
  std::string child = createPublicRoom(false);
  roomserver::SendEventRequest link;
  link.roomId = space;
  link.sender = testing::kAlice;
  link.type = "m.space.child";
  link.stateKey = child;
  link.content = json::Object{{"via", json::Array{"us.test"}}};
  ASSERT_TRUE(real_->performSendEvent(ctx_, link).ok());
  link.stateKey = "!unknown:elsewhere.test";
  ASSERT_TRUE(real_->performSendEvent(ctx_, link).ok());

  auto reply = call("GET", "/_matrix/federation/v1/hierarchy/" + space, "", &other_);
  ASSERT_EQ(reply.status, 200) << reply.raw;
  const json::Value* room = reply.body.find("room");
  EXPECT_EQ(room->getStringAt("room_id"), space);
  EXPECT_EQ(room->get("children_state")->getArray()->size(), 2u);
  auto* children = reply.body.find("children")->getArray();
  ASSERT_EQ(children->size(), 1u);
  EXPECT_EQ((*children)[0].getStringAt("room_id"), child);
  EXPECT_EQ((*children)[0].getStringAt("join_rule"), "public");
  EXPECT_TRUE(reply.body.find("inaccessible_children")->getArray()->empty());
}

TEST_F(FederationQueriesTest, HierarchyOfAPrivateRoomIsHiddenFromOutsiders) {
  roomserver::CreateRoomRequest request;
  request.creator = testing::kAlice;
  request.preset = roomserver::Preset::kPrivateChat;
  auto created = real_->performCreateRoom(ctx_, request);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(call("GET", "/_matrix/federation/v1/hierarchy/" + created->roomId).status, 404);
  EXPECT_EQ(call("GET", "/_matrix/federation/v1/hierarchy/!none:us.test").status, 404);
}

// OpenID userinfo against an account-sync service on the fixture's database whose clock the
// test moves (the fixture's own service runs on the real clock).
class FederationOpenIdTest : public FederationRoutesTest {
 protected:
  void configure(FederationDeps& deps) override {
    accountsync::AccountSyncOptions options = accountsync::AccountSyncOptions::forTests();
    options.clock = [this] { return clockMs_.load(); };
    clocked_ = std::make_unique<accountsync::AccountSyncService>(testing::kUs, database_->db(),
                                                                 *outbox_, options);
    deps.accounts = clocked_.get();
  }
  void TearDown() override {
    routes_.reset();
    clocked_.reset();
    FederationRoutesTest::TearDown();
  }

  // The token POST /user/{userId}/openid/request_token hands out (its lifetime: 3600 s).
  std::string requestToken(const std::string& userId) {
    auto token = clocked_->performCreateOpenIdToken(ctx_, userId, kLifetimeMs);
    EXPECT_TRUE(token.ok()) << (token.ok() ? "" : token.error().message);
    return token.ok() ? *token : std::string();
  }
  testing::Reply userinfo(const std::string& token) {
    return send(testing::makeRequest(
        "GET", "/_matrix/federation/v1/openid/userinfo?access_token=" + token));
  }
  static void expectUnknownToken(const testing::Reply& reply) {
    EXPECT_EQ(reply.status, 401) << reply.raw;
    EXPECT_EQ(reply.errcode(), "M_UNKNOWN_TOKEN") << reply.raw;
    EXPECT_FALSE(str(reply.body, "error").empty()) << reply.raw;
  }

  static constexpr std::int64_t kLifetimeMs = 3'600'000;
  std::atomic<std::int64_t> clockMs_{1'700'000'000'000};
  std::unique_ptr<accountsync::AccountSyncService> clocked_;
};

TEST_F(FederationOpenIdTest, UserinfoNamesTheOwnerOfAnAccountSyncToken) {
  accountsync::RegisterRequest reg;
  reg.localpart = "alice";
  reg.inhibitLogin = true;
  ASSERT_TRUE(clocked_->performRegister(ctx_, reg).ok());
  std::string token = requestToken(testing::kAlice);
  ASSERT_FALSE(token.empty());
  // No X-Matrix header: the token is the credential. Third parties may ask more than once.
  for (int i = 0; i < 2; ++i) {
    auto reply = userinfo(token);
    ASSERT_EQ(reply.status, 200) << reply.raw;
    EXPECT_EQ(str(reply.body, "sub"), testing::kAlice);
    EXPECT_EQ(reply.body.size(), 1u) << reply.raw;
  }
  // A signed request is answered the same way (the signature is simply not needed).
  auto withSignature = call("GET", "/_matrix/federation/v1/openid/userinfo?access_token=" + token);
  EXPECT_EQ(withSignature.status, 200) << withSignature.raw;
  EXPECT_EQ(str(withSignature.body, "sub"), testing::kAlice);
}

TEST_F(FederationOpenIdTest, ExpiredTokenIsUnknown) {
  accountsync::RegisterRequest reg;
  reg.localpart = "alice";
  reg.inhibitLogin = true;
  ASSERT_TRUE(clocked_->performRegister(ctx_, reg).ok());
  std::string token = requestToken(testing::kAlice);
  clockMs_ += kLifetimeMs - 1;
  EXPECT_EQ(userinfo(token).status, 200);
  clockMs_ += 1;
  expectUnknownToken(userinfo(token));
}

TEST_F(FederationOpenIdTest, UnknownMissingAndEmptyTokensAreUnknown) {
  expectUnknownToken(userinfo("abc"));
  expectUnknownToken(userinfo(""));
  expectUnknownToken(send(testing::makeRequest("GET", "/_matrix/federation/v1/openid/userinfo")));
}

// Like the authenticated routes, userinfo reads account-sync off the dispatching thread.
TEST_F(FederationOpenIdTest, UserinfoRunsOnTheBlockingRunner) {
  accountsync::RegisterRequest reg;
  reg.localpart = "alice";
  reg.inhibitLogin = true;
  ASSERT_TRUE(clocked_->performRegister(ctx_, reg).ok());
  std::string token = requestToken(testing::kAlice);
  std::vector<std::thread> workers;
  std::mutex workersMutex;
  FederationDeps deps;
  deps.serverName = testing::kUs;
  deps.keys = cache_.get();
  deps.roomserver = rooms_.get();
  deps.accounts = clocked_.get();
  deps.runBlocking = [&](std::function<void()> work) {
    std::lock_guard lock(workersMutex);
    workers.emplace_back(std::move(work));
  };
  FederationRoutes routes(std::move(deps));
  http::Router router;
  routes.registerRoutes(router);

  auto request =
      testing::makeRequest("GET", "/_matrix/federation/v1/openid/userinfo?access_token=" + token);
  ASSERT_TRUE(http::parseTarget(request).ok());
  std::promise<std::pair<http::Response, std::thread::id>> answered;
  auto future = answered.get_future();
  router.dispatch(std::move(request), http::Responder::detached([&](http::Response r) {
                    answered.set_value({std::move(r), std::this_thread::get_id()});
                  }));
  ASSERT_EQ(future.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  auto [response, thread] = future.get();
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_NE(response.body.find(testing::kAlice), std::string::npos) << response.body;
  EXPECT_NE(thread, std::this_thread::get_id());
  std::lock_guard lock(workersMutex);
  for (auto& w : workers) w.join();
}

// Without account-sync nothing resolves, and the answer is still the spec's 401.
class FederationOpenIdWithoutAccountsTest : public FederationRoutesTest {
 protected:
  void configure(FederationDeps& deps) override { deps.accounts = nullptr; }
};

TEST_F(FederationOpenIdWithoutAccountsTest, EveryTokenIsUnknown) {
  accountsync::RegisterRequest reg;
  reg.localpart = "alice";
  reg.inhibitLogin = true;
  ASSERT_TRUE(accounts_->performRegister(ctx_, reg).ok());
  auto token = accounts_->performCreateOpenIdToken(ctx_, testing::kAlice, 3'600'000);
  ASSERT_TRUE(token.ok()) << token.error().message;
  auto reply = send(
      testing::makeRequest("GET", "/_matrix/federation/v1/openid/userinfo?access_token=" + *token));
  EXPECT_EQ(reply.status, 401) << reply.raw;
  EXPECT_EQ(reply.errcode(), "M_UNKNOWN_TOKEN");
}

TEST_F(FederationQueriesTest, EndpointsWithoutTheirServiceAreUnrecognized) {
  EXPECT_EQ(call("POST", "/_matrix/federation/v1/user/keys/query",
                 json::Object{{"device_keys", json::Object{}}})
                .errcode(),
            "M_UNRECOGNIZED");
  EXPECT_EQ(call("GET", "/_matrix/federation/v1/user/devices/@alice:us.test").errcode(),
            "M_UNRECOGNIZED");
  EXPECT_EQ(call("GET", "/_matrix/federation/v1/media/download/abc").errcode(), "M_UNRECOGNIZED");
}

TEST_F(FederationQueriesTest, EveryRouteRequiresAuthentication) {
  for (auto [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/_matrix/federation/v1/event/$x"},
           {"GET", "/_matrix/federation/v1/state_ids/!r:us.test?event_id=$x"},
           {"GET", "/_matrix/federation/v1/make_join/!r:us.test/@bob:remote.test"},
           {"PUT", "/_matrix/federation/v2/invite/!r:us.test/$x"},
           {"GET", "/_matrix/federation/v1/query/profile?user_id=%40alice%3Aus.test"},
           {"POST", "/_matrix/federation/v1/user/keys/claim"},
           {"GET", "/_matrix/federation/v1/hierarchy/!r:us.test"}}) {
    auto reply = send(testing::makeRequest(method, target));
    EXPECT_EQ(reply.status, 401) << target;
    EXPECT_EQ(reply.errcode(), "M_UNAUTHORIZED") << target;
  }
}

}  // namespace
}  // namespace plexus::federationapi

namespace plexus::federationapi {
namespace {

// Handlers run on the blocking runner (a worker pool in the node), never on the dispatching
// thread, and answer through the Responder from there.
TEST_F(FederationQueriesTest, HandlersRunOnTheBlockingRunner) {
  std::vector<std::thread> workers;
  std::mutex workersMutex;
  FederationDeps deps;
  deps.serverName = testing::kUs;
  deps.keys = cache_.get();
  deps.roomserver = rooms_.get();
  deps.runBlocking = [&](std::function<void()> work) {
    std::lock_guard lock(workersMutex);
    workers.emplace_back(std::move(work));
  };
  FederationRoutes routes(std::move(deps));
  http::Router router;
  routes.registerRoutes(router);

  std::string room = createPublicRoom(true);
  std::string msg = sendMessage(room, "hi");
  std::string target = "/_matrix/federation/v1/event/" + msg;
  auto request = testing::makeRequest("GET", target);
  auto auth = federation::signRequest("remote.test", testing::kUs, remote_.key.keyId,
                                      remote_.key.key, "GET", target, nullptr);
  request.headers.add("Authorization", federation::formatXMatrix(auth));
  ASSERT_TRUE(http::parseTarget(request).ok());

  std::promise<std::pair<int, std::thread::id>> answered;
  auto future = answered.get_future();
  router.dispatch(std::move(request), http::Responder::detached([&](http::Response r) {
                    answered.set_value({r.status, std::this_thread::get_id()});
                  }));
  ASSERT_EQ(future.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  auto [status, thread] = future.get();
  EXPECT_EQ(status, 200);
  EXPECT_NE(thread, std::this_thread::get_id());
  std::lock_guard lock(workersMutex);
  for (auto& w : workers) w.join();
}

}  // namespace
}  // namespace plexus::federationapi
