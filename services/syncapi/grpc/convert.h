// The one place that knows both the sync-api value types (syncapi/api/types.h) and their
// protobuf messages (proto/plexus/syncapi/v1/syncapi.proto): conversions in both directions,
// used by the gRPC client and the service adapter. Matrix JSON travels as its text; a wire
// value that does not parse (or a `dir` that is not one character) is an Error (kBadJson /
// kInvalidParam), never a crash.
#pragma once

#include <string>
#include <string_view>

#include "plexus/core/result.h"
#include "plexus/grpcutil/json_text.h"
#include "plexus/json/value.h"
#include "plexus/syncapi/v1/syncapi.pb.h"
#include "syncapi/api/types.h"

namespace plexus::syncapi::convert {

// Matrix JSON in *_json fields (libs/grpcutil/json_text.h).
using grpcutil::jsonArrayField;
using grpcutil::jsonObjectField;
using grpcutil::jsonText;

// A response body.
void toProto(const json::Object& in, v1::JsonBody& out);
Result<json::Object> fromProto(const v1::JsonBody& in);

// One-character strings <-> char (kInvalidParam for any other length).
std::string dirText(char dir);
Result<char> parseDir(std::string_view text);

void toProto(const SyncRequest& in, v1::SyncRequest& out);
Result<SyncRequest> fromProto(const v1::SyncRequest& in);

void toProto(const MessagesRequest& in, v1::MessagesRequest& out);
Result<MessagesRequest> fromProto(const v1::MessagesRequest& in);

void toProto(const ContextRequest& in, v1::ContextRequest& out);
Result<ContextRequest> fromProto(const v1::ContextRequest& in);

void toProto(const RelationsRequest& in, v1::RelationsRequest& out);
Result<RelationsRequest> fromProto(const v1::RelationsRequest& in);

void toProto(const ThreadsRequest& in, v1::ThreadsRequest& out);
ThreadsRequest fromProto(const v1::ThreadsRequest& in);

void toProto(const TypingRequest& in, v1::TypingRequest& out);
TypingRequest fromProto(const v1::TypingRequest& in);

void toProto(const ReceiptRequest& in, v1::ReceiptRequest& out);
ReceiptRequest fromProto(const v1::ReceiptRequest& in);

void toProto(const SendToDeviceRequest& in, v1::SendToDeviceRequest& out);
Result<SendToDeviceRequest> fromProto(const v1::SendToDeviceRequest& in);

void toProto(const KeyChanges& in, v1::KeyChanges& out);
KeyChanges fromProto(const v1::KeyChanges& in);

void toProto(const PresenceStatus& in, v1::PresenceStatus& out);
PresenceStatus fromProto(const v1::PresenceStatus& in);

}  // namespace plexus::syncapi::convert
