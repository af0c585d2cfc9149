// Filters (SPEC: client-server-api "Filtering", data/api/client-server/definitions/
// sync_filter.yaml, room_event_filter.yaml): parsed from JSON with type checks, and the
// matching rules applied by /sync, /messages and /context.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/json/value.h"

namespace plexus::syncapi {

struct EventFilter {
  std::optional<int> limit;
  std::optional<std::vector<std::string>> types;  // nullopt: all; [] : none
  std::vector<std::string> notTypes;
  std::optional<std::vector<std::string>> senders;
  std::vector<std::string> notSenders;
  // RoomEventFilter fields
  std::optional<std::vector<std::string>> rooms;
  std::vector<std::string> notRooms;
  std::optional<bool> containsUrl;
  bool lazyLoadMembers = false;
  bool includeRedundantMembers = false;
  bool unreadThreadNotifications = false;

  // type/sender/room checks ("*" wildcards in types).
  bool matches(std::string_view type, std::string_view sender, std::string_view roomId = {},
               const json::Object* content = nullptr) const;
  bool allowsRoom(std::string_view roomId) const;
};

struct Filter {
  std::optional<std::vector<std::string>> eventFields;
  bool federationFormat = false;
  EventFilter presence;
  EventFilter accountData;
  std::optional<std::vector<std::string>> rooms;
  std::vector<std::string> notRooms;
  bool includeLeave = false;
  EventFilter timeline;
  EventFilter state;
  EventFilter ephemeral;
  EventFilter roomAccountData;

  bool allowsRoom(std::string_view roomId) const;
};

// Errors: kBadJson when a field has the wrong type.
Result<Filter> parseFilter(const json::Object& object);
Result<EventFilter> parseEventFilter(const json::Object& object);

// True when `type` matches `pattern` where '*' matches any run of characters.
bool typeMatches(std::string_view pattern, std::string_view type);

}  // namespace plexus::syncapi
