// RoomserverService, knocking on a room of another server: make_knock / send_knock through the
// federation sender (SPEC: server-server "Knocking upon a room"). The knock is kept like an
// invite received over federation (a row of `roomserver_remote_invites` whose event is our knock,
// with the resident's stripped state in unsigned.knock_room_state), so the user's membership here
// is "knock", a later invite replaces it, and withdrawing it runs make_leave / send_leave
// through the server we knocked through (performLeave -> rejectRemoteInvite).
#include <set>

#include "plexus/bus/output_sink.h"
#include "plexus/events/event_signing.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"
#include "roomserver/impl/identifiers.h"
#include "roomserver/impl/roomserver_service.h"

namespace plexus::roomserver {
namespace {

std::vector<std::string> knockableVersionIds() {
  std::vector<std::string> out;
  for (const auto& v : events::supportedRoomVersions()) {
    if (v.knocking) out.emplace_back(v.id);
  }
  return out;
}

// The make_knock template must be our user's knock in that room and nothing else.
Status checkKnockTemplate(const json::Object& event, const std::string& roomId,
                          const std::string& userId) {
  auto str = [&](std::string_view key) -> std::optional<std::string> {
    const json::Value* v = event.find(key);
    if (!v || !v->getString()) return std::nullopt;
    return *v->getString();
  };
  const json::Value* content = event.find("content");
  std::optional<std::string> membership;
  if (content && content->getObject()) {
    if (auto m = content->getStringAt("membership")) membership = std::string(*m);
  }
  if (str("type") != "m.room.member" || str("state_key") != userId || str("sender") != userId ||
      str("room_id") != roomId || membership != "knock") {
    return fail(ErrorCode::kBadJson, "the resident server's template is not our knock");
  }
  return {};
}

}  // namespace

std::string RoomserverService::remoteMembershipOf(const RemoteInviteRow& row) {
  auto parsed = json::parse(row.json);
  if (parsed.ok()) {
    if (const json::Value* content = parsed->get("content")) {
      if (auto m = content->getStringAt("membership"); m && *m == "knock") return "knock";
    }
  }
  return "invite";
}

Result<JoinResponse> RoomserverService::performKnock(const CallContext& ctx,
                                                     const JoinRequest& request) {
  federationsender::FederationSenderApi* federation = federation_.load();
  // A room where a local user is joined takes the knock as a local event; otherwise the knock
  // goes to a resident server.
  PLEXUS_TRY(MembershipTarget target, membershipTarget(ctx, request));
  const std::string& roomId = target.roomId;
  std::vector<std::string>& servers = target.servers;
  if (!target.resident && federation) {
    if (auto s = serverOf(roomId); !s.empty()) servers.emplace_back(s);
    std::erase(servers, identity_.serverName);
    if (!servers.empty() || !target.room) return performRemoteKnock(ctx, roomId, request, servers);
  }
  if (!target.room) return fail(ErrorCode::kNotFound, "unknown room " + roomId);
  PLEXUS_TRY(auto sent, sendMember(ctx, roomId, request.userId, request.userId, "knock",
                                   request.reason, true));
  return JoinResponse{roomId, sent.eventId};
}

Result<JoinResponse> RoomserverService::performRemoteKnock(
    const CallContext& ctx, const std::string& roomId, const JoinRequest& request,
    const std::vector<std::string>& servers) {
  std::set<std::string> tried;
  std::optional<Error> last;
  for (const auto& server : servers) {
    if (server.empty() || !tried.insert(server).second) continue;
    auto knocked = knockVia(ctx, server, roomId, request);
    if (knocked.ok()) return knocked;
    last = knocked.error();
    // The room's own answer (join rules, ban, version): another resident would say the same.
    if (last->code == ErrorCode::kForbidden || last->code == ErrorCode::kIncompatibleRoomVersion) {
      break;
    }
  }
  if (last) return std::move(*last);
  return fail(ErrorCode::kNotFound, "no server to knock on " + roomId + " through");
}

Result<JoinResponse> RoomserverService::knockVia(const CallContext& ctx, const std::string& server,
                                                 const std::string& roomId,
                                                 const JoinRequest& request) {
  federationsender::FederationSenderApi* federation = federation_.load();
  PLEXUS_TRY(auto made, federation->performMakeKnock(ctx, server, roomId, request.userId,
                                                     knockableVersionIds()));
  const events::RoomVersion* version = events::findRoomVersion(made.roomVersion);
  if (!version || !version->knocking) {
    return fail(ErrorCode::kIncompatibleRoomVersion,
                "cannot knock on a room of version " + made.roomVersion);
  }
  PLEXUS_TRY_VOID(checkKnockTemplate(made.event, roomId, request.userId));

  json::Object event = signedFromTemplate(ctx, made.event, *version, request.userId,
                                          request.reason, true);
  PLEXUS_TRY(events::Pdu knock, events::Pdu::fromJson(event, *version));
  const std::string eventId = knock.eventId();

  PLEXUS_TRY(auto roomState,
             federation->performSendKnock(ctx, server, roomId, eventId, knock.json()));

  // Kept and output with the stripped state the client shows (SPEC: client-server /sync
  // rooms.knock: knock_state).
  json::Array stripped;
  for (auto& s : roomState) stripped.emplace_back(std::move(s));
  json::Object withState = knock.json();
  withState.set("unsigned", json::Object{{"knock_room_state", std::move(stripped)}});
  RemoteInviteRow row{roomId,  request.userId,
                      eventId, std::string(version->id),
                      server,  json::canonical(withState)};
  OutputRoomEvent out;
  out.kind = OutputRoomEvent::Kind::kKnock;
  out.roomId = roomId;
  out.roomVersion = std::string(version->id);
  out.eventId = eventId;
  out.event = std::move(withState);
  auto write = [&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY_VOID(store_.upsertRemoteInvite(tx, row));
    return bus::enqueueTyped(outputs_, tx, out);
  };
  PLEXUS_TRY_VOID(db_.runInTransaction(write));
  outputs_.committed();
  return JoinResponse{roomId, eventId};
}

}  // namespace plexus::roomserver
