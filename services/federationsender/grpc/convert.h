// The one place that knows both the federation sender's value types
// (federationsender/api/federation_sender_api.h) and their protobuf messages
// (proto/plexus/federationsender/v1/federationsender.proto): conversions in both directions,
// used by the gRPC client and the service adapter. Events and remote answers travel as JSON
// text; reading one back is the only conversion that can fail (kBadJson, naming the field).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "federationsender/api/federation_sender_api.h"
#include "plexus/core/result.h"
#include "plexus/federationsender/v1/federationsender.pb.h"
#include "plexus/grpcutil/json_text.h"
#include "plexus/json/value.h"

namespace plexus::federationsender::convert {

// Matrix JSON in *_json fields (libs/grpcutil/json_text.h).
using grpcutil::jsonArrayField;
using grpcutil::jsonObjectField;
using grpcutil::jsonText;

void toProto(const std::vector<json::Object>& in, v1::Events& out);
Result<std::vector<json::Object>> fromProto(const v1::Events& in);

void toProto(const MakeMembershipResponse& in, v1::MakeMembershipResponse& out);
Result<MakeMembershipResponse> fromProto(const v1::MakeMembershipResponse& in);

void toProto(const SendJoinRequest& in, v1::SendJoinRequest& out);
Result<SendJoinRequest> fromProto(const v1::SendJoinRequest& in);

void toProto(const SendJoinResponse& in, v1::SendJoinResponse& out);
Result<SendJoinResponse> fromProto(const v1::SendJoinResponse& in);

void toProto(const SendInviteRequest& in, v1::SendInviteRequest& out);
Result<SendInviteRequest> fromProto(const v1::SendInviteRequest& in);

void toProto(const MissingEventsRequest& in, v1::MissingEventsRequest& out);
MissingEventsRequest fromProto(const v1::MissingEventsRequest& in);

void toProto(const BackfillRequest& in, v1::BackfillRequest& out);
BackfillRequest fromProto(const v1::BackfillRequest& in);

void toProto(const StateIdsResponse& in, v1::StateIdsResponse& out);
StateIdsResponse fromProto(const v1::StateIdsResponse& in);

void toProto(const StateResponse& in, v1::StateResponse& out);
Result<StateResponse> fromProto(const v1::StateResponse& in);

void toProto(const DirectoryResponse& in, v1::DirectoryResponse& out);
DirectoryResponse fromProto(const v1::DirectoryResponse& in);

void toProto(const Edu& in, v1::Edu& out);
Result<Edu> fromProto(const v1::Edu& in);

void toProto(const RemoteMediaFile& in, v1::RemoteMediaFile& out);
RemoteMediaFile fromProto(const v1::RemoteMediaFile& in);

void toProto(const MediaThumbnailQuery& in, v1::MediaThumbnailQuery& out);
MediaThumbnailQuery fromProto(const v1::MediaThumbnailQuery& in);

}  // namespace plexus::federationsender::convert
