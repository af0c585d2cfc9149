// The one place that knows both the media value types (media/api/types.h) and their protobuf
// messages (proto/plexus/media/v1/media.proto): conversions in both directions, used by the
// gRPC client and the service adapter.
#pragma once

#include "media/api/types.h"
#include "plexus/media/v1/media.pb.h"

namespace plexus::media::convert {

void toProto(const UploadRequest& in, v1::UploadRequest& out);
UploadRequest fromProto(const v1::UploadRequest& in);

void toProto(const UploadResult& in, v1::UploadResult& out);
UploadResult fromProto(const v1::UploadResult& in);

void toProto(const CreatedMedia& in, v1::CreatedMedia& out);
CreatedMedia fromProto(const v1::CreatedMedia& in);

void toProto(const MediaMetadata& in, v1::MediaMetadata& out);
MediaMetadata fromProto(const v1::MediaMetadata& in);

void toProto(const MediaContent& in, v1::MediaContent& out);
MediaContent fromProto(const v1::MediaContent& in);

void toProto(const ThumbnailRequest& in, v1::ThumbnailRequest& out);
ThumbnailRequest fromProto(const v1::ThumbnailRequest& in);  // UNSPECIFIED method: kScale

void toProto(const Thumbnail& in, v1::Thumbnail& out);
Thumbnail fromProto(const v1::Thumbnail& in);

void toProto(const MediaConfig& in, v1::MediaConfig& out);
MediaConfig fromProto(const v1::MediaConfig& in);

}  // namespace plexus::media::convert
