// Fixture for SyncService tests: a real database (SQLite and PostgreSQL), the InProcessBus,
// a fake key source and a controllable clock; helpers to feed rooms and run /sync.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "plexus/bus/in_process_bus.h"
#include "plexus/storage/testing/database_test.h"
#include "syncapi/impl/sync_service.h"
#include "test_room.h"

namespace plexus::syncapi::testing {

class FakeKeys final : public DeviceKeySource {
 public:
  Result<std::map<std::string, std::int64_t>> queryOneTimeKeyCounts(const CallContext&,
                                                                    const std::string&,
                                                                    const std::string&) override {
    return std::map<std::string, std::int64_t>{{"signed_curve25519", 7}};
  }
  Result<std::vector<std::string>> queryUnusedFallbackKeyTypes(const CallContext&,
                                                               const std::string&,
                                                               const std::string&) override {
    return std::vector<std::string>{"signed_curve25519"};
  }
  Result<std::vector<std::string>> queryDeviceIds(const CallContext&,
                                                  const std::string& userId) override {
    if (userId == "@bob:test") return std::vector<std::string>{"BOB1", "BOB2"};
    return std::vector<std::string>{};
  }
};

class SyncServiceTest : public storage::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    SyncServiceOptions options;
    options.serverName = "test";
    options.clock = [this] { return clockMs_.load(); };
    adjustOptions(options);
    auto made = SyncService::create(db(), bus_, &keys_, options);
    ASSERT_TRUE(made.ok()) << made.error().message;
    sync_ = std::move(*made);
    sync_->setEduSink(eduSink());
    ASSERT_TRUE(sync_->start().ok());
  }
  // A test fixture may change the service options before the service is made.
  virtual void adjustOptions(SyncServiceOptions&) {}
  // Where outbound EDUs go (federation tests give one).
  virtual EduSink* eduSink() { return nullptr; }
  void TearDown() override {
    if (sync_) sync_->stop();
  }

  void feed(const roomserver::OutputRoomEvent& e) {
    auto s = sync_->inputRoomEvent(e);
    ASSERT_TRUE(s.ok()) << s.error().message;
  }

  // A room created by alice with alice joined (and bob when withBob).
  TestRoom makeRoom(const std::string& roomId, bool withBob) {
    TestRoom room(roomId);
    feed(room.create("@alice:test"));
    feed(room.member("@alice:test", "join"));
    feed(room.event("m.room.power_levels", "@alice:test",
                    json::Object{{"users", json::Object{{"@alice:test", 100}}}}, ""));
    feed(room.event("m.room.history_visibility", "@alice:test",
                    json::Object{{"history_visibility", "shared"}}, ""));
    if (withBob) feed(room.member("@bob:test", "join"));
    return room;
  }

  // Alice redacts `eventId`: the redaction event, then the roomserver's redaction output.
  void redact(TestRoom& room, const std::string& eventId) {
    auto redaction =
        room.event("m.room.redaction", "@alice:test", json::Object{{"redacts", eventId}});
    feed(redaction);
    roomserver::OutputRoomEvent out;
    out.kind = roomserver::OutputRoomEvent::Kind::kRedaction;
    out.roomId = room.roomId();
    out.roomVersion = "10";
    out.eventId = redaction.eventId;
    out.redactsEventId = eventId;
    feed(out);
  }
  json::Object sync(const std::string& user, const std::string& device,
                    const std::string& since = "", std::optional<json::Object> filter = {},
                    std::int64_t timeoutMs = 0) {
    SyncRequest req;
    req.userId = user;
    req.deviceId = device;
    req.since = since;
    req.timeoutMs = timeoutMs;
    req.filter = std::move(filter);
    auto r = sync_->querySync(CallContext{}, req);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(*r) : json::Object{};
  }

  static const json::Value* at(const json::Value& v, std::initializer_list<std::string_view> path) {
    const json::Value* cur = &v;
    for (auto key : path) {
      cur = cur->get(key);
      if (!cur) return nullptr;
    }
    return cur;
  }
  static json::Array array(const json::Object& o, std::initializer_list<std::string_view> path) {
    json::Value root(o);
    const json::Value* v = at(root, path);
    return v && v->isArray() ? *v->getArray() : json::Array{};
  }
  static std::vector<std::string> bodies(const json::Array& events) {
    std::vector<std::string> out;
    for (const auto& e : events) {
      if (auto b = e.get("content") ? e.get("content")->getStringAt("body") : std::nullopt) {
        out.emplace_back(*b);
      }
    }
    return out;
  }

  std::atomic<std::int64_t> clockMs_{1700000100000};
  bus::InProcessBus bus_;
  FakeKeys keys_;
  std::unique_ptr<SyncService> sync_;
};

}  // namespace plexus::syncapi::testing
