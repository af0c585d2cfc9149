// Federation sender value types <-> protobuf messages (convert.h).
#include "federationsender/grpc/convert.h"

#include "plexus/grpcutil/json_text.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::federationsender::convert {
namespace {

using Texts = google::protobuf::RepeatedPtrField<std::string>;

void toTexts(const std::vector<json::Object>& in, Texts& out) {
  out.Reserve(static_cast<int>(in.size()));
  for (const auto& object : in) out.Add(jsonText(object));
}

Result<std::vector<json::Object>> fromTexts(const Texts& in, std::string_view field) {
  std::vector<json::Object> out;
  out.reserve(static_cast<std::size_t>(in.size()));
  for (const auto& text : in) {
    PLEXUS_TRY(auto object, jsonObjectField(text, field));
    out.push_back(std::move(object));
  }
  return out;
}

std::vector<std::string> strings(const Texts& in) { return {in.begin(), in.end()}; }

}  // namespace

void toProto(const std::vector<json::Object>& in, v1::Events& out) {
  toTexts(in, *out.mutable_events_json());
}

Result<std::vector<json::Object>> fromProto(const v1::Events& in) {
  return fromTexts(in.events_json(), "events_json");
}

void toProto(const MakeMembershipResponse& in, v1::MakeMembershipResponse& out) {
  out.set_room_version(in.roomVersion);
  out.set_event_json(jsonText(in.event));
}

Result<MakeMembershipResponse> fromProto(const v1::MakeMembershipResponse& in) {
  MakeMembershipResponse out;
  out.roomVersion = in.room_version();
  PLEXUS_TRY(out.event, jsonObjectField(in.event_json(), "event_json"));
  return out;
}

void toProto(const SendJoinRequest& in, v1::SendJoinRequest& out) {
  out.set_room_id(in.roomId);
  out.set_event_id(in.eventId);
  out.set_event_json(jsonText(in.event));
  out.set_omit_members(in.omitMembers);
}

Result<SendJoinRequest> fromProto(const v1::SendJoinRequest& in) {
  SendJoinRequest out;
  out.roomId = in.room_id();
  out.eventId = in.event_id();
  PLEXUS_TRY(out.event, jsonObjectField(in.event_json(), "event_json"));
  out.omitMembers = in.omit_members();
  return out;
}

void toProto(const SendJoinResponse& in, v1::SendJoinResponse& out) {
  out.set_origin(in.origin);
  toTexts(in.state, *out.mutable_state_json());
  toTexts(in.authChain, *out.mutable_auth_chain_json());
  if (in.event) out.set_event_json(jsonText(*in.event));
  out.set_members_omitted(in.membersOmitted);
  out.mutable_servers_in_room()->Add(in.serversInRoom.begin(), in.serversInRoom.end());
}

Result<SendJoinResponse> fromProto(const v1::SendJoinResponse& in) {
  SendJoinResponse out;
  out.origin = in.origin();
  PLEXUS_TRY(out.state, fromTexts(in.state_json(), "state_json"));
  PLEXUS_TRY(out.authChain, fromTexts(in.auth_chain_json(), "auth_chain_json"));
  if (in.has_event_json()) {
    PLEXUS_TRY(out.event, jsonObjectField(in.event_json(), "event_json"));
  }
  out.membersOmitted = in.members_omitted();
  out.serversInRoom = strings(in.servers_in_room());
  return out;
}

void toProto(const SendInviteRequest& in, v1::SendInviteRequest& out) {
  out.set_room_id(in.roomId);
  out.set_event_id(in.eventId);
  out.set_room_version(in.roomVersion);
  out.set_event_json(jsonText(in.event));
  toTexts(in.inviteRoomState, *out.mutable_invite_room_state_json());
}

Result<SendInviteRequest> fromProto(const v1::SendInviteRequest& in) {
  SendInviteRequest out;
  out.roomId = in.room_id();
  out.eventId = in.event_id();
  out.roomVersion = in.room_version();
  PLEXUS_TRY(out.event, jsonObjectField(in.event_json(), "event_json"));
  PLEXUS_TRY(out.inviteRoomState, fromTexts(in.invite_room_state_json(), "invite_room_state_json"));
  return out;
}

void toProto(const MissingEventsRequest& in, v1::MissingEventsRequest& out) {
  out.set_room_id(in.roomId);
  out.mutable_earliest_events()->Add(in.earliestEvents.begin(), in.earliestEvents.end());
  out.mutable_latest_events()->Add(in.latestEvents.begin(), in.latestEvents.end());
  out.set_limit(in.limit);
  out.set_min_depth(in.minDepth);
}

MissingEventsRequest fromProto(const v1::MissingEventsRequest& in) {
  MissingEventsRequest out;
  out.roomId = in.room_id();
  out.earliestEvents = strings(in.earliest_events());
  out.latestEvents = strings(in.latest_events());
  out.limit = in.limit();
  out.minDepth = in.min_depth();
  return out;
}

void toProto(const BackfillRequest& in, v1::BackfillRequest& out) {
  out.set_room_id(in.roomId);
  out.mutable_from_event_ids()->Add(in.fromEventIds.begin(), in.fromEventIds.end());
  out.set_limit(in.limit);
}

BackfillRequest fromProto(const v1::BackfillRequest& in) {
  BackfillRequest out;
  out.roomId = in.room_id();
  out.fromEventIds = strings(in.from_event_ids());
  out.limit = in.limit();
  return out;
}

void toProto(const StateIdsResponse& in, v1::StateIdsResponse& out) {
  out.mutable_pdu_ids()->Add(in.pduIds.begin(), in.pduIds.end());
  out.mutable_auth_chain_ids()->Add(in.authChainIds.begin(), in.authChainIds.end());
}

StateIdsResponse fromProto(const v1::StateIdsResponse& in) {
  return StateIdsResponse{strings(in.pdu_ids()), strings(in.auth_chain_ids())};
}

void toProto(const StateResponse& in, v1::StateResponse& out) {
  toTexts(in.pdus, *out.mutable_pdus_json());
  toTexts(in.authChain, *out.mutable_auth_chain_json());
}

Result<StateResponse> fromProto(const v1::StateResponse& in) {
  StateResponse out;
  PLEXUS_TRY(out.pdus, fromTexts(in.pdus_json(), "pdus_json"));
  PLEXUS_TRY(out.authChain, fromTexts(in.auth_chain_json(), "auth_chain_json"));
  return out;
}

void toProto(const DirectoryResponse& in, v1::DirectoryResponse& out) {
  out.set_room_id(in.roomId);
  out.mutable_servers()->Add(in.servers.begin(), in.servers.end());
}

DirectoryResponse fromProto(const v1::DirectoryResponse& in) {
  return DirectoryResponse{in.room_id(), strings(in.servers())};
}

void toProto(const Edu& in, v1::Edu& out) {
  out.set_type(in.type);
  out.set_content_json(jsonText(in.content));
}

Result<Edu> fromProto(const v1::Edu& in) {
  Edu out;
  out.type = in.type();
  PLEXUS_TRY(out.content, jsonObjectField(in.content_json(), "content_json"));
  return out;
}

void toProto(const RemoteMediaFile& in, v1::RemoteMediaFile& out) {
  out.set_content_type(in.contentType);
  if (in.fileName) out.set_file_name(*in.fileName);
  out.set_content(in.bytes);
}

RemoteMediaFile fromProto(const v1::RemoteMediaFile& in) {
  RemoteMediaFile out;
  out.contentType = in.content_type();
  if (in.has_file_name()) out.fileName = in.file_name();
  out.bytes = in.content();
  return out;
}

void toProto(const MediaThumbnailQuery& in, v1::MediaThumbnailQuery& out) {
  out.set_media_id(in.mediaId);
  out.set_width(in.width);
  out.set_height(in.height);
  out.set_method(in.method);
  if (in.animated) out.set_animated(*in.animated);
}

MediaThumbnailQuery fromProto(const v1::MediaThumbnailQuery& in) {
  MediaThumbnailQuery out;
  out.mediaId = in.media_id();
  out.width = in.width();
  out.height = in.height();
  out.method = in.method();
  if (in.has_animated()) out.animated = in.animated();
  return out;
}

}  // namespace plexus::federationsender::convert
