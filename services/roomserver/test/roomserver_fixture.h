// Test fixture for RoomserverService: a real database (SQLite and PostgreSQL via DatabaseTest),
// a real bus::Outbox on that database whose roomserver outputs are collected, a fixed server
// identity, a fake clock and a profile table.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "plexus/bus/outbox.h"
#include "plexus/bus/typed_topic.h"
#include "plexus/eventauth/event_auth.h"
#include "plexus/events/event_signing.h"
#include "plexus/storage/testing/database_test.h"
#include "roomserver/impl/roomserver_service.h"

namespace plexus::roomserver::testing {

inline const std::string kServer = "test.local";
inline const std::string kAlice = "@alice:test.local";
inline const std::string kBob = "@bob:test.local";
inline const std::string kCarol = "@carol:test.local";

class RoomserverTest : public storage::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    identity_ = events::ServerIdentity{kServer, "ed25519:test", crypto::SigningKey::generate()};
    auto outbox = bus::Outbox::open(db());
    ASSERT_TRUE(outbox.ok()) << outbox.error().message;
    bus_ = std::move(*outbox);
    auto sub = bus::subscribeTyped<OutputRoomEvent>(
        *bus_, "test", [this](const OutputRoomEvent& out, std::uint64_t) -> Status {
          std::lock_guard lock(outputsMutex_);
          outputs_.push_back(out);
          outputsChanged_.notify_all();
          return {};
        });
    ASSERT_TRUE(sub.ok());
    subscription_ = std::move(*sub);
    profiles_[kAlice] = Profile{"Alice", "mxc://test.local/alice"};
    profiles_[kBob] = Profile{"Bob", std::nullopt};
    RoomserverService::Options options;
    options.clock = [this] { return clockFrozen_ ? clock_.load() : clock_.fetch_add(1); };
    service_ = std::make_unique<RoomserverService>(
        identity_, db(), *bus_,
        [this](const CallContext&, std::string_view user) {
          auto it = profiles_.find(std::string(user));
          return it == profiles_.end() ? Profile{} : it->second;
        },
        options);
    ASSERT_TRUE(service_->start().ok());
  }

  void TearDown() override {
    service_.reset();
    subscription_.reset();
    bus_.reset();
  }

  RoomserverApi& api() { return *service_; }

  std::string createRoom(CreateRoomRequest request) {
    auto created = api().performCreateRoom(ctx_, request);
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
    return created.ok() ? created->roomId : std::string();
  }
  std::string createRoom(Preset preset, std::string version = "12") {
    CreateRoomRequest r;
    r.creator = kAlice;
    r.preset = preset;
    r.roomVersion = version;
    return createRoom(r);
  }

  // With `txn`, as a client's PUT .../send/m.room.message/{txn} from device DEVICE.
  Result<SendEventResponse> sendMessage(const std::string& roomId, const std::string& sender,
                                        const std::string& body,
                                        const std::optional<std::string>& txn = std::nullopt) {
    SendEventRequest r;
    r.roomId = roomId;
    r.sender = sender;
    r.type = "m.room.message";
    r.content = json::Object{{"msgtype", "m.text"}, {"body", body}};
    if (txn) r.transaction = TransactionRef{sender, "DEVICE", *txn};
    return api().performSendEvent(ctx_, r);
  }

  std::optional<std::string> membershipOf(const std::string& roomId, const std::string& user) {
    auto m = api().queryMembership(ctx_, roomId, user);
    if (!m.ok() || !*m) return std::nullopt;
    return (*m)->membership;
  }

  // Waits (bounded) until at least n outputs arrived; returns a copy of them.
  std::vector<OutputRoomEvent> waitForOutputs(std::size_t n) {
    std::unique_lock lock(outputsMutex_);
    outputsChanged_.wait_for(lock, std::chrono::seconds(10), [&] { return outputs_.size() >= n; });
    return outputs_;
  }
  std::size_t outputCount() {
    std::lock_guard lock(outputsMutex_);
    return outputs_.size();
  }

  crypto::KeyLookup keys() {
    return [this](std::string_view entity,
                  std::string_view keyId) -> std::optional<crypto::PublicKey> {
      if (entity == identity_.serverName && keyId == identity_.keyId) {
        return identity_.signingKey.publicKey();
      }
      return std::nullopt;
    };
  }

  // Checks hashes and signatures of every event and the auth rules of every event against the
  // room's state before it, the way a receiving server would.
  void expectValidEvents(const std::string& roomId) {
    auto state = api().queryCurrentState(ctx_, roomId);
    ASSERT_TRUE(state.ok());
    for (const auto& e : *state) {
      auto integrity = events::checkEventIntegrity(e.pdu, keys());
      ASSERT_TRUE(integrity.ok()) << e.pdu.eventId() << ": " << integrity.error().message;
      EXPECT_FALSE(integrity->redactionNeeded) << e.pdu.eventId();
      auto before = api().queryStateAtEvent(ctx_, e.pdu.eventId(), StatePoint::kBefore);
      ASSERT_TRUE(before.ok());
      std::vector<const events::Pdu*> list;
      for (const auto& b : *before) list.push_back(&b.pdu);
      eventauth::AuthEventList authState(list);
      auto allowed = eventauth::checkAuth(e.pdu, authState);
      EXPECT_TRUE(allowed.ok()) << e.pdu.type() << ": "
                                << (allowed.ok() ? "" : allowed.error().message);
    }
  }

  CallContext ctx_;
  events::ServerIdentity identity_;
  std::unique_ptr<bus::Outbox> bus_;
  std::unique_ptr<bus::Subscription> subscription_;
  std::map<std::string, Profile> profiles_;
  std::atomic<std::int64_t> clock_{1'700'000'000'000};
  std::atomic<bool> clockFrozen_{false};  // every call returns the same millisecond
  std::unique_ptr<RoomserverService> service_;

  std::mutex outputsMutex_;
  std::condition_variable outputsChanged_;
  std::vector<OutputRoomEvent> outputs_;
};

}  // namespace plexus::roomserver::testing
