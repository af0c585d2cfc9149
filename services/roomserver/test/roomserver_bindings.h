// Test support for the RoomserverApi contract suite: our RoomserverService ("test.local") on
// SQLite, a second one ("remote.test") on its own SQLite database so the federation handshakes
// (make/send join, leave and knock, invites, backfill) run end to end, and (when built with gRPC)
// our service behind a real gRPC server on 127.0.0.1 (port 0) reached through
// GrpcRoomserverClient. Each server's fake federation sender answers as the other server would;
// the remote server's reaches us through whichever binding the test is exercising
// (routeRemoteTo), so the resident side of the handshakes crosses the hop too.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "federation_fixture.h"
#include "plexus/storage/testing/test_database.h"
#include "roomserver/impl/roomserver_service.h"

#if PLEXUS_HAVE_GRPC
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "plexus/grpcutil/channel.h"
#include "roomserver/grpc/grpc_roomserver_client.h"
#include "roomserver/grpc/grpc_roomserver_service.h"
#endif

namespace plexus::roomserver::testing {

class RoomserverBindings {
 public:
  // Builds both in-process services; ASSERTs inside, so check HasFatalFailure() after.
  void setUp() {
    identity_ = events::ServerIdentity{kServer, "ed25519:test", crypto::SigningKey::generate()};
    remoteIdentity_ = events::ServerIdentity{kRemote, "ed25519:r1", crypto::SigningKey::generate()};
    keys_.add(kRemote, remoteIdentity_.keyId, remoteIdentity_.signingKey.publicKey());
    remoteKeys_.add(kServer, identity_.keyId, identity_.signingKey.publicKey());
    profiles_[kAlice] = Profile{"Alice", "mxc://test.local/alice"};
    profiles_[kBob] = Profile{"Bob", std::nullopt};
    profiles_[kZed] = Profile{"Zed", std::nullopt};
    start(db_, bus_, service_, identity_, keys_, federation_);
    if (::testing::Test::HasFatalFailure()) return;
    start(remoteDb_, remoteBus_, remoteService_, remoteIdentity_, remoteKeys_, remoteFederation_);
    if (::testing::Test::HasFatalFailure()) return;
    route(federation_, *remoteService_, kServer);
    routeRemoteTo(*service_);
  }

  // The remote server's handshakes with us go to `ours` (a binding of our service).
  void routeRemoteTo(RoomserverApi& ours) { route(remoteFederation_, ours, kRemote); }

#if PLEXUS_HAVE_GRPC
  // Starts the gRPC server and client in front of our service (or of `target`, which must
  // outlive tearDown(), e.g. a wrapper around inProcess()).
  void startGrpc(RoomserverApi* target = nullptr) {
    adapter_ = std::make_unique<GrpcRoomserverService>(target ? *target : *service_);
    grpc::ServerBuilder builder;
    grpcutil::configureServerBuilder(builder);
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(adapter_.get());
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_ != nullptr);
    ASSERT_GT(port, 0);
    target_ = "127.0.0.1:" + std::to_string(port);
    client_ = std::make_unique<GrpcRoomserverClient>(grpcutil::makeInsecureChannel(target_));
  }
  RoomserverApi& grpcClient() { return *client_; }
  // "127.0.0.1:port" of the running server.
  const std::string& grpcTarget() const { return target_; }
#endif

  void tearDown() {
#if PLEXUS_HAVE_GRPC
    client_.reset();
    if (server_) {
      server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
      server_->Wait();
    }
    server_.reset();
    adapter_.reset();
#endif
    remoteService_.reset();
    service_.reset();
    remoteBus_.reset();
    bus_.reset();
    remoteDb_.reset();
    db_.reset();
  }

  RoomserverApi& inProcess() { return *service_; }
  // The other homeserver, "remote.test" (in process).
  RoomserverApi& remote() { return *remoteService_; }
  const events::ServerIdentity& remoteIdentity() const { return remoteIdentity_; }
  FakeFederation& federation() { return federation_; }

 private:
  void start(std::unique_ptr<storage::testing::TestDatabase>& db, std::unique_ptr<bus::Outbox>& bus,
             std::unique_ptr<RoomserverService>& service, const events::ServerIdentity& identity,
             FakeKeySource& keys, FakeFederation& federation) {
    auto made = storage::testing::TestDatabase::create(storage::Dialect::kSqlite);
    ASSERT_TRUE(made.ok()) << made.error().message;
    db = std::move(*made);
    auto outbox = bus::Outbox::open(db->db());
    ASSERT_TRUE(outbox.ok()) << outbox.error().message;
    bus = std::move(*outbox);
    RoomserverService::Options options;
    options.clock = [this] { return clock_.fetch_add(1); };
    options.keys = &keys;
    options.federation = &federation;
    service = std::make_unique<RoomserverService>(
        identity, db->db(), *bus,
        [this](const CallContext&, std::string_view user) {
          auto it = profiles_.find(std::string(user));
          return it == profiles_.end() ? Profile{} : it->second;
        },
        options);
    auto started = service->start();
    ASSERT_TRUE(started.ok()) << started.error().message;
  }

  // `fake` answers as `resident` would for requests sent by `origin` (the federation-api's part
  // of each handshake, in short).
  static void route(FakeFederation& fake, RoomserverApi& resident, const std::string& origin) {
    fake.backfill =
        [&resident](
            const std::string&,
            const federationsender::BackfillRequest& request) -> Result<std::vector<json::Object>> {
      std::vector<json::Object> out;
      std::set<std::string> seen;
      std::vector<std::string> frontier = request.fromEventIds;
      while (!frontier.empty() && static_cast<int>(out.size()) < request.limit) {
        PLEXUS_TRY(auto found, resident.queryEvents(ctx(), frontier));
        frontier.clear();
        for (const auto& e : found) {
          if (!seen.insert(e.pdu.eventId()).second) continue;
          if (static_cast<int>(out.size()) == request.limit) break;
          out.push_back(e.pdu.json());
          for (auto prev : e.pdu.prevEvents()) frontier.emplace_back(prev);
        }
      }
      return out;
    };
    fake.makeMembership =
        [&resident, origin](
            const std::string&, const std::string& roomId, const std::string& userId,
            const std::string& membership) -> Result<federationsender::MakeMembershipResponse> {
      std::vector<std::string> versions;
      for (const auto& v : events::supportedRoomVersions()) versions.emplace_back(v.id);
      PLEXUS_TRY(auto made, resident.queryMakeMembership(
                                ctx(), {roomId, userId, membership, origin, versions}));
      return federationsender::MakeMembershipResponse{made.roomVersion, made.eventTemplate};
    };
    fake.sendJoin = [&resident, origin](const std::string&,
                                        const federationsender::SendJoinRequest& request)
        -> Result<federationsender::SendJoinResponse> {
      PLEXUS_TRY(auto stored, resident.inputSendMembership(ctx(), {request.roomId, request.eventId,
                                                                   "join", origin, request.event}));
      PLEXUS_TRY(auto state,
                 resident.queryStateAtEvent(ctx(), request.eventId, StatePoint::kBefore));
      std::vector<std::string> ids{request.eventId};
      federationsender::SendJoinResponse response;
      response.origin = origin == kServer ? kRemote : kServer;
      for (const auto& e : state) {
        response.state.push_back(e.pdu.json());
        ids.push_back(e.pdu.eventId());
      }
      PLEXUS_TRY(auto chain, resident.queryAuthChain(ctx(), ids));
      for (const auto& e : chain) response.authChain.push_back(e.pdu.json());
      response.event = stored.pdu.json();
      return response;
    };
    fake.sendLeave = [&resident, origin](const std::string&, const std::string& roomId,
                                         const json::Object& event) -> Status {
      PLEXUS_TRY(std::string version, resident.queryRoomVersion(ctx(), roomId));
      PLEXUS_TRY(auto pdu, events::Pdu::fromJson(event, *events::findRoomVersion(version)));
      PLEXUS_TRY_VOID(
          resident.inputSendMembership(ctx(), {roomId, pdu.eventId(), "leave", origin, event}));
      return {};
    };
    // send_knock answers the room's name and join rules as stripped state.
    fake.sendKnock = [&resident, origin](
                         const std::string&, const std::string& roomId,
                         const json::Object& event) -> Result<std::vector<json::Object>> {
      PLEXUS_TRY(std::string version, resident.queryRoomVersion(ctx(), roomId));
      PLEXUS_TRY(auto pdu, events::Pdu::fromJson(event, *events::findRoomVersion(version)));
      PLEXUS_TRY_VOID(
          resident.inputSendMembership(ctx(), {roomId, pdu.eventId(), "knock", origin, event}));
      PLEXUS_TRY(auto state, resident.queryCurrentState(
                                 ctx(), roomId, {{"m.room.name", ""}, {"m.room.join_rules", ""}}));
      std::vector<json::Object> stripped;
      for (const auto& e : state) {
        stripped.push_back(json::Object{{"type", std::string(e.pdu.type())},
                                        {"state_key", std::string(*e.pdu.stateKey())},
                                        {"sender", std::string(e.pdu.sender())},
                                        {"content", e.pdu.content()}});
      }
      return stripped;
    };
    fake.sendInvite =
        [&resident, origin](
            const std::string&,
            const federationsender::SendInviteRequest& request) -> Result<json::Object> {
      return resident.inputInvite(ctx(), {request.roomId, request.eventId, request.roomVersion,
                                          origin, request.event, request.inviteRoomState});
    };
  }

  static CallContext ctx() { return CallContext::withTimeout(std::chrono::seconds(10), "fake"); }

  events::ServerIdentity identity_;
  events::ServerIdentity remoteIdentity_;
  std::map<std::string, Profile> profiles_;
  std::atomic<std::int64_t> clock_{1'700'000'000'000};
  FakeKeySource keys_, remoteKeys_;
  FakeFederation federation_, remoteFederation_;
  std::unique_ptr<storage::testing::TestDatabase> db_, remoteDb_;
  std::unique_ptr<bus::Outbox> bus_, remoteBus_;
  std::unique_ptr<RoomserverService> service_, remoteService_;
#if PLEXUS_HAVE_GRPC
  std::unique_ptr<GrpcRoomserverService> adapter_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<GrpcRoomserverClient> client_;
  std::string target_;
#endif
};

}  // namespace plexus::roomserver::testing
