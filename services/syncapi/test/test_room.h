// Test helper: builds small rooms as roomserver OutputRoomEvents (hand-built PDU JSON with
// made-up event IDs), tracking state so adds/removes are what the roomserver would output.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "roomserver/api/output.h"

namespace plexus::syncapi::testing {

// prefix + decimal n (appended: GCC 12 flags `"x" + std::to_string(n)` under -Wrestrict).
inline std::string numbered(std::string_view prefix, int n) {
  std::string out(prefix);
  out.append(std::to_string(n));
  return out;
}

class TestRoom {
 public:
  explicit TestRoom(std::string roomId) : roomId_(std::move(roomId)) {}

  const std::string& roomId() const { return roomId_; }

  roomserver::OutputRoomEvent event(const std::string& type, const std::string& sender,
                                    json::Object content,
                                    std::optional<std::string> stateKey = std::nullopt,
                                    std::optional<roomserver::TransactionRef> txn = std::nullopt) {
    roomserver::OutputRoomEvent out;
    out.roomId = roomId_;
    out.roomVersion = "10";
    out.eventId = numbered("$", ++counter_);
    out.eventId.push_back('_');
    out.eventId.append(roomId_.substr(1, roomId_.find(':') - 1));
    json::Object pdu{{"room_id", roomId_},
                     {"type", type},
                     {"sender", sender},
                     {"content", std::move(content)},
                     {"depth", static_cast<std::int64_t>(counter_)},
                     {"origin_server_ts", static_cast<std::int64_t>(1700000000000 + counter_)},
                     {"prev_events", json::Array{}},
                     {"auth_events", json::Array{}}};
    if (stateKey) {
      pdu.set("state_key", *stateKey);
      auto key = std::make_pair(type, *stateKey);
      auto it = state_.find(key);
      if (it != state_.end()) out.removesStateEventIds.push_back(it->second);
      out.addsStateEventIds.push_back(out.eventId);
      state_[key] = out.eventId;
    }
    out.event = std::move(pdu);
    out.transaction = std::move(txn);
    return out;
  }

  roomserver::OutputRoomEvent member(const std::string& userId, const std::string& membership,
                                     std::optional<std::string> sender = std::nullopt) {
    json::Object content{{"membership", membership}};
    return event("m.room.member", sender.value_or(userId), std::move(content), userId);
  }
  roomserver::OutputRoomEvent message(const std::string& sender, const std::string& body,
                                      std::optional<roomserver::TransactionRef> txn = std::nullopt) {
    return event("m.room.message", sender, json::Object{{"msgtype", "m.text"}, {"body", body}},
                 std::nullopt, std::move(txn));
  }
  roomserver::OutputRoomEvent create(const std::string& creator) {
    return event("m.room.create", creator, json::Object{{"room_version", "10"}}, "");
  }

 private:
  std::string roomId_;
  int counter_ = 0;
  std::map<std::pair<std::string, std::string>, std::string> state_;
};

}  // namespace plexus::syncapi::testing
