// Test doubles for the keyserver's federation tests: a FederationSenderApi that records queued
// EDUs and answers /user/devices, /user/keys/query and /user/keys/claim from canned answers
// per destination (a destination without one is "unreachable"), and a SharedRoomServers with
// a fixed answer per user.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "federationsender/testing/unavailable_federation_sender.h"
#include "keyserver/api/ports.h"

namespace plexus::keyserver::testing {

class FakeFederationSender final : public federationsender::testing::UnavailableFederationSender {
 public:
  struct SentEdu {
    std::vector<std::string> destinations;
    federationsender::Edu edu;
  };
  struct Request {
    std::string kind;  // "devices", "keys", "claim"
    std::string destination;
    json::Object body;  // the user ID as {"user_id"} for "devices"
  };

  std::map<std::string, json::Object> userDevices;   // user ID -> /user/devices answer
  std::map<std::string, json::Object> keysAnswers;   // destination -> /user/keys/query answer
  std::map<std::string, json::Object> claimAnswers;  // destination -> /user/keys/claim answer

  std::vector<SentEdu> edus() {
    std::lock_guard lock(mutex_);
    return edus_;
  }
  std::vector<Request> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::size_t count(const std::string& kind) {
    std::size_t n = 0;
    for (const auto& r : requests()) n += r.kind == kind ? 1 : 0;
    return n;
  }

  Result<json::Object> queryUserDevices(const CallContext&, const std::string& destination,
                                        const std::string& userId) override {
    record({"devices", destination, json::Object{{"user_id", userId}}});
    auto it = userDevices.find(userId);
    if (it == userDevices.end()) return unreachable(destination);
    return it->second;
  }
  Result<json::Object> queryUserKeys(const CallContext&, const std::string& destination,
                                     const json::Object& deviceKeys) override {
    record({"keys", destination, deviceKeys});
    auto it = keysAnswers.find(destination);
    if (it == keysAnswers.end()) return unreachable(destination);
    return it->second;
  }
  Result<json::Object> performClaimKeys(const CallContext&, const std::string& destination,
                                        const json::Object& oneTimeKeys) override {
    record({"claim", destination, oneTimeKeys});
    auto it = claimAnswers.find(destination);
    if (it == claimAnswers.end()) return unreachable(destination);
    return it->second;
  }
  Status performSendEdu(const CallContext&, const std::vector<std::string>& destinations,
                        const federationsender::Edu& edu) override {
    std::lock_guard lock(mutex_);
    edus_.push_back({destinations, edu});
    return {};
  }

 private:
  void record(Request r) {
    std::lock_guard lock(mutex_);
    requests_.push_back(std::move(r));
  }
  static Error unreachable(const std::string& destination) {
    return makeError(ErrorCode::kUnavailable, destination + " is unreachable");
  }

  std::mutex mutex_;
  std::vector<SentEdu> edus_;
  std::vector<Request> requests_;
};

// Servers sharing a room with each user; users not listed share none.
class FakeSharedRoomServers final : public SharedRoomServers {
 public:
  std::map<std::string, std::vector<std::string>> servers;

  Result<std::vector<std::string>> queryServersSharingRooms(const CallContext&,
                                                            const std::string& userId) override {
    auto it = servers.find(userId);
    if (it == servers.end()) return std::vector<std::string>{};
    return it->second;
  }
};

}  // namespace plexus::keyserver::testing
