// The endpoints that closed the gaps of docs/client-api-coverage.md: spaces (hierarchy), room
// summaries, mutual rooms, timestamp lookup, the deprecated initialSync and event stream, login
// tokens (POST /login/get_token), admin account locking, operator discovery (support / policy
// server well-knowns, auth_metadata), single sign-on and application-service endpoints answered
// with the spec's refusals. One routes_gaps_<area>.cc per area; registerGapRoutes adds them all.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "clientapi/impl/route_context.h"
#include "plexus/core/result.h"
#include "plexus/json/value.h"
#include "roomserver/api/roomserver_api.h"

namespace plexus::clientapi {

// Adds every gap route (called by registerClientRoutes).
void registerGapRoutes(http::Router& router, ClientApiDeps& deps);

namespace gaps {

void registerDiscoveryGapRoutes(http::Router& router,
                                ClientApiDeps& deps);                    // routes_gaps_discovery.cc
void registerRoomInfoRoutes(http::Router& router, ClientApiDeps& deps);  // routes_gaps_room_info.cc
void registerHierarchyRoutes(http::Router& router,
                             ClientApiDeps& deps);  // routes_gaps_hierarchy.cc
void registerLegacySyncRoutes(http::Router& router,
                              ClientApiDeps& deps);  // routes_gaps_legacy_sync.cc
void registerLoginTokenRoutes(http::Router& router,
                              ClientApiDeps& deps);  // routes_gaps_login_token.cc
void registerAdminGapRoutes(http::Router& router, ClientApiDeps& deps);  // routes_gaps_admin.cc

// What the room's current state says about it: the PublishedRoomsChunk fields shared by the
// space hierarchy and the room summary, plus the m.space.child events of a space.
struct RoomInfo {
  std::string roomId;
  std::optional<std::string> name;
  std::optional<std::string> topic;
  std::optional<std::string> canonicalAlias;
  std::optional<std::string> avatarUrl;
  std::string joinRule = "invite";  // SPEC: rooms without m.room.join_rules are invite-only
  std::optional<std::string> roomType;
  std::optional<std::string> encryption;  // m.room.encryption algorithm
  std::string roomVersion;
  std::int64_t numJoinedMembers = 0;
  bool worldReadable = false;
  bool guestCanJoin = false;
  // Room IDs of the `allow` conditions of a restricted join rule (m.room_membership type).
  std::vector<std::string> allowedRoomIds;
  std::vector<roomserver::RoomEvent> spaceChildren;  // m.space.child with a non-empty `via`
};

// Reads the room's current state. Errors: kNotFound (no such room).
Result<RoomInfo> loadRoomInfo(ClientApiDeps& deps, const CallContext& ctx,
                              const std::string& roomId);

// The PublishedRoomsChunk object (room_id, num_joined_members, world_readable, guest_can_join,
// join_rule, and the optional name/topic/canonical_alias/avatar_url/room_type).
json::Object publishedRoomChunk(const RoomInfo& info);

// Whether `userId` (empty: unauthenticated) may see the room's summary / hierarchy entry.
// SPEC (client-server "GET /room_summary", MSC3266): members (joined, invited, knocking) and
// anyone when the join rule is public / knock / knock_restricted or history is world readable;
// restricted rooms to members of an allowed room.
Result<bool> maySeeRoom(ClientApiDeps& deps, const CallContext& ctx, const RoomInfo& info,
                        const std::string& userId);

}  // namespace gaps
}  // namespace plexus::clientapi
