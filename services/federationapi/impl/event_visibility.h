// Which events another server may read (SPEC: server-server-api "Retrieving events" and the
// history visibility rules applied to servers): a server must be in the room (a joined member
// in the current state) for the state, auth, backfill and missing-event endpoints, and each
// event it gets must be visible to it: history_visibility world_readable or shared at that
// event, or one of its users joined (or invited, under "invited") at that event.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "federationapi/impl/route_context.h"

namespace plexus::federationapi {

// True when a user of `server` is joined to the room now. Errors: kNotFound (unknown room).
Result<bool> serverInRoom(const CallContext& ctx, roomserver::RoomserverApi& rooms,
                          const std::string& roomId, std::string_view server);

// Whether `server` may see the event: world_readable history, or in the room now and visible
// by the state after the event (visibleInState). Errors: kNotFound.
Result<bool> serverCanSeeEvent(const CallContext& ctx, roomserver::RoomserverApi& rooms,
                               const std::string& eventId, std::string_view server);

// content.history_visibility of the state's m.room.history_visibility ("shared" without one).
std::string historyVisibilityOf(const std::vector<roomserver::RoomEvent>& state);

// The visibility rule on a given state (the state after the event).
bool visibleInState(const std::vector<roomserver::RoomEvent>& state, std::string_view server);

// Keeps the events `server` may see (by the state after each), in order. For servers already
// known to be in the room.
Result<std::vector<roomserver::RoomEvent>> filterVisible(const CallContext& ctx,
                                                         roomserver::RoomserverApi& rooms,
                                                         std::vector<roomserver::RoomEvent> events,
                                                         std::string_view server);

}  // namespace plexus::federationapi
