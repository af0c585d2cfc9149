// Roomserver value types <-> protobuf messages (convert.h).
#include "roomserver/grpc/convert.h"

#include <optional>
#include <string>
#include <utility>

#include "plexus/events/room_version.h"
#include "plexus/grpcutil/json_text.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::roomserver::convert {
namespace {

template <typename Repeated>
std::vector<std::string> strings(const Repeated& in) {
  return {in.begin(), in.end()};
}

template <typename Repeated>
void setStrings(const std::vector<std::string>& in, Repeated& out) {
  out.Reserve(static_cast<int>(in.size()));
  for (const auto& s : in) *out.Add() = s;
}

void toProto(const TransactionRef& in, v1::TransactionRef& out) {
  out.set_user_id(in.userId);
  out.set_device_id(in.deviceId);
  out.set_transaction_id(in.transactionId);
}

TransactionRef fromProto(const v1::TransactionRef& in) {
  return TransactionRef{in.user_id(), in.device_id(), in.transaction_id()};
}

v1::Preset toProto(Preset in) {
  switch (in) {
    case Preset::kPrivateChat:
      return v1::PRESET_PRIVATE_CHAT;
    case Preset::kPublicChat:
      return v1::PRESET_PUBLIC_CHAT;
    case Preset::kTrustedPrivateChat:
      return v1::PRESET_TRUSTED_PRIVATE_CHAT;
  }
  return v1::PRESET_UNSPECIFIED;
}

Result<std::optional<Preset>> fromProto(v1::Preset in) {
  switch (in) {
    case v1::PRESET_UNSPECIFIED:
      return std::optional<Preset>();
    case v1::PRESET_PRIVATE_CHAT:
      return std::optional<Preset>(Preset::kPrivateChat);
    case v1::PRESET_PUBLIC_CHAT:
      return std::optional<Preset>(Preset::kPublicChat);
    case v1::PRESET_TRUSTED_PRIVATE_CHAT:
      return std::optional<Preset>(Preset::kTrustedPrivateChat);
    default:
      break;
  }
  return fail(ErrorCode::kInvalidParam, "unknown preset " + std::to_string(in));
}

v1::InputKind toProto(RoomserverApi::InputKind in) {
  switch (in) {
    case RoomserverApi::InputKind::kNew:
      return v1::INPUT_KIND_NEW;
    case RoomserverApi::InputKind::kOutlier:
      return v1::INPUT_KIND_OUTLIER;
    case RoomserverApi::InputKind::kBackfill:
      return v1::INPUT_KIND_BACKFILL;
  }
  return v1::INPUT_KIND_UNSPECIFIED;
}

Result<RoomserverApi::InputKind> fromProto(v1::InputKind in) {
  switch (in) {
    case v1::INPUT_KIND_UNSPECIFIED:
    case v1::INPUT_KIND_NEW:
      return RoomserverApi::InputKind::kNew;
    case v1::INPUT_KIND_OUTLIER:
      return RoomserverApi::InputKind::kOutlier;
    case v1::INPUT_KIND_BACKFILL:
      return RoomserverApi::InputKind::kBackfill;
    default:
      break;
  }
  return fail(ErrorCode::kInvalidParam, "unknown input kind " + std::to_string(in));
}

Result<std::optional<json::Object>> optionalObject(bool present, const std::string& text,
                                                   std::string_view field) {
  if (!present) return std::optional<json::Object>();
  PLEXUS_TRY(json::Object object, jsonObjectField(text, field));
  return std::optional<json::Object>(std::move(object));
}

}  // namespace

// ---- JSON text ------------------------------------------------------------------------------

// ---- Enums ----------------------------------------------------------------------------------

v1::Visibility toProto(Visibility in) {
  return in == Visibility::kPublic ? v1::VISIBILITY_PUBLIC : v1::VISIBILITY_PRIVATE;
}

Result<Visibility> fromProto(v1::Visibility in) {
  switch (in) {
    case v1::VISIBILITY_UNSPECIFIED:
    case v1::VISIBILITY_PRIVATE:
      return Visibility::kPrivate;
    case v1::VISIBILITY_PUBLIC:
      return Visibility::kPublic;
    default:
      break;
  }
  return fail(ErrorCode::kInvalidParam, "unknown visibility " + std::to_string(in));
}

v1::StatePoint toProto(StatePoint in) {
  return in == StatePoint::kBefore ? v1::STATE_POINT_BEFORE : v1::STATE_POINT_AFTER;
}

Result<StatePoint> fromProto(v1::StatePoint in) {
  switch (in) {
    case v1::STATE_POINT_BEFORE:
      return StatePoint::kBefore;
    case v1::STATE_POINT_AFTER:
      return StatePoint::kAfter;
    default:
      break;
  }
  return fail(ErrorCode::kInvalidParam, "unknown state point " + std::to_string(in));
}

// ---- Requests -------------------------------------------------------------------------------

void toProto(const CreateRoomRequest& in, v1::CreateRoomRequest& out) {
  out.set_creator(in.creator);
  if (in.roomVersion) out.set_room_version(*in.roomVersion);
  if (in.preset) out.set_preset(toProto(*in.preset));
  out.set_visibility(toProto(in.visibility));
  if (in.name) out.set_name(*in.name);
  if (in.topic) out.set_topic(*in.topic);
  if (in.roomAliasName) out.set_room_alias_name(*in.roomAliasName);
  setStrings(in.invite, *out.mutable_invite());
  for (const auto& spec : in.initialState) {
    v1::StateEventSpec& s = *out.add_initial_state();
    s.set_type(spec.type);
    s.set_state_key(spec.stateKey);
    s.set_content_json(jsonText(spec.content));
  }
  if (in.powerLevelContentOverride) {
    out.set_power_level_content_override_json(jsonText(*in.powerLevelContentOverride));
  }
  if (in.creationContent) out.set_creation_content_json(jsonText(*in.creationContent));
  out.set_is_direct(in.isDirect);
}

Result<CreateRoomRequest> fromProto(const v1::CreateRoomRequest& in) {
  CreateRoomRequest out;
  out.creator = in.creator();
  if (in.has_room_version()) out.roomVersion = in.room_version();
  PLEXUS_TRY(out.preset, fromProto(in.preset()));
  PLEXUS_TRY(out.visibility, fromProto(in.visibility()));
  if (in.has_name()) out.name = in.name();
  if (in.has_topic()) out.topic = in.topic();
  if (in.has_room_alias_name()) out.roomAliasName = in.room_alias_name();
  out.invite = strings(in.invite());
  out.initialState.reserve(static_cast<std::size_t>(in.initial_state_size()));
  for (const auto& s : in.initial_state()) {
    PLEXUS_TRY(json::Object content,
               jsonObjectField(s.content_json(), "initial_state.content_json"));
    out.initialState.push_back(StateEventSpec{s.type(), s.state_key(), std::move(content)});
  }
  PLEXUS_TRY(
      out.powerLevelContentOverride,
      optionalObject(in.has_power_level_content_override_json(),
                     in.power_level_content_override_json(), "power_level_content_override_json"));
  PLEXUS_TRY(out.creationContent,
             optionalObject(in.has_creation_content_json(), in.creation_content_json(),
                            "creation_content_json"));
  out.isDirect = in.is_direct();
  return out;
}

void toProto(const SendEventRequest& in, v1::SendEventRequest& out) {
  out.set_room_id(in.roomId);
  out.set_sender(in.sender);
  out.set_type(in.type);
  if (in.stateKey) out.set_state_key(*in.stateKey);
  out.set_content_json(jsonText(in.content));
  if (in.transaction) toProto(*in.transaction, *out.mutable_transaction());
}

Result<SendEventRequest> fromProto(const v1::SendEventRequest& in) {
  SendEventRequest out;
  out.roomId = in.room_id();
  out.sender = in.sender();
  out.type = in.type();
  if (in.has_state_key()) out.stateKey = in.state_key();
  PLEXUS_TRY(out.content, jsonObjectField(in.content_json(), "content_json"));
  if (in.has_transaction()) out.transaction = fromProto(in.transaction());
  return out;
}

void toProto(const JoinRequest& in, v1::JoinRequest& out) {
  out.set_room_id_or_alias(in.roomIdOrAlias);
  out.set_user_id(in.userId);
  if (in.reason) out.set_reason(*in.reason);
  setStrings(in.serverNames, *out.mutable_server_names());
}

JoinRequest fromProto(const v1::JoinRequest& in) {
  JoinRequest out;
  out.roomIdOrAlias = in.room_id_or_alias();
  out.userId = in.user_id();
  if (in.has_reason()) out.reason = in.reason();
  out.serverNames = strings(in.server_names());
  return out;
}

void toProto(const MembershipChangeRequest& in, v1::MembershipChangeRequest& out) {
  out.set_room_id(in.roomId);
  out.set_sender(in.sender);
  out.set_target(in.target);
  if (in.reason) out.set_reason(*in.reason);
  out.set_is_direct(in.isDirect);
}

MembershipChangeRequest fromProto(const v1::MembershipChangeRequest& in) {
  MembershipChangeRequest out;
  out.roomId = in.room_id();
  out.sender = in.sender();
  out.target = in.target();
  if (in.has_reason()) out.reason = in.reason();
  out.isDirect = in.is_direct();
  return out;
}

void toProto(const RedactRequest& in, v1::RedactRequest& out) {
  out.set_room_id(in.roomId);
  out.set_sender(in.sender);
  out.set_redacts_event_id(in.redactsEventId);
  if (in.reason) out.set_reason(*in.reason);
  if (in.transaction) toProto(*in.transaction, *out.mutable_transaction());
}

RedactRequest fromProto(const v1::RedactRequest& in) {
  RedactRequest out;
  out.roomId = in.room_id();
  out.sender = in.sender();
  out.redactsEventId = in.redacts_event_id();
  if (in.has_reason()) out.reason = in.reason();
  if (in.has_transaction()) out.transaction = fromProto(in.transaction());
  return out;
}

void toProto(const UpgradeRoomRequest& in, v1::UpgradeRoomRequest& out) {
  out.set_room_id(in.roomId);
  out.set_user_id(in.userId);
  out.set_new_version(in.newVersion);
}

UpgradeRoomRequest fromProto(const v1::UpgradeRoomRequest& in) {
  return UpgradeRoomRequest{in.room_id(), in.user_id(), in.new_version()};
}

void toProto(const StateSelector& in, v1::StateSelector& out) {
  out.set_type(in.type);
  if (in.stateKey) out.set_state_key(*in.stateKey);
}

StateSelector fromProto(const v1::StateSelector& in) {
  StateSelector out;
  out.type = in.type();
  if (in.has_state_key()) out.stateKey = in.state_key();
  return out;
}

void toProto(const PublicRoomsRequest& in, v1::PublicRoomsRequest& out) {
  if (in.since) out.set_since(*in.since);
  if (in.limit) out.set_limit(*in.limit);
  if (in.genericSearchTerm) out.set_generic_search_term(*in.genericSearchTerm);
}

PublicRoomsRequest fromProto(const v1::PublicRoomsRequest& in) {
  PublicRoomsRequest out;
  if (in.has_since()) out.since = in.since();
  if (in.has_limit()) out.limit = in.limit();
  if (in.has_generic_search_term()) out.genericSearchTerm = in.generic_search_term();
  return out;
}

void toProto(const RoomserverApi::InputRoomEvent& in, v1::InputRoomEvent& out) {
  out.set_event_json(jsonText(in.event));
  out.set_origin(in.origin);
  out.set_kind(toProto(in.kind));
}

Result<RoomserverApi::InputRoomEvent> fromProto(const v1::InputRoomEvent& in) {
  RoomserverApi::InputRoomEvent out;
  PLEXUS_TRY(out.event, jsonObjectField(in.event_json(), "event_json"));
  out.origin = in.origin();
  PLEXUS_TRY(out.kind, fromProto(in.kind()));
  return out;
}

void toProto(const RoomserverApi::MakeMembershipRequest& in, v1::MakeMembershipRequest& out) {
  out.set_room_id(in.roomId);
  out.set_user_id(in.userId);
  out.set_membership(in.membership);
  out.set_origin(in.origin);
  setStrings(in.supportedVersions, *out.mutable_supported_versions());
}

RoomserverApi::MakeMembershipRequest fromProto(const v1::MakeMembershipRequest& in) {
  return RoomserverApi::MakeMembershipRequest{in.room_id(), in.user_id(), in.membership(),
                                              in.origin(), strings(in.supported_versions())};
}

void toProto(const RoomserverApi::SendMembershipRequest& in, v1::SendMembershipRequest& out) {
  out.set_room_id(in.roomId);
  out.set_event_id(in.eventId);
  out.set_membership(in.membership);
  out.set_origin(in.origin);
  out.set_event_json(jsonText(in.event));
}

Result<RoomserverApi::SendMembershipRequest> fromProto(const v1::SendMembershipRequest& in) {
  RoomserverApi::SendMembershipRequest out;
  out.roomId = in.room_id();
  out.eventId = in.event_id();
  out.membership = in.membership();
  out.origin = in.origin();
  PLEXUS_TRY(out.event, jsonObjectField(in.event_json(), "event_json"));
  return out;
}

void toProto(const RoomserverApi::InviteInput& in, v1::InviteInput& out) {
  out.set_room_id(in.roomId);
  out.set_event_id(in.eventId);
  out.set_room_version(in.roomVersion);
  out.set_origin(in.origin);
  out.set_event_json(jsonText(in.event));
  out.mutable_invite_room_state_json()->Reserve(static_cast<int>(in.inviteRoomState.size()));
  for (const auto& s : in.inviteRoomState) out.add_invite_room_state_json(jsonText(s));
}

Result<RoomserverApi::InviteInput> fromProto(const v1::InviteInput& in) {
  RoomserverApi::InviteInput out;
  out.roomId = in.room_id();
  out.eventId = in.event_id();
  out.roomVersion = in.room_version();
  out.origin = in.origin();
  PLEXUS_TRY(out.event, jsonObjectField(in.event_json(), "event_json"));
  out.inviteRoomState.reserve(static_cast<std::size_t>(in.invite_room_state_json_size()));
  for (const auto& text : in.invite_room_state_json()) {
    PLEXUS_TRY(json::Object s, jsonObjectField(text, "invite_room_state_json"));
    out.inviteRoomState.push_back(std::move(s));
  }
  return out;
}

// ---- Responses ------------------------------------------------------------------------------

void toProto(const CreateRoomResponse& in, v1::CreateRoomResponse& out) {
  out.set_room_id(in.roomId);
  if (in.roomAlias) out.set_room_alias(*in.roomAlias);
}

CreateRoomResponse fromProto(const v1::CreateRoomResponse& in) {
  CreateRoomResponse out;
  out.roomId = in.room_id();
  if (in.has_room_alias()) out.roomAlias = in.room_alias();
  return out;
}

void toProto(const SendEventResponse& in, v1::SendEventResponse& out) {
  out.set_event_id(in.eventId);
}

SendEventResponse fromProto(const v1::SendEventResponse& in) {
  return SendEventResponse{in.event_id()};
}

void toProto(const JoinResponse& in, v1::JoinResponse& out) {
  out.set_room_id(in.roomId);
  out.set_event_id(in.eventId);
}

JoinResponse fromProto(const v1::JoinResponse& in) {
  return JoinResponse{in.room_id(), in.event_id()};
}

void toProto(const UpgradeRoomResponse& in, v1::UpgradeRoomResponse& out) {
  out.set_replacement_room_id(in.replacementRoomId);
}

UpgradeRoomResponse fromProto(const v1::UpgradeRoomResponse& in) {
  return UpgradeRoomResponse{in.replacement_room_id()};
}

void toProto(const RoomEvent& in, v1::RoomEvent& out) {
  out.set_pdu_json(in.pdu.canonicalJson());
  out.set_room_version(std::string(in.pdu.roomVersion().id));
  out.set_event_id(in.pdu.eventId());
  if (in.redactedBecause) out.set_redacted_because(*in.redactedBecause);
}

Result<RoomEvent> fromProto(const v1::RoomEvent& in) {
  const events::RoomVersion* version = events::findRoomVersion(in.room_version());
  if (!version) {
    return fail(ErrorCode::kBadJson,
                "event " + in.event_id() + " has unknown room version '" + in.room_version() + "'");
  }
  events::PduParseOptions options;
  options.enforceSizeLimit = false;
  auto pdu = events::Pdu::parse(in.pdu_json(), *version, options);
  if (!pdu.ok()) {
    return fail(ErrorCode::kBadJson,
                "event " + in.event_id() + " does not parse: " + pdu.error().message);
  }
  if (pdu->eventId() != in.event_id()) {
    return fail(ErrorCode::kBadJson,
                "event " + in.event_id() + " has the event ID " + pdu->eventId());
  }
  RoomEvent out{std::move(pdu).value(), std::nullopt};
  if (in.has_redacted_because()) out.redactedBecause = in.redacted_because();
  return out;
}

void toProto(const std::vector<RoomEvent>& in, v1::RoomEvents& out) {
  out.mutable_events()->Reserve(static_cast<int>(in.size()));
  for (const auto& e : in) toProto(e, *out.add_events());
}

Result<std::vector<RoomEvent>> fromProto(const v1::RoomEvents& in) {
  std::vector<RoomEvent> out;
  out.reserve(static_cast<std::size_t>(in.events_size()));
  for (const auto& e : in.events()) {
    PLEXUS_TRY(RoomEvent event, fromProto(e));
    out.push_back(std::move(event));
  }
  return out;
}

void toProto(const MembershipInfo& in, v1::MembershipInfo& out) {
  out.set_membership(in.membership);
  out.set_event_id(in.eventId);
  out.set_forgotten(in.forgotten);
}

MembershipInfo fromProto(const v1::MembershipInfo& in) {
  return MembershipInfo{in.membership(), in.event_id(), in.forgotten()};
}

void toProto(const JoinedMember& in, v1::JoinedMember& out) {
  out.set_user_id(in.userId);
  if (in.displayName) out.set_display_name(*in.displayName);
  if (in.avatarUrl) out.set_avatar_url(*in.avatarUrl);
}

JoinedMember fromProto(const v1::JoinedMember& in) {
  JoinedMember out;
  out.userId = in.user_id();
  if (in.has_display_name()) out.displayName = in.display_name();
  if (in.has_avatar_url()) out.avatarUrl = in.avatar_url();
  return out;
}

void toProto(const LatestEvents& in, v1::LatestEvents& out) {
  setStrings(in.eventIds, *out.mutable_event_ids());
  out.set_depth(in.depth);
}

LatestEvents fromProto(const v1::LatestEvents& in) {
  return LatestEvents{strings(in.event_ids()), in.depth()};
}

void toProto(const AliasInfo& in, v1::AliasInfo& out) {
  out.set_room_id(in.roomId);
  setStrings(in.servers, *out.mutable_servers());
}

AliasInfo fromProto(const v1::AliasInfo& in) {
  return AliasInfo{in.room_id(), strings(in.servers())};
}

void toProto(const PublicRoom& in, v1::PublicRoom& out) {
  out.set_room_id(in.roomId);
  if (in.name) out.set_name(*in.name);
  if (in.topic) out.set_topic(*in.topic);
  if (in.canonicalAlias) out.set_canonical_alias(*in.canonicalAlias);
  if (in.avatarUrl) out.set_avatar_url(*in.avatarUrl);
  if (in.joinRule) out.set_join_rule(*in.joinRule);
  if (in.roomType) out.set_room_type(*in.roomType);
  out.set_num_joined_members(in.numJoinedMembers);
  out.set_world_readable(in.worldReadable);
  out.set_guest_can_join(in.guestCanJoin);
}

PublicRoom fromProto(const v1::PublicRoom& in) {
  PublicRoom out;
  out.roomId = in.room_id();
  if (in.has_name()) out.name = in.name();
  if (in.has_topic()) out.topic = in.topic();
  if (in.has_canonical_alias()) out.canonicalAlias = in.canonical_alias();
  if (in.has_avatar_url()) out.avatarUrl = in.avatar_url();
  if (in.has_join_rule()) out.joinRule = in.join_rule();
  if (in.has_room_type()) out.roomType = in.room_type();
  out.numJoinedMembers = in.num_joined_members();
  out.worldReadable = in.world_readable();
  out.guestCanJoin = in.guest_can_join();
  return out;
}

void toProto(const PublicRoomsResponse& in, v1::PublicRoomsResponse& out) {
  out.mutable_chunk()->Reserve(static_cast<int>(in.chunk.size()));
  for (const auto& room : in.chunk) toProto(room, *out.add_chunk());
  if (in.nextBatch) out.set_next_batch(*in.nextBatch);
  if (in.prevBatch) out.set_prev_batch(*in.prevBatch);
  out.set_total_room_count_estimate(in.totalRoomCountEstimate);
}

PublicRoomsResponse fromProto(const v1::PublicRoomsResponse& in) {
  PublicRoomsResponse out;
  out.chunk.reserve(static_cast<std::size_t>(in.chunk_size()));
  for (const auto& room : in.chunk()) out.chunk.push_back(fromProto(room));
  if (in.has_next_batch()) out.nextBatch = in.next_batch();
  if (in.has_prev_batch()) out.prevBatch = in.prev_batch();
  out.totalRoomCountEstimate = in.total_room_count_estimate();
  return out;
}

void toProto(const RoomserverApi::InputEventResult& in, v1::InputEventResult& out) {
  out.set_event_id(in.eventId);
  if (in.error) out.set_error(*in.error);
}

RoomserverApi::InputEventResult fromProto(const v1::InputEventResult& in) {
  RoomserverApi::InputEventResult out;
  out.eventId = in.event_id();
  if (in.has_error()) out.error = in.error();
  return out;
}

void toProto(const RoomserverApi::MakeMembershipResponse& in, v1::MakeMembershipResponse& out) {
  out.set_room_version(in.roomVersion);
  out.set_event_template_json(jsonText(in.eventTemplate));
}

Result<RoomserverApi::MakeMembershipResponse> fromProto(const v1::MakeMembershipResponse& in) {
  RoomserverApi::MakeMembershipResponse out;
  out.roomVersion = in.room_version();
  PLEXUS_TRY(out.eventTemplate, jsonObjectField(in.event_template_json(), "event_template_json"));
  return out;
}

}  // namespace plexus::roomserver::convert
