// Test fixture for federation input: a RoomserverService wired to a fake federation sender (an
// in-memory map of the events "remote servers" serve, plus handlers the test sets for the
// membership handshakes) and a fake key source that knows the keys of a second server,
// "remote.test", whose identity signs the remote events the tests build.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "federationsender/testing/unavailable_federation_sender.h"
#include "roomserver/impl/event_builder.h"
#include "roomserver_fixture.h"

namespace plexus::roomserver::testing {

inline const std::string kRemote = "remote.test";
inline const std::string kZed = "@zed:remote.test";
inline const std::string kYan = "@yan:remote.test";

class FakeKeySource final : public EventKeySource {
 public:
  void add(const std::string& server, const std::string& keyId, crypto::PublicKey key) {
    std::lock_guard lock(mutex_);
    keys_[{server, keyId}] = key;
  }
  void ensureKeys(const CallContext&, const std::map<std::string, std::set<std::string>>& keyIds,
                  std::int64_t) override {
    std::lock_guard lock(mutex_);
    for (const auto& [server, ids] : keyIds) asked_.insert(server);
  }
  std::optional<crypto::PublicKey> keyForEvent(std::string_view server, std::string_view keyId,
                                               std::int64_t, const events::RoomVersion&) override {
    std::lock_guard lock(mutex_);
    auto it = keys_.find({std::string(server), std::string(keyId)});
    if (it == keys_.end()) return std::nullopt;
    return it->second;
  }
  std::set<std::string> asked() {
    std::lock_guard lock(mutex_);
    return asked_;
  }

 private:
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, crypto::PublicKey> keys_;
  std::set<std::string> asked_;
};

// Answers fetches from `events` (what the remote servers have); handshakes go to the handlers.
class FakeFederation final : public federationsender::testing::UnavailableFederationSender {
 public:
  using MissingEventsRequest = federationsender::MissingEventsRequest;

  void serve(const events::Pdu& pdu) {
    std::lock_guard lock(mutex_);
    events_[pdu.eventId()] = pdu.json();
  }

  std::function<Result<federationsender::StateIdsResponse>(const std::string& eventId)> stateIds;
  std::function<Result<federationsender::MakeMembershipResponse>(
      const std::string& destination, const std::string& roomId, const std::string& userId,
      const std::string& membership)>
      makeMembership;
  std::function<Result<federationsender::SendJoinResponse>(
      const std::string& destination, const federationsender::SendJoinRequest&)>
      sendJoin;
  std::function<Status(const std::string& destination, const std::string& roomId,
                       const json::Object& event)>
      sendLeave;
  std::function<Result<json::Object>(const std::string& destination,
                                     const federationsender::SendInviteRequest&)>
      sendInvite;
  // send_knock: answers knock_room_state.
  std::function<Result<std::vector<json::Object>>(
      const std::string& destination, const std::string& roomId, const json::Object& event)>
      sendKnock;
  std::function<Result<std::vector<json::Object>>(const std::string& destination,
                                                  const federationsender::BackfillRequest&)>
      backfill;

  std::atomic<int> missingEventsCalls{0}, stateIdsCalls{0}, eventCalls{0}, eventAuthCalls{0};

  Result<federationsender::MakeMembershipResponse> performMakeJoin(
      const CallContext&, const std::string& destination, const std::string& roomId,
      const std::string& userId, const std::vector<std::string>&) override {
    if (!makeMembership) return fail(ErrorCode::kUnavailable, "no handler");
    return makeMembership(destination, roomId, userId, "join");
  }
  Result<federationsender::SendJoinResponse> performSendJoin(
      const CallContext&, const std::string& destination,
      const federationsender::SendJoinRequest& request) override {
    if (!sendJoin) return fail(ErrorCode::kUnavailable, "no handler");
    return sendJoin(destination, request);
  }
  Result<federationsender::MakeMembershipResponse> performMakeLeave(
      const CallContext&, const std::string& destination, const std::string& roomId,
      const std::string& userId) override {
    if (!makeMembership) return fail(ErrorCode::kUnavailable, "no handler");
    return makeMembership(destination, roomId, userId, "leave");
  }
  Status performSendLeave(const CallContext&, const std::string& destination,
                          const std::string& roomId, const std::string&,
                          const json::Object& event) override {
    if (!sendLeave) return fail(ErrorCode::kUnavailable, "no handler");
    return sendLeave(destination, roomId, event);
  }
  Result<federationsender::MakeMembershipResponse> performMakeKnock(
      const CallContext&, const std::string& destination, const std::string& roomId,
      const std::string& userId, const std::vector<std::string>&) override {
    if (!makeMembership) return fail(ErrorCode::kUnavailable, "no handler");
    return makeMembership(destination, roomId, userId, "knock");
  }
  Result<std::vector<json::Object>> performSendKnock(const CallContext&,
                                                     const std::string& destination,
                                                     const std::string& roomId, const std::string&,
                                                     const json::Object& event) override {
    if (!sendKnock) return fail(ErrorCode::kUnavailable, "no handler");
    return sendKnock(destination, roomId, event);
  }
  Result<json::Object> performSendInvite(
      const CallContext&, const std::string& destination,
      const federationsender::SendInviteRequest& request) override {
    if (!sendInvite) return fail(ErrorCode::kUnavailable, "no handler");
    return sendInvite(destination, request);
  }

  // Walks back from latestEvents' prev_events until earliestEvents, newest first, up to limit.
  Result<std::vector<json::Object>> queryMissingEvents(
      const CallContext&, const std::string&, const MissingEventsRequest& request) override {
    ++missingEventsCalls;
    std::lock_guard lock(mutex_);
    std::set<std::string> stop(request.earliestEvents.begin(), request.earliestEvents.end());
    std::vector<std::string> frontier;
    for (const auto& id : request.latestEvents) {
      if (auto it = events_.find(id); it != events_.end()) {
        for (const auto& p : *it->second.find("prev_events")->getArray())
          frontier.push_back(*p.getString());
      }
    }
    std::vector<json::Object> out;
    std::set<std::string> seen;
    while (!frontier.empty() && out.size() < static_cast<std::size_t>(request.limit)) {
      std::string id = frontier.front();
      frontier.erase(frontier.begin());
      if (stop.contains(id) || !seen.insert(id).second) continue;
      auto it = events_.find(id);
      if (it == events_.end()) continue;
      out.push_back(it->second);
      for (const auto& p : *it->second.find("prev_events")->getArray())
        frontier.push_back(*p.getString());
    }
    return out;
  }
  Result<federationsender::StateIdsResponse> queryStateIds(const CallContext&, const std::string&,
                                                           const std::string&,
                                                           const std::string& eventId) override {
    ++stateIdsCalls;
    if (!stateIds) return fail(ErrorCode::kUnavailable, "no state_ids handler");
    return stateIds(eventId);
  }
  Result<json::Object> queryEvent(const CallContext&, const std::string&,
                                  const std::string& eventId) override {
    ++eventCalls;
    std::lock_guard lock(mutex_);
    auto it = events_.find(eventId);
    if (it == events_.end()) return fail(ErrorCode::kNotFound, "unknown event");
    return it->second;
  }
  Result<std::vector<json::Object>> queryEventAuth(const CallContext&, const std::string&,
                                                   const std::string&,
                                                   const std::string& eventId) override {
    ++eventAuthCalls;
    std::lock_guard lock(mutex_);
    std::vector<json::Object> out;
    std::set<std::string> seen;
    std::vector<std::string> frontier;
    if (auto it = events_.find(eventId); it != events_.end()) {
      for (const auto& a : *it->second.find("auth_events")->getArray())
        frontier.push_back(*a.getString());
    }
    while (!frontier.empty()) {
      std::string id = frontier.back();
      frontier.pop_back();
      if (!seen.insert(id).second) continue;
      auto it = events_.find(id);
      if (it == events_.end()) continue;
      out.push_back(it->second);
      for (const auto& a : *it->second.find("auth_events")->getArray())
        frontier.push_back(*a.getString());
    }
    return out;
  }
  Result<std::vector<json::Object>> queryBackfill(
      const CallContext&, const std::string& destination,
      const federationsender::BackfillRequest& request) override {
    if (!backfill) return fail(ErrorCode::kUnavailable, "not faked");
    return backfill(destination, request);
  }

 private:
  std::mutex mutex_;
  std::map<std::string, json::Object> events_;
};

class FederationTest : public RoomserverTest {
 protected:
  void SetUp() override {
    RoomserverTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    remote_ = events::ServerIdentity{kRemote, "ed25519:r1", crypto::SigningKey::generate()};
    keys_.add(kRemote, remote_.keyId, remote_.signingKey.publicKey());
    service_.reset();
    service_ = makeService(identity_, db(), limits_);
  }

  std::unique_ptr<RoomserverService> makeService(const events::ServerIdentity& identity,
                                                 storage::Database& database, InputLimits limits) {
    RoomserverService::Options options;
    options.clock = [this] { return clockFrozen_ ? clock_.load() : clock_.fetch_add(1); };
    options.federation = &federation_;
    options.keys = &keys_;
    options.inputLimits = limits;
    auto service = std::make_unique<RoomserverService>(
        identity, database, *bus_,
        [this](const CallContext&, std::string_view user) {
          auto it = profiles_.find(std::string(user));
          return it == profiles_.end() ? Profile{} : it->second;
        },
        options);
    EXPECT_TRUE(service->start().ok());
    return service;
  }

  // The room's head as a remote server that saw everything would see it.
  RoomState headOf(const std::string& roomId) {
    RoomState head;
    head.roomId = roomId;
    auto version = api().queryRoomVersion(ctx_, roomId);
    EXPECT_TRUE(version.ok());
    head.version = events::findRoomVersion(*version);
    auto state = api().queryCurrentState(ctx_, roomId);
    EXPECT_TRUE(state.ok());
    for (const auto& e : *state) {
      head.state[RoomState::stateMapKey(e.pdu.type(), *e.pdu.stateKey())] =
          StateSlot{e.pdu.eventId(), 0, 0, 0, std::make_shared<const events::Pdu>(e.pdu)};
    }
    auto latest = api().queryLatestEvents(ctx_, roomId);
    EXPECT_TRUE(latest.ok());
    auto prevs = api().queryEvents(ctx_, latest->eventIds);
    for (const auto& e : *prevs) head.extremities.push_back({e.pdu.eventId(), 0, e.pdu.depth()});
    return head;
  }

  // A remote event built on `head` (prev_events = its extremities, auth_events from its state),
  // signed by remote.test; `head` advances as a local writer's would.
  events::Pdu remoteEvent(RoomState& head, const std::string& sender, const std::string& type,
                          std::optional<std::string> stateKey, json::Object content,
                          std::int64_t ts = 0) {
    EventDraft draft{sender, type, stateKey, std::move(content), std::nullopt};
    auto built = buildEvent(draft, head, remote_, ts ? ts : clock_.fetch_add(1), 10);
    EXPECT_TRUE(built.ok()) << (built.ok() ? "" : built.error().message);
    events::Pdu pdu = std::move(*built);
    if (stateKey) {
      head.state[RoomState::stateMapKey(type, *stateKey)] =
          StateSlot{pdu.eventId(), 0, 0, 0, std::make_shared<const events::Pdu>(pdu)};
    }
    head.extremities = {{pdu.eventId(), 0, pdu.depth()}};
    federation_.serve(pdu);
    return pdu;
  }

  Result<std::vector<RoomserverApi::InputEventResult>> input(const std::string& roomId,
                                                             const std::vector<events::Pdu>& pdus) {
    std::vector<RoomserverApi::InputRoomEvent> in;
    for (const auto& p : pdus) in.push_back({p.json(), kRemote, RoomserverApi::InputKind::kNew});
    return api().inputEvents(ctx_, roomId, in);
  }
  // Inputs one event and expects it accepted (no error in its result).
  void inputOk(const std::string& roomId, const events::Pdu& pdu) {
    auto r = input(roomId, {pdu});
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ((*r)[0].eventId, pdu.eventId());
    EXPECT_FALSE((*r)[0].error) << *(*r)[0].error;
  }

  // A public v12 room made by alice that zed (remote.test) has joined over federation.
  std::string roomWithZed(RoomState* headOut = nullptr) {
    std::string roomId = createRoom(Preset::kPublicChat);
    RoomState head = headOf(roomId);
    events::Pdu join =
        remoteEvent(head, kZed, "m.room.member", kZed, json::Object{{"membership", "join"}});
    inputOk(roomId, join);
    if (headOut) *headOut = headOf(roomId);
    return roomId;
  }

  bool isCurrentState(const std::string& roomId, const std::string& eventId) {
    auto state = api().queryCurrentState(ctx_, roomId);
    if (!state.ok()) return false;
    for (const auto& e : *state) {
      if (e.pdu.eventId() == eventId) return true;
    }
    return false;
  }

  bool wasOutput(const std::string& eventId) {
    std::lock_guard lock(outputsMutex_);
    for (const auto& o : outputs_) {
      if (o.eventId == eventId && o.kind == OutputRoomEvent::Kind::kNewRoomEvent) return true;
    }
    return false;
  }
  // Outputs are delivered asynchronously: wait until `eventId` was output (bounded).
  bool waitForOutput(const std::string& eventId) {
    std::unique_lock lock(outputsMutex_);
    return outputsChanged_.wait_for(lock, std::chrono::seconds(10), [&] {
      for (const auto& o : outputs_) {
        if (o.eventId == eventId) return true;
      }
      return false;
    });
  }

  events::ServerIdentity remote_;
  FakeKeySource keys_;
  FakeFederation federation_;
  InputLimits limits_;
};

}  // namespace plexus::roomserver::testing
