// Test fixture for client-api: the real services (account-sync, roomserver, keyserver, sync-api)
// on a temporary SQLite database and the in-process bus, behind a ClientApiServer on
// 127.0.0.1 port 0, driven through the libs/http Client. Shared by the account-side tests and
// the room-side tests (room_*_test.cc).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "accountsync/api/output.h"
#include "accountsync/impl/accountsync_service.h"
#include "clientapi/impl/client_api_server.h"
#include "keyserver/api/output.h"
#include "keyserver/impl/keyserver_service.h"
#include "plexus/bus/in_process_bus.h"
#include "plexus/bus/outbox.h"
#include "plexus/bus/routed_bus.h"
#include "plexus/bus/typed_topic.h"
#include "plexus/crypto/ed25519.h"
#include "plexus/events/server_identity.h"
#include "plexus/http/client.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"
#include "plexus/storage/testing/test_database.h"
#include "roomserver/api/output.h"
#include "roomserver/impl/roomserver_service.h"
#include "syncapi/api/ports.h"
#include "syncapi/impl/sync_service.h"

namespace plexus::clientapi::testing {

inline constexpr const char* kServerName = "test.local";

// sync-api's view of device keys, over the keyserver and account-sync (what services/node
// wires in production).
class DeviceKeysAdapter final : public syncapi::DeviceKeySource {
 public:
  DeviceKeysAdapter(keyserver::KeyserverApi& keys, accountsync::AccountSyncApi& accounts)
      : keys_(keys), accounts_(accounts) {}
  Result<std::map<std::string, std::int64_t>> queryOneTimeKeyCounts(const CallContext& ctx, const std::string& userId,
                                                                    const std::string& deviceId) override {
    return keys_.queryOneTimeKeyCounts(ctx, userId, deviceId);
  }
  Result<std::vector<std::string>> queryUnusedFallbackKeyTypes(const CallContext& ctx, const std::string& userId,
                                                               const std::string& deviceId) override {
    return keys_.queryUnusedFallbackKeyTypes(ctx, userId, deviceId);
  }
  Result<std::vector<std::string>> queryDeviceIds(const CallContext& ctx, const std::string& userId) override {
    PLEXUS_TRY(auto devices, accounts_.queryDevices(ctx, userId));
    std::vector<std::string> ids;
    for (const auto& d : devices) ids.push_back(d.deviceId);
    return ids;
  }

 private:
  keyserver::KeyserverApi& keys_;
  accountsync::AccountSyncApi& accounts_;
};

struct Reply {
  int status = 0;
  json::Object body;
  std::string raw;
  http::Headers headers;

  std::string errcode() const { return std::string(json::Value(body).getStringAt("errcode").value_or("")); }
  std::string str(std::string_view key) const { return std::string(json::Value(body).getStringAt(key).value_or("")); }
};

struct TestUser {
  std::string userId;
  std::string deviceId;
  std::string accessToken;
};

class ClientApiTest : public ::testing::Test {
 protected:
  // Override to change the configuration before the server starts.
  virtual void configure(ClientApiConfig& config) { (void)config; }
  // Override to add optional dependencies (e.g. a federation sender) before the server starts.
  virtual void wire(ClientApiDeps& deps) { (void)deps; }

  void SetUp() override {
    auto made = storage::testing::TestDatabase::create(storage::Dialect::kSqlite);
    ASSERT_TRUE(made.ok()) << made.error().message;
    database_ = std::move(*made);
    storage::Database& db = database_->db();
    bus_ = std::make_unique<bus::InProcessBus>();
    // As services/node wires it: producers' outputs go through the outbox on their database
    // (one shared database here), consumers subscribe on the routed bus.
    auto outbox = bus::Outbox::open(db);
    ASSERT_TRUE(outbox.ok()) << outbox.error().message;
    outbox_ = std::move(*outbox);
    routed_ = std::make_unique<bus::RoutedBus>(*bus_);
    routed_->route(accountsync::AccountDataOutput::kTopic, *outbox_);
    routed_->route(keyserver::DeviceListUpdate::kTopic, *outbox_);
    routed_->route(roomserver::OutputRoomEvent::kTopic, *outbox_);

    ASSERT_TRUE(accountsync::AccountSyncService::migrate(db).ok());
    accounts_ = std::make_unique<accountsync::AccountSyncService>(kServerName, db, *outbox_,
                                                                  accountsync::AccountSyncOptions::forTests());
    keys_ = std::make_unique<keyserver::KeyserverService>(db, *outbox_);
    ASSERT_TRUE(keys_->migrate().ok());

    identity_.serverName = kServerName;
    identity_.keyId = "ed25519:test";
    identity_.signingKey = crypto::SigningKey::generate();
    accountsync::AccountSyncApi* accounts = accounts_.get();
    roomserver::ProfileLookup profiles = [accounts](const CallContext& ctx, std::string_view userId) {
      roomserver::Profile p;
      if (auto found = accounts->queryProfile(ctx, userId); found.ok()) {
        p.displayName = found->displayName;
        p.avatarUrl = found->avatarUrl;
      }
      return p;
    };
    rooms_ = std::make_unique<roomserver::RoomserverService>(identity_, db, *outbox_, profiles);
    ASSERT_TRUE(rooms_->start().ok());

    keySource_ = std::make_unique<DeviceKeysAdapter>(*keys_, *accounts_);
    syncapi::SyncServiceOptions syncOptions;
    syncOptions.serverName = kServerName;
    auto sync = syncapi::SyncService::create(db, *routed_, keySource_.get(), syncOptions);
    ASSERT_TRUE(sync.ok()) << sync.error().message;
    sync_ = std::move(*sync);
    ASSERT_TRUE(sync_->start().ok());
    // Account data reaches sync-api through the bus (what services/node wires).
    syncapi::SyncService* syncPtr = sync_.get();
    auto sub = bus::subscribeTyped<accountsync::AccountDataOutput>(
        *routed_, "clientapi-test", [accounts, syncPtr](const accountsync::AccountDataOutput& out, std::uint64_t) -> Status {
          auto ctx = CallContext::withTimeout(std::chrono::seconds(10));
          auto content = accounts->queryAccountDataEntry(ctx, out.userId, out.roomId, out.type);
          if (!content.ok()) return {};
          return syncPtr->inputAccountData(ctx, out.userId, out.roomId, out.type, *content);
        });
    ASSERT_TRUE(sub.ok());
    accountDataSub_ = std::move(*sub);

    deps_.accounts = accounts_.get();
    deps_.roomserver = rooms_.get();
    deps_.keys = keys_.get();
    deps_.sync = sync_.get();
    deps_.identity = &identity_;
    deps_.config.serverName = kServerName;
    deps_.config.publicBaseUrl = "https://matrix.test.local";
    deps_.config.rateLimit.burst = 100000;
    deps_.config.rateLimit.requestsPerSecond = 100000;
    deps_.config.workerThreads = 4;
    configure(deps_.config);
    wire(deps_);
    server_ = std::make_unique<ClientApiServer>(deps_);
    ASSERT_TRUE(server_->start().ok());
    client_ = std::make_unique<http::Client>("127.0.0.1", server_->port());
  }

  void TearDown() override {
    client_.reset();
    if (server_) server_->stop();
    server_.reset();
    accountDataSub_.reset();
    if (sync_) sync_->stop();
    sync_.reset();
    rooms_.reset();
    keys_.reset();
    accounts_.reset();
    routed_.reset();
    outbox_.reset();
    bus_.reset();
    database_.reset();
  }

  // One request; `token` goes in the Authorization header when not empty.
  Reply call(std::string method, std::string target, std::string body = "", std::string token = "",
             http::Client* client = nullptr) {
    http::ClientRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.body = std::move(body);
    if (!request.body.empty()) request.headers.set("Content-Type", "application/json");
    if (!token.empty()) request.headers.set("Authorization", "Bearer " + token);
    auto response = (client ? client : client_.get())->request(request);
    Reply reply;
    if (!response.ok()) {
      ADD_FAILURE() << "request failed: " << response.error().message;
      return reply;
    }
    reply.status = response->status;
    reply.raw = response->body;
    reply.headers = response->headers;
    if (auto parsed = json::parse(response->body, json::ParseOptions{false, 64}); parsed.ok() && parsed->isObject()) {
      reply.body = *parsed->getObject();
    }
    return reply;
  }
  Reply call(std::string method, std::string target, const json::Object& body, std::string token = "") {
    return call(std::move(method), std::move(target), json::canonical(body), std::move(token));
  }

  // Registers `localpart` with the two-step user-interactive flow Element uses.
  TestUser registerUser(const std::string& localpart, const std::string& password = "secret-password") {
    Reply first = call("POST", "/_matrix/client/v3/register",
                       json::Object{{"username", json::Value(localpart)}, {"password", json::Value(password)}});
    EXPECT_EQ(first.status, 401) << first.raw;
    std::string session = first.str("session");
    Reply done = call("POST", "/_matrix/client/v3/register",
                      json::Object{{"username", json::Value(localpart)},
                                   {"password", json::Value(password)},
                                   {"auth", json::Object{{"type", json::Value("m.login.dummy")},
                                                         {"session", json::Value(session)}}}});
    EXPECT_EQ(done.status, 200) << done.raw;
    return TestUser{done.str("user_id"), done.str("device_id"), done.str("access_token")};
  }

  // Long-polls /sync from `since` until a response contains `needle` (at most `polls` polls of
  // up to 5 s each). Background changes may wake a poll first; that is why it loops.
  bool syncUntil(const TestUser& u, std::string since, std::string_view needle, int polls = 5) {
    for (int i = 0; i < polls; ++i) {
      Reply r = call("GET", "/_matrix/client/v3/sync?timeout=5000&since=" + since, "", u.accessToken);
      if (r.status != 200) return false;
      if (r.raw.find(needle) != std::string::npos) return true;
      since = r.str("next_batch");
    }
    return false;
  }

  std::unique_ptr<storage::testing::TestDatabase> database_;
  std::unique_ptr<bus::InProcessBus> bus_;
  std::unique_ptr<bus::Outbox> outbox_;
  std::unique_ptr<bus::RoutedBus> routed_;
  std::unique_ptr<accountsync::AccountSyncService> accounts_;
  std::unique_ptr<keyserver::KeyserverService> keys_;
  events::ServerIdentity identity_;
  std::unique_ptr<roomserver::RoomserverService> rooms_;
  std::unique_ptr<DeviceKeysAdapter> keySource_;
  std::unique_ptr<syncapi::SyncService> sync_;
  std::unique_ptr<bus::Subscription> accountDataSub_;
  ClientApiDeps deps_;
  std::unique_ptr<ClientApiServer> server_;
  std::unique_ptr<http::Client> client_;
};

}  // namespace plexus::clientapi::testing
