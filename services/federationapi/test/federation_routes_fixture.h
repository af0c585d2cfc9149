// Fixture of the federation route tests: our keys and the remote key cache (remote servers
// served by a FakeKeyFetcher), the real roomserver, account-sync and keyserver on a temporary
// SQLite database, a roomserver double that forwards to the real one but lets tests script
// the federation input methods, a recording sync-api fake, and FederationRoutes on a Router.
// Requests are signed with federation::signRequest as a remote server would.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "accountsync/impl/accountsync_service.h"
#include "federation_api_fixture.h"
#include "federationapi/impl/federation_routes.h"
#include "plexus/bus/outbox.h"
#include "plexus/federation/x_matrix.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"
#include "plexus/storage/testing/test_database.h"
#include "roomserver/impl/roomserver_service.h"
#include "syncapi/api/syncapi_api.h"

namespace plexus::federationapi::testing {

inline const std::string kUs = "us.test";
inline const std::string kAlice = "@alice:us.test";

// RoomserverApi forwarding to a real RoomserverService; the federation methods can be scripted
// (by default they forward too).
class RoomserverDouble final : public roomserver::RoomserverApi {
 public:
  using RS = roomserver::RoomserverApi;
  explicit RoomserverDouble(RS& real) : real_(real) {}

  std::function<Result<std::vector<InputEventResult>>(const std::string&,
                                                      const std::vector<InputRoomEvent>&)>
      onInputEvents;
  std::function<Result<MakeMembershipResponse>(const MakeMembershipRequest&)> onMake;
  std::function<Result<roomserver::RoomEvent>(const SendMembershipRequest&)> onSendMembership;
  std::function<Result<json::Object>(const InviteInput&)> onInvite;
  std::atomic<int> inputEventsCalls{0};

  Result<std::vector<InputEventResult>> inputEvents(
      const CallContext& ctx, const std::string& roomId,
      const std::vector<InputRoomEvent>& events) override {
    ++inputEventsCalls;
    if (onInputEvents) return onInputEvents(roomId, events);
    return real_.inputEvents(ctx, roomId, events);
  }
  Result<MakeMembershipResponse> queryMakeMembership(const CallContext& ctx,
                                                     const MakeMembershipRequest& r) override {
    return onMake ? onMake(r) : real_.queryMakeMembership(ctx, r);
  }
  Result<roomserver::RoomEvent> inputSendMembership(const CallContext& ctx,
                                                    const SendMembershipRequest& r) override {
    return onSendMembership ? onSendMembership(r) : real_.inputSendMembership(ctx, r);
  }
  Result<json::Object> inputInvite(const CallContext& ctx, const InviteInput& r) override {
    return onInvite ? onInvite(r) : real_.inputInvite(ctx, r);
  }
  Result<std::vector<roomserver::RoomEvent>> performBackfill(
      const CallContext& ctx, const std::string& roomId, const std::vector<std::string>& from,
      int limit) override {
    return real_.performBackfill(ctx, roomId, from, limit);
  }

  // Forwarded unchanged.
  Result<roomserver::CreateRoomResponse> performCreateRoom(
      const CallContext& c, const roomserver::CreateRoomRequest& r) override {
    return real_.performCreateRoom(c, r);
  }
  Result<roomserver::SendEventResponse> performSendEvent(
      const CallContext& c, const roomserver::SendEventRequest& r) override {
    return real_.performSendEvent(c, r);
  }
  Result<roomserver::JoinResponse> performJoin(const CallContext& c,
                                               const roomserver::JoinRequest& r) override {
    return real_.performJoin(c, r);
  }
  Result<roomserver::SendEventResponse> performInvite(
      const CallContext& c, const roomserver::MembershipChangeRequest& r) override {
    return real_.performInvite(c, r);
  }
  Result<roomserver::SendEventResponse> performLeave(
      const CallContext& c, const std::string& room, const std::string& user,
      const std::optional<std::string>& reason) override {
    return real_.performLeave(c, room, user, reason);
  }
  Result<roomserver::SendEventResponse> performKick(
      const CallContext& c, const roomserver::MembershipChangeRequest& r) override {
    return real_.performKick(c, r);
  }
  Result<roomserver::SendEventResponse> performBan(
      const CallContext& c, const roomserver::MembershipChangeRequest& r) override {
    return real_.performBan(c, r);
  }
  Result<roomserver::SendEventResponse> performUnban(
      const CallContext& c, const roomserver::MembershipChangeRequest& r) override {
    return real_.performUnban(c, r);
  }
  Result<roomserver::JoinResponse> performKnock(const CallContext& c,
                                                const roomserver::JoinRequest& r) override {
    return real_.performKnock(c, r);
  }
  Status performForget(const CallContext& c, const std::string& room,
                       const std::string& user) override {
    return real_.performForget(c, room, user);
  }
  Result<roomserver::SendEventResponse> performRedact(const CallContext& c,
                                                      const roomserver::RedactRequest& r) override {
    return real_.performRedact(c, r);
  }
  Result<roomserver::UpgradeRoomResponse> performUpgradeRoom(
      const CallContext& c, const roomserver::UpgradeRoomRequest& r) override {
    return real_.performUpgradeRoom(c, r);
  }
  Status performSetRoomAlias(const CallContext& c, const std::string& a, const std::string& room,
                             const std::string& creator) override {
    return real_.performSetRoomAlias(c, a, room, creator);
  }
  Status performRemoveRoomAlias(const CallContext& c, const std::string& a,
                                const std::string& requester) override {
    return real_.performRemoveRoomAlias(c, a, requester);
  }
  Result<roomserver::AliasInfo> queryRoomIdForAlias(const CallContext& c,
                                                    const std::string& a) override {
    return real_.queryRoomIdForAlias(c, a);
  }
  Result<std::vector<std::string>> queryAliasesForRoom(const CallContext& c,
                                                       const std::string& room) override {
    return real_.queryAliasesForRoom(c, room);
  }
  Status performSetRoomVisibility(const CallContext& c, const std::string& room,
                                  roomserver::Visibility v) override {
    return real_.performSetRoomVisibility(c, room, v);
  }
  Result<roomserver::Visibility> queryRoomVisibility(const CallContext& c,
                                                     const std::string& room) override {
    return real_.queryRoomVisibility(c, room);
  }
  Result<roomserver::PublicRoomsResponse> queryPublicRooms(
      const CallContext& c, const roomserver::PublicRoomsRequest& r) override {
    return real_.queryPublicRooms(c, r);
  }
  Result<std::vector<roomserver::RoomEvent>> queryCurrentState(
      const CallContext& c, const std::string& room,
      const std::vector<roomserver::StateSelector>& s) override {
    return real_.queryCurrentState(c, room, s);
  }
  Result<roomserver::RoomEvent> queryStateEvent(const CallContext& c, const std::string& room,
                                                const std::string& type,
                                                const std::string& key) override {
    return real_.queryStateEvent(c, room, type, key);
  }
  Result<std::vector<roomserver::RoomEvent>> queryStateAtEvent(const CallContext& c,
                                                               const std::string& id,
                                                               roomserver::StatePoint p) override {
    return real_.queryStateAtEvent(c, id, p);
  }
  Result<std::vector<roomserver::RoomEvent>> queryEvents(
      const CallContext& c, const std::vector<std::string>& ids) override {
    return real_.queryEvents(c, ids);
  }
  Result<roomserver::RoomEvent> queryEvent(const CallContext& c, const std::string& id) override {
    return real_.queryEvent(c, id);
  }
  Result<std::optional<roomserver::MembershipInfo>> queryMembership(
      const CallContext& c, const std::string& room, const std::string& user) override {
    return real_.queryMembership(c, room, user);
  }
  Result<std::vector<roomserver::JoinedMember>> queryJoinedMembers(
      const CallContext& c, const std::string& room) override {
    return real_.queryJoinedMembers(c, room);
  }
  Result<std::vector<std::string>> queryRoomsForUser(const CallContext& c, const std::string& user,
                                                     const std::string& m) override {
    return real_.queryRoomsForUser(c, user, m);
  }
  Result<std::string> queryRoomVersion(const CallContext& c, const std::string& room) override {
    return real_.queryRoomVersion(c, room);
  }
  Result<bool> queryRoomExists(const CallContext& c, const std::string& room) override {
    return real_.queryRoomExists(c, room);
  }
  Result<roomserver::LatestEvents> queryLatestEvents(const CallContext& c,
                                                     const std::string& room) override {
    return real_.queryLatestEvents(c, room);
  }
  Result<std::vector<roomserver::RoomEvent>> queryAuthChain(
      const CallContext& c, const std::vector<std::string>& ids) override {
    return real_.queryAuthChain(c, ids);
  }

 private:
  RS& real_;
};

// Records the ephemeral inputs the EDUs produce; everything else is unsupported.
class RecordingSync final : public syncapi::SyncApi {
 public:
  std::mutex mutex;
  std::vector<syncapi::TypingRequest> typing;
  std::vector<syncapi::ReceiptRequest> receipts;
  std::vector<std::pair<std::string, std::string>> presence;  // (user, presence)
  std::vector<syncapi::SendToDeviceRequest> toDevice;
  std::vector<std::string> deviceListChanges;
  std::vector<std::string> timestampViewers;
  std::atomic<bool> typingUnavailable{false};  // performTyping answers kUnavailable

  Status performTyping(const CallContext&, const syncapi::TypingRequest& r) override {
    if (typingUnavailable) return fail(ErrorCode::kUnavailable, "sync-api is restarting");
    std::lock_guard lock(mutex);
    typing.push_back(r);
    return {};
  }
  Status performReceipt(const CallContext&, const syncapi::ReceiptRequest& r) override {
    std::lock_guard lock(mutex);
    receipts.push_back(r);
    return {};
  }
  Status performSetPresence(const CallContext&, const std::string& user, const std::string& p,
                            const std::optional<std::string>&) override {
    std::lock_guard lock(mutex);
    presence.emplace_back(user, p);
    return {};
  }
  Status performSendToDevice(const CallContext&, const syncapi::SendToDeviceRequest& r) override {
    std::lock_guard lock(mutex);
    toDevice.push_back(r);
    return {};
  }
  Status inputDeviceListChange(const CallContext&, const std::string& user) override {
    std::lock_guard lock(mutex);
    deviceListChanges.push_back(user);
    return {};
  }

  Result<json::Object> queryTimestampToEvent(const CallContext&, const std::string& userId,
                                             const std::string& roomId, std::int64_t ts,
                                             char dir) override {
    std::lock_guard lock(mutex);
    timestampViewers.push_back(userId);
    if (userId.find("@_:") == 0) return fail(ErrorCode::kForbidden, "cannot read");
    return json::Object{{"event_id", "$found:" + roomId},
                        {"origin_server_ts", ts + (dir == 'f' ? 1 : -1)}};
  }

  Result<json::Object> querySync(const CallContext&, const syncapi::SyncRequest&) override {
    return no();
  }
  std::shared_ptr<syncapi::SyncWait> querySyncAsync(const CallContext&, const syncapi::SyncRequest&,
                                                    syncapi::SyncCallback) override {
    return nullptr;
  }
  Result<std::string> performCreateFilter(const CallContext&, const std::string&,
                                          const json::Object&) override {
    return no();
  }
  Result<json::Object> queryFilter(const CallContext&, const std::string&,
                                   const std::string&) override {
    return no();
  }
  Result<json::Object> queryMessages(const CallContext&, const syncapi::MessagesRequest&) override {
    return no();
  }
  Result<json::Object> queryContext(const CallContext&, const syncapi::ContextRequest&) override {
    return no();
  }
  Result<json::Object> queryEventForUser(const CallContext&, const std::string&, const std::string&,
                                         const std::string&) override {
    return no();
  }
  Result<json::Object> queryRelations(const CallContext&,
                                      const syncapi::RelationsRequest&) override {
    return no();
  }
  Result<json::Object> queryThreads(const CallContext&, const syncapi::ThreadsRequest&) override {
    return no();
  }
  Result<json::Object> performSearch(const CallContext&, const std::string&, const json::Object&,
                                     const std::string&) override {
    return no();
  }
  Result<syncapi::PresenceStatus> queryPresence(const CallContext&, const std::string&) override {
    return no();
  }
  Status inputAccountData(const CallContext&, const std::string&, const std::string&,
                          const std::string&, const json::Object&) override {
    return no();
  }

 private:
  static Unexpected no() { return fail(ErrorCode::kUnrecognized, "not in this fake"); }
};

struct Reply {
  int status = 0;
  json::Object body;
  std::string raw;
  std::string contentType;

  std::string errcode() const {
    return std::string(json::Value(body).getStringAt("errcode").value_or(""));
  }
};

class FederationRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = storage::testing::TestDatabase::create(storage::Dialect::kSqlite);
    ASSERT_TRUE(made.ok()) << made.error().message;
    database_ = std::move(*made);
    storage::Database& db = database_->db();
    ASSERT_TRUE(keyStore_.migrate(db).ok());
    ownKeys_ = std::make_unique<OwnSigningKeys>(db, keyStore_, kUs);
    ASSERT_TRUE(ownKeys_->load().ok());
    cache_ = std::make_unique<RemoteKeyCache>(db, keyStore_, fetcher_, RemoteKeyCacheOptions{});
    ASSERT_TRUE(cache_->load().ok());
    remote_.name = "remote.test";
    remote_.validUntilTs = nowMs() + kDay;
    other_.name = "other.test";
    other_.validUntilTs = nowMs() + kDay;
    fetcher_.add(remote_);
    fetcher_.add(other_);

    auto outbox = bus::Outbox::open(db);
    ASSERT_TRUE(outbox.ok()) << outbox.error().message;
    outbox_ = std::move(*outbox);
    ASSERT_TRUE(accountsync::AccountSyncService::migrate(db).ok());
    accounts_ = std::make_unique<accountsync::AccountSyncService>(
        kUs, db, *outbox_, accountsync::AccountSyncOptions::forTests());
    identity_ =
        events::ServerIdentity{kUs, ownKeys_->signingKey().keyId, ownKeys_->signingKey().key};
    real_ = std::make_unique<roomserver::RoomserverService>(
        identity_, db, *outbox_,
        [](const CallContext&, std::string_view) { return roomserver::Profile{}; });
    ASSERT_TRUE(real_->start().ok());
    rooms_ = std::make_unique<RoomserverDouble>(*real_);

    FederationDeps deps;
    deps.serverName = kUs;
    deps.keys = cache_.get();
    deps.roomserver = rooms_.get();
    deps.accounts = accounts_.get();
    deps.sync = &sync_;
    configure(deps);
    routes_ = std::make_unique<FederationRoutes>(std::move(deps));
    routes_->registerRoutes(router_);
  }

  void TearDown() override {
    routes_.reset();
    rooms_.reset();
    real_.reset();
    accounts_.reset();
    outbox_.reset();
    cache_.reset();
    ownKeys_.reset();
    database_.reset();
  }

  virtual void configure(FederationDeps& deps) { (void)deps; }

  static std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  // A request signed by `server` (remote_ unless given) for us.
  Reply call(const std::string& method, const std::string& target, const std::string& body = "",
             const FakeServer* server = nullptr) {
    const FakeServer& from = server ? *server : remote_;
    auto request = makeRequest(method, target, body);
    std::optional<json::Value> content;
    if (!body.empty()) {
      auto parsed = json::parse(body);
      if (parsed) content = std::move(*parsed);
    }
    auto auth = federation::signRequest(from.name, kUs, from.key.keyId, from.key.key, method,
                                        target, content ? &*content : nullptr);
    request.headers.add("Authorization", federation::formatXMatrix(auth));
    return send(std::move(request));
  }
  Reply call(const std::string& method, const std::string& target, const json::Object& body,
             const FakeServer* server = nullptr) {
    return call(method, target, json::canonical(body), server);
  }

  Reply send(http::Request request) {
    auto response = dispatch(router_, std::move(request));
    Reply reply;
    reply.status = response.status;
    reply.raw = response.body;
    reply.contentType = response.contentType;
    if (auto parsed = json::parse(response.body); parsed && parsed->isObject())
      reply.body = *parsed->getObject();
    return reply;
  }

  // A public room made by alice; `remoteMember` joins a user of remote.test (through the local
  // join path, standing in for a completed federation join).
  std::string createPublicRoom(bool remoteMember, std::string historyVisibility = "shared") {
    roomserver::CreateRoomRequest request;
    request.creator = kAlice;
    request.preset = roomserver::Preset::kPublicChat;
    request.initialState.push_back(
        {"m.room.history_visibility", "", json::Object{{"history_visibility", historyVisibility}}});
    auto created = real_->performCreateRoom(ctx_, request);
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
    if (!created) return {};
    if (remoteMember) {
      roomserver::JoinRequest join;
      join.roomIdOrAlias = created->roomId;
      join.userId = "@bob:remote.test";
      auto joined = real_->performJoin(ctx_, join);
      EXPECT_TRUE(joined.ok()) << (joined.ok() ? "" : joined.error().message);
    }
    return created->roomId;
  }

  std::string sendMessage(const std::string& roomId, const std::string& text) {
    roomserver::SendEventRequest request;
    request.roomId = roomId;
    request.sender = kAlice;
    request.type = "m.room.message";
    request.content = json::Object{{"msgtype", "m.text"}, {"body", text}};
    auto sent = real_->performSendEvent(ctx_, request);
    EXPECT_TRUE(sent.ok()) << (sent.ok() ? "" : sent.error().message);
    return sent.ok() ? sent->eventId : std::string();
  }

  CallContext ctx_;
  std::unique_ptr<storage::testing::TestDatabase> database_;
  SqlServerKeyStore keyStore_;
  FakeKeyFetcher fetcher_;
  FakeServer remote_;
  FakeServer other_;
  std::unique_ptr<OwnSigningKeys> ownKeys_;
  std::unique_ptr<RemoteKeyCache> cache_;
  std::unique_ptr<bus::Outbox> outbox_;
  std::unique_ptr<accountsync::AccountSyncService> accounts_;
  events::ServerIdentity identity_;
  std::unique_ptr<roomserver::RoomserverService> real_;
  std::unique_ptr<RoomserverDouble> rooms_;
  RecordingSync sync_;
  std::unique_ptr<FederationRoutes> routes_;
  http::Router router_;
};

}  // namespace plexus::federationapi::testing
