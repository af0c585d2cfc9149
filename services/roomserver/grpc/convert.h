// The one place that knows both the roomserver value types (roomserver/api/roomserver_api.h,
// output.h) and their protobuf messages (proto/plexus/roomserver/v1/roomserver.proto):
// conversions in both directions, used by the gRPC client and the service adapter.
//
// Matrix JSON travels as text. Reading it back can fail (a peer that is not this code, or a
// corrupted message), so every conversion that parses JSON, checks an enum or rebuilds a PDU
// returns a Result: kBadJson (M_BAD_JSON) for a *_json field that is not a JSON object or a PDU
// that does not parse, kInvalidParam for an enum value outside the contract. Conversions that
// cannot fail return the value.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "plexus/grpcutil/json_text.h"
#include "plexus/roomserver/v1/roomserver.pb.h"
#include "roomserver/api/roomserver_api.h"

namespace plexus::roomserver::convert {

// ---- JSON text ------------------------------------------------------------------------------

// Matrix JSON in *_json fields (libs/grpcutil/json_text.h).
using grpcutil::jsonArrayField;
using grpcutil::jsonObjectField;
using grpcutil::jsonText;

// ---- Enums ----------------------------------------------------------------------------------

v1::Visibility toProto(Visibility in);
Result<Visibility> fromProto(v1::Visibility in);  // UNSPECIFIED: kPrivate

v1::StatePoint toProto(StatePoint in);
Result<StatePoint> fromProto(v1::StatePoint in);  // UNSPECIFIED: kInvalidParam

// ---- Requests (client -> service) -----------------------------------------------------------

void toProto(const CreateRoomRequest& in, v1::CreateRoomRequest& out);
Result<CreateRoomRequest> fromProto(const v1::CreateRoomRequest& in);

void toProto(const SendEventRequest& in, v1::SendEventRequest& out);
Result<SendEventRequest> fromProto(const v1::SendEventRequest& in);

void toProto(const JoinRequest& in, v1::JoinRequest& out);
JoinRequest fromProto(const v1::JoinRequest& in);

void toProto(const MembershipChangeRequest& in, v1::MembershipChangeRequest& out);
MembershipChangeRequest fromProto(const v1::MembershipChangeRequest& in);

void toProto(const RedactRequest& in, v1::RedactRequest& out);
RedactRequest fromProto(const v1::RedactRequest& in);

void toProto(const UpgradeRoomRequest& in, v1::UpgradeRoomRequest& out);
UpgradeRoomRequest fromProto(const v1::UpgradeRoomRequest& in);

void toProto(const StateSelector& in, v1::StateSelector& out);
StateSelector fromProto(const v1::StateSelector& in);

void toProto(const PublicRoomsRequest& in, v1::PublicRoomsRequest& out);
PublicRoomsRequest fromProto(const v1::PublicRoomsRequest& in);

void toProto(const RoomserverApi::InputRoomEvent& in, v1::InputRoomEvent& out);
Result<RoomserverApi::InputRoomEvent> fromProto(const v1::InputRoomEvent& in);

void toProto(const RoomserverApi::MakeMembershipRequest& in, v1::MakeMembershipRequest& out);
RoomserverApi::MakeMembershipRequest fromProto(const v1::MakeMembershipRequest& in);

void toProto(const RoomserverApi::SendMembershipRequest& in, v1::SendMembershipRequest& out);
Result<RoomserverApi::SendMembershipRequest> fromProto(const v1::SendMembershipRequest& in);

void toProto(const RoomserverApi::InviteInput& in, v1::InviteInput& out);
Result<RoomserverApi::InviteInput> fromProto(const v1::InviteInput& in);

// ---- Responses (service -> client) ----------------------------------------------------------

void toProto(const CreateRoomResponse& in, v1::CreateRoomResponse& out);
CreateRoomResponse fromProto(const v1::CreateRoomResponse& in);

void toProto(const SendEventResponse& in, v1::SendEventResponse& out);
SendEventResponse fromProto(const v1::SendEventResponse& in);

void toProto(const JoinResponse& in, v1::JoinResponse& out);
JoinResponse fromProto(const v1::JoinResponse& in);

void toProto(const UpgradeRoomResponse& in, v1::UpgradeRoomResponse& out);
UpgradeRoomResponse fromProto(const v1::UpgradeRoomResponse& in);

// A stored event: its JSON, room version and event ID. Reading it back parses the PDU with that
// version (no size limit: stored events were checked when they arrived) and requires the derived
// event ID to be the one sent.
void toProto(const RoomEvent& in, v1::RoomEvent& out);
Result<RoomEvent> fromProto(const v1::RoomEvent& in);

void toProto(const std::vector<RoomEvent>& in, v1::RoomEvents& out);
Result<std::vector<RoomEvent>> fromProto(const v1::RoomEvents& in);

void toProto(const MembershipInfo& in, v1::MembershipInfo& out);
MembershipInfo fromProto(const v1::MembershipInfo& in);

void toProto(const JoinedMember& in, v1::JoinedMember& out);
JoinedMember fromProto(const v1::JoinedMember& in);

void toProto(const LatestEvents& in, v1::LatestEvents& out);
LatestEvents fromProto(const v1::LatestEvents& in);

void toProto(const AliasInfo& in, v1::AliasInfo& out);
AliasInfo fromProto(const v1::AliasInfo& in);

void toProto(const PublicRoom& in, v1::PublicRoom& out);
PublicRoom fromProto(const v1::PublicRoom& in);

void toProto(const PublicRoomsResponse& in, v1::PublicRoomsResponse& out);
PublicRoomsResponse fromProto(const v1::PublicRoomsResponse& in);

void toProto(const RoomserverApi::InputEventResult& in, v1::InputEventResult& out);
RoomserverApi::InputEventResult fromProto(const v1::InputEventResult& in);

void toProto(const RoomserverApi::MakeMembershipResponse& in, v1::MakeMembershipResponse& out);
Result<RoomserverApi::MakeMembershipResponse> fromProto(const v1::MakeMembershipResponse& in);

}  // namespace plexus::roomserver::convert
