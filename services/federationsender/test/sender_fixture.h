// Test doubles and a fixture for the federation sender: a FederationTransport that records
// requests and can fail or be "down" per destination, a RoomServers answering from a map, and a
// fixture that builds a FederationSenderService on a test database with a real
// FederationRequester over the fake transport.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "federationsender/impl/federation_sender_service.h"
#include "plexus/bus/in_process_bus.h"
#include "plexus/federation/federation_transport.h"
#include "plexus/json/parse.h"
#include "plexus/storage/testing/database_test.h"

namespace plexus::federationsender::testing {

struct RecordedRequest {
  std::string destination;
  federation::OutboundRequest request;
  bool delivered = false;  // the fake answered 2xx

  json::Object body() const {
    auto parsed = json::parseObject(request.body);
    return parsed ? *parsed : json::Object{};
  }
  std::string header(std::string_view name) const {
    for (const auto& [n, v] : request.headers) {
      if (n == name) return v;
    }
    return {};
  }
};

class FakeFederationTransport final : public federation::FederationTransport {
 public:
  using Responder = std::function<federation::OutboundResponse(const RecordedRequest&)>;

  Result<federation::OutboundResponse> send(std::string_view destination,
                                            const federation::OutboundRequest& request) override {
    std::unique_lock lock(mutex_);
    RecordedRequest r{std::string(destination), request, false};
    Result<federation::OutboundResponse> answer = federation::OutboundResponse{200, {}, "{}"};
    if (down_.count(r.destination) > 0) {
      answer = fail(ErrorCode::kUnavailable, "destination down");
    } else if (failuresLeft_ > 0) {
      --failuresLeft_;
      answer = fail(ErrorCode::kUnavailable, "injected failure");
    } else if (responder_) {
      answer = responder_(r);
    }
    r.delivered = answer.ok() && answer->status >= 200 && answer->status < 300;
    requests_.push_back(std::move(r));
    changed_.notify_all();
    return answer;
  }

  // Answers every later request with `responder` (default: 200 {}).
  void respond(Responder responder) {
    std::lock_guard lock(mutex_);
    responder_ = std::move(responder);
  }
  void respondJson(int status, std::string body) {
    respond([status, body](const RecordedRequest&) {
      return federation::OutboundResponse{status, {}, body};
    });
  }
  // The next `n` requests fail as unreachable.
  void failNext(int n) {
    std::lock_guard lock(mutex_);
    failuresLeft_ = n;
  }
  void setDown(const std::string& destination, bool down) {
    std::lock_guard lock(mutex_);
    if (down) {
      down_.insert(destination);
    } else {
      down_.erase(destination);
    }
  }
  std::vector<RecordedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  // Requests whose URI starts with `prefix` (only those answered 2xx when `delivered`).
  std::vector<RecordedRequest> requestsTo(std::string_view prefix, bool delivered = false) const {
    std::vector<RecordedRequest> out;
    for (auto& r : requests()) {
      if (r.request.uri.rfind(prefix, 0) == 0 && (!delivered || r.delivered)) out.push_back(r);
    }
    return out;
  }
  RecordedRequest last() const {
    std::lock_guard lock(mutex_);
    return requests_.empty() ? RecordedRequest{} : requests_.back();
  }
  // Waits (at most `timeout`) until `pred(requests)` holds.
  bool waitFor(const std::function<bool(const std::vector<RecordedRequest>&)>& pred,
               std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return pred(requests_); });
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<RecordedRequest> requests_;
  std::set<std::string> down_;
  int failuresLeft_ = 0;
  Responder responder_;
};

class MapRoomServers final : public RoomServers {
 public:
  Result<std::vector<std::string>> queryJoinedServers(const CallContext&,
                                                      const std::string& roomId) override {
    std::lock_guard lock(mutex_);
    auto it = rooms_.find(roomId);
    if (it == rooms_.end()) return fail(ErrorCode::kNotFound, "unknown room");
    return it->second;
  }
  void set(const std::string& roomId, std::vector<std::string> servers) {
    std::lock_guard lock(mutex_);
    rooms_[roomId] = std::move(servers);
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::vector<std::string>> rooms_;
};

// Hands the service a view of a MapRoomServers the test keeps across service restarts.
class ForwardingRoomServers final : public RoomServers {
 public:
  explicit ForwardingRoomServers(RoomServers& target) : target_(target) {}
  Result<std::vector<std::string>> queryJoinedServers(const CallContext& ctx,
                                                      const std::string& roomId) override {
    return target_.queryJoinedServers(ctx, roomId);
  }

 private:
  RoomServers& target_;
};

// prefix + i, built by appending: GCC 12 warns (-Wrestrict) about `"literal" + std::string`.
inline std::string numbered(std::string_view prefix, int i) {
  std::string s(prefix);
  s += std::to_string(i);
  return s;
}

// Polls `pred` until it holds or `timeout` passes (for state only visible through stats()).
inline bool eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

inline constexpr std::string_view kOurName = "ours.test";

class SenderTest : public storage::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    requester_ = std::make_unique<federation::FederationRequester>(
        transport_, std::string(kOurName), [this] {
          return federation::RequestSigningKey{"ed25519:t1", key_};
        });
    options_.backoffInitialMs = 20;
    options_.backoffMaxMs = 200;
    options_.workers = 2;
    makeService();
  }
  void TearDown() override { service_.reset(); }

  // (Re)creates and starts the service on the same database.
  void makeService() {
    service_.reset();
    auto made = FederationSenderService::create(
        db(), bus_, *requester_, std::make_unique<ForwardingRoomServers>(rooms_), options_);
    ASSERT_TRUE(made.ok()) << made.error().message;
    service_ = std::move(*made);
  }
  void start() {
    auto s = service_->start();
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  DestinationStats statsOf(const std::string& destination) {
    auto stats = service_->stats();
    if (!stats) return {};
    for (const auto& d : stats->destinations) {
      if (d.destination == destination) return d;
    }
    return {};
  }

  crypto::SigningKey key_ = crypto::SigningKey::generate();
  FakeFederationTransport transport_;
  bus::InProcessBus bus_;
  std::unique_ptr<federation::FederationRequester> requester_;
  FederationSenderOptions options_;
  MapRoomServers rooms_;
  std::unique_ptr<FederationSenderService> service_;
};

}  // namespace plexus::federationsender::testing
