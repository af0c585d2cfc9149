// Bus messages between sync-api replicas that share one store (replica_tail.cc):
// StreamAdvanced says a replica committed writes up to a stream position (the others read them
// back by position range); TypingChange carries typing, which lives in memory only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "plexus/core/result.h"
#include "plexus/json/value.h"

namespace plexus::syncapi {

struct StreamAdvanced {
  static constexpr std::string_view kTopic = "syncapi.advanced";

  std::int64_t pos = 0;
  std::string origin;  // the replica that wrote

  std::string key() const { return "stream"; }
  json::Object toJson() const;
  static Result<StreamAdvanced> fromJson(const json::Object& object);
};

struct TypingChange {
  static constexpr std::string_view kTopic = "syncapi.typing";

  std::string roomId;
  std::string userId;
  bool typing = false;
  std::int64_t untilMs = 0;  // expiry (ms since the epoch) when typing
  std::string origin;

  std::string key() const { return roomId; }
  json::Object toJson() const;
  static Result<TypingChange> fromJson(const json::Object& object);
};

}  // namespace plexus::syncapi
