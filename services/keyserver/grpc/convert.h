// The one place that knows both the keyserver value types (keyserver/api/types.h) and their
// protobuf messages (proto/plexus/keyserver/v1/keyserver.proto): conversions in both directions,
// used by the gRPC client and the service adapter. JSON-shaped members travel as JSON text;
// reading one back is the only conversion that can fail (kBadJson, naming the field).
#pragma once

#include <string>
#include <string_view>

#include "keyserver/api/types.h"
#include "plexus/core/result.h"
#include "plexus/grpcutil/json_text.h"
#include "plexus/json/value.h"
#include "plexus/keyserver/v1/keyserver.pb.h"

namespace plexus::keyserver::convert {

// Matrix JSON in *_json fields (libs/grpcutil/json_text.h).
using grpcutil::jsonArrayField;
using grpcutil::jsonObjectField;
using grpcutil::jsonText;

void toProto(const OneTimeKeyCounts& in, v1::OneTimeKeyCounts& out);
OneTimeKeyCounts fromProto(const v1::OneTimeKeyCounts& in);

void toProto(const DeviceKeysQuery& in, v1::QueryKeysRequest& out);  // fills `query`
DeviceKeysQuery fromProto(const v1::QueryKeysRequest& in);

void toProto(const QueryKeysResponse& in, v1::QueryKeysResponse& out);
Result<QueryKeysResponse> fromProto(const v1::QueryKeysResponse& in);

void toProto(const ClaimKeysRequest& in, v1::ClaimKeysRequest& out);
ClaimKeysRequest fromProto(const v1::ClaimKeysRequest& in);

void toProto(const ClaimKeysResponse& in, v1::ClaimKeysResponse& out);
Result<ClaimKeysResponse> fromProto(const v1::ClaimKeysResponse& in);

void toProto(const KeyChanges& in, v1::KeyChanges& out);
KeyChanges fromProto(const v1::KeyChanges& in);

void toProto(const CrossSigningKeys& in, v1::CrossSigningKeys& out);
Result<CrossSigningKeys> fromProto(const v1::CrossSigningKeys& in);

void toProto(const UploadSignaturesResponse& in, v1::UploadSignaturesResponse& out);
UploadSignaturesResponse fromProto(const v1::UploadSignaturesResponse& in);

void toProto(const BackupVersion& in, v1::BackupVersion& out);
Result<BackupVersion> fromProto(const v1::BackupVersion& in);

void toProto(const BackupKeys& in, v1::BackupKeys& out);
Result<BackupKeys> fromProto(const v1::BackupKeys& in);

void toProto(const BackupKeySelector& in, v1::BackupKeySelector& out);
BackupKeySelector fromProto(const v1::BackupKeySelector& in);

void toProto(const BackupKeysSummary& in, v1::BackupKeysSummary& out);
BackupKeysSummary fromProto(const v1::BackupKeysSummary& in);

}  // namespace plexus::keyserver::convert
