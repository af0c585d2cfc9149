// History visibility (SPEC: client-server-api "Room History Visibility", server behaviour):
// which events of a room a user may see, from the room's history_visibility and the user's
// membership at each event, both taken from sync-api's state deltas.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plexus/core/result.h"
#include "syncapi/storage/syncapi_store.h"

namespace plexus::syncapi {

class Visibility {
 public:
  static Result<Visibility> load(SyncStore& store, const std::string& roomId,
                                 const std::string& userId);

  bool canSee(const StoredEvent& event) const;
  // The user was ever in the room (any membership) or the room is world readable now.
  bool mayReadRoom() const;
  // The user's membership now ("leave" when none).
  const std::string& currentMembership() const { return currentMembership_; }

 private:
  struct Step {
    std::int64_t pos;
    std::string value;
  };
  static std::string valueBefore(const std::vector<Step>& steps, std::int64_t pos,
                                 const std::string& fallback);

  std::string userId_;
  std::vector<Step> visibility_;   // history_visibility after each change
  std::vector<Step> membership_;   // the user's membership after each change
  std::int64_t lastJoinPos_ = -1;
  std::string currentMembership_ = "leave";
};

}  // namespace plexus::syncapi
