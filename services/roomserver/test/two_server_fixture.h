// Two homeservers in one test: ours (the FederationTest service, "test.local") and a second
// RoomserverService for "remote.test" on its own database. Each one's fake federation sender
// answers as the other server would over the wire (make/send join, leave and knock, invites), so
// the handshakes run end to end through both roomservers.
#pragma once

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "federation_fixture.h"
#include "plexus/storage/testing/test_database.h"

namespace plexus::roomserver::testing {

class TwoServerTest : public FederationTest {
 protected:
  void startRemote() {
    auto made = storage::testing::TestDatabase::create(GetParam());
    ASSERT_TRUE(made.ok()) << made.error().message;
    remoteDb_ = std::move(*made);
    auto outbox = bus::Outbox::open(remoteDb_->db());
    ASSERT_TRUE(outbox.ok());
    remoteBus_ = std::move(*outbox);
    remoteKeys_.add(kServer, identity_.keyId, identity_.signingKey.publicKey());
    RoomserverService::Options options;
    options.clock = [this] { return clock_.fetch_add(1); };
    options.keys = &remoteKeys_;
    options.federation = &remoteFederation_;
    remoteService_ = std::make_unique<RoomserverService>(remote_, remoteDb_->db(), *remoteBus_,
                                                         ProfileLookup{}, options);
    ASSERT_TRUE(remoteService_->start().ok());
    route(federation_, *remoteService_, kServer);
    route(remoteFederation_, *service_, kRemote);
  }

  // `fake` answers as `resident` would for requests sent by `origin`.
  void route(FakeFederation& fake, RoomserverApi& resident, const std::string& origin) {
    // /backfill: the asked events and their ancestors, breadth first along prev_events.
    fake.backfill =
        [&resident, this](
            const std::string&,
            const federationsender::BackfillRequest& request) -> Result<std::vector<json::Object>> {
      std::vector<json::Object> out;
      std::set<std::string> seen;
      std::vector<std::string> frontier = request.fromEventIds;
      while (!frontier.empty() && static_cast<int>(out.size()) < request.limit) {
        PLEXUS_TRY(auto found, resident.queryEvents(ctx_, frontier));
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
        [&resident, origin, this](
            const std::string&, const std::string& roomId, const std::string& userId,
            const std::string& membership) -> Result<federationsender::MakeMembershipResponse> {
      std::vector<std::string> versions;
      for (const auto& v : events::supportedRoomVersions()) versions.emplace_back(v.id);
      PLEXUS_TRY(auto made, resident.queryMakeMembership(
                                ctx_, {roomId, userId, membership, origin, versions}));
      return federationsender::MakeMembershipResponse{made.roomVersion, made.eventTemplate};
    };
    fake.sendJoin = [&resident, origin, this](const std::string&,
                                              const federationsender::SendJoinRequest& request)
        -> Result<federationsender::SendJoinResponse> {
      auto start = std::chrono::steady_clock::now();
      PLEXUS_TRY(auto stored, resident.inputSendMembership(ctx_, {request.roomId, request.eventId,
                                                                  "join", origin, request.event}));
      PLEXUS_TRY(auto state,
                 resident.queryStateAtEvent(ctx_, request.eventId, StatePoint::kBefore));
      std::vector<std::string> ids{request.eventId};
      federationsender::SendJoinResponse response;
      response.origin = origin == kServer ? kRemote : kServer;
      for (const auto& e : state) {
        response.state.push_back(e.pdu.json());
        ids.push_back(e.pdu.eventId());
      }
      PLEXUS_TRY(auto chain, resident.queryAuthChain(ctx_, ids));
      for (const auto& e : chain) response.authChain.push_back(e.pdu.json());
      response.event = stored.pdu.json();
      ++sendJoins_;
      residentMs_ += std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - start)
                         .count();
      return response;
    };
    fake.sendLeave = [&resident, origin, this](const std::string&, const std::string& roomId,
                                               const json::Object& event) -> Status {
      json::Object copy = event;
      auto version = resident.queryRoomVersion(ctx_, roomId);
      if (!version.ok()) return std::move(version).takeError();
      auto pdu = events::Pdu::fromJson(copy, *events::findRoomVersion(*version));
      if (!pdu.ok()) return std::move(pdu).takeError();
      auto stored =
          resident.inputSendMembership(ctx_, {roomId, pdu->eventId(), "leave", origin, event});
      if (!stored.ok()) return std::move(stored).takeError();
      return {};
    };
    // send_knock: the knock is stored, the answer is the room's name and join rules as
    // stripped state (what federation-api answers, in short).
    fake.sendKnock = [&resident, origin, this](
                         const std::string&, const std::string& roomId,
                         const json::Object& event) -> Result<std::vector<json::Object>> {
      PLEXUS_TRY(std::string version, resident.queryRoomVersion(ctx_, roomId));
      PLEXUS_TRY(auto pdu, events::Pdu::fromJson(event, *events::findRoomVersion(version)));
      PLEXUS_TRY_VOID(
          resident.inputSendMembership(ctx_, {roomId, pdu.eventId(), "knock", origin, event}));
      PLEXUS_TRY(auto state, resident.queryCurrentState(
                                 ctx_, roomId, {{"m.room.name", ""}, {"m.room.join_rules", ""}}));
      std::vector<json::Object> stripped;
      for (const auto& e : state) {
        stripped.push_back(json::Object{{"type", std::string(e.pdu.type())},
                                        {"state_key", std::string(*e.pdu.stateKey())},
                                        {"sender", std::string(e.pdu.sender())},
                                        {"content", e.pdu.content()}});
      }
      ++sendKnocks_;
      return stripped;
    };
    fake.sendInvite =
        [&resident, origin, this](
            const std::string&,
            const federationsender::SendInviteRequest& request) -> Result<json::Object> {
      return resident.inputInvite(ctx_, {request.roomId, request.eventId, request.roomVersion,
                                         origin, request.event, request.inviteRoomState});
    };
  }

  void TearDown() override {
    remoteService_.reset();
    remoteBus_.reset();
    remoteDb_.reset();
    FederationTest::TearDown();
  }

  std::unique_ptr<storage::testing::TestDatabase> remoteDb_;
  std::unique_ptr<bus::Outbox> remoteBus_;
  FakeKeySource remoteKeys_;
  FakeFederation remoteFederation_;
  std::unique_ptr<RoomserverService> remoteService_;
  int sendJoins_ = 0;
  int sendKnocks_ = 0;
  std::int64_t residentMs_ = 0;  // time the resident spent answering send_join
};

}  // namespace plexus::roomserver::testing
