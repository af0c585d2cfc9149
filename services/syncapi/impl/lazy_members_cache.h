// LazyMembersCache: the lazy-loaded members a replica knows it sent to each device, so that a
// woken /sync need not read them back (one query per room and response before: the most
// frequent read of a busy sync-api). The database stays the record; this is a copy of a subset
// of it, trusted only for a request that continues from the token this replica last gave the
// device. A device that moved to another replica comes back with that replica's token, and one
// that started over (an initial sync clears its rows) comes back with a token newer than any
// issued before the clear (clearing takes a stream position): either way the copy is dropped
// and the rows are read again.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

namespace plexus::syncapi {

class LazyMembersCache {
 public:
  using Members = std::set<std::string>;

  explicit LazyMembersCache(std::size_t maxDevices = 100'000) : maxDevices_(maxDevices) {}

  // The members sent to the device in the room, when known for a request from `since`.
  std::optional<Members> lookup(const std::string& userId, const std::string& deviceId,
                                const std::string& since, const std::string& roomId) const;
  // What the database said for the room, read for a request from `since`.
  void remember(const std::string& userId, const std::string& deviceId, const std::string& since,
                const std::string& roomId, const Members& members);
  // Members just stored as sent (kept only for rooms already known).
  void add(const std::string& userId, const std::string& deviceId, const std::string& roomId,
           const Members& members);
  // A response from `since` went out with `nextBatch`: the device's next request continues
  // from it.
  void delivered(const std::string& userId, const std::string& deviceId, const std::string& since,
                 const std::string& nextBatch);
  void forget(const std::string& userId, const std::string& deviceId);

 private:
  struct Device {
    std::string expectedSince;
    std::unordered_map<std::string, Members> rooms;
  };
  static std::string key(const std::string& userId, const std::string& deviceId) {
    std::string k = userId;
    k.push_back('\0');
    k += deviceId;
    return k;
  }

  const std::size_t maxDevices_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Device> devices_;
};

}  // namespace plexus::syncapi
