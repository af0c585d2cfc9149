// Media value types <-> protobuf messages (convert.h).
#include "media/grpc/convert.h"

namespace plexus::media::convert {
namespace {

void toProto(const ThumbnailInfo& in, v1::ThumbnailInfo& out) {
  out.set_width(in.width);
  out.set_height(in.height);
  out.set_method(in.method);
  out.set_content_type(in.contentType);
  out.set_size_bytes(in.sizeBytes);
}

ThumbnailInfo fromProto(const v1::ThumbnailInfo& in) {
  ThumbnailInfo out;
  out.width = in.width();
  out.height = in.height();
  out.method = in.method();
  out.contentType = in.content_type();
  out.sizeBytes = in.size_bytes();
  return out;
}

}  // namespace

void toProto(const UploadRequest& in, v1::UploadRequest& out) {
  out.set_uploader_user_id(in.uploaderUserId);
  out.set_content_type(in.contentType);
  if (in.fileName) out.set_file_name(*in.fileName);
  out.set_content(in.bytes);
}

UploadRequest fromProto(const v1::UploadRequest& in) {
  UploadRequest out;
  out.uploaderUserId = in.uploader_user_id();
  out.contentType = in.content_type();
  if (in.has_file_name()) out.fileName = in.file_name();
  out.bytes = in.content();
  return out;
}

void toProto(const UploadResult& in, v1::UploadResult& out) {
  out.set_content_uri(in.contentUri);
  out.set_media_id(in.mediaId);
}

UploadResult fromProto(const v1::UploadResult& in) {
  return UploadResult{in.content_uri(), in.media_id()};
}

void toProto(const CreatedMedia& in, v1::CreatedMedia& out) {
  out.set_content_uri(in.contentUri);
  out.set_media_id(in.mediaId);
  out.set_unused_expires_at_ms(in.unusedExpiresAtMs);
}

CreatedMedia fromProto(const v1::CreatedMedia& in) {
  return CreatedMedia{in.content_uri(), in.media_id(), in.unused_expires_at_ms()};
}

void toProto(const MediaMetadata& in, v1::MediaMetadata& out) {
  out.set_server_name(in.serverName);
  out.set_media_id(in.mediaId);
  out.set_uploader_user_id(in.uploaderUserId);
  out.set_content_type(in.contentType);
  if (in.fileName) out.set_file_name(*in.fileName);
  out.set_size_bytes(in.sizeBytes);
  out.set_sha256(in.sha256);
  out.set_created_ms(in.createdMs);
  for (const auto& t : in.thumbnails) toProto(t, *out.add_thumbnails());
}

MediaMetadata fromProto(const v1::MediaMetadata& in) {
  MediaMetadata out;
  out.serverName = in.server_name();
  out.mediaId = in.media_id();
  out.uploaderUserId = in.uploader_user_id();
  out.contentType = in.content_type();
  if (in.has_file_name()) out.fileName = in.file_name();
  out.sizeBytes = in.size_bytes();
  out.sha256 = in.sha256();
  out.createdMs = in.created_ms();
  out.thumbnails.reserve(static_cast<std::size_t>(in.thumbnails_size()));
  for (const auto& t : in.thumbnails()) out.thumbnails.push_back(fromProto(t));
  return out;
}

void toProto(const MediaContent& in, v1::MediaContent& out) {
  toProto(in.metadata, *out.mutable_metadata());
  out.set_file_path(in.filePath);
  out.set_content(in.bytes);
}

MediaContent fromProto(const v1::MediaContent& in) {
  MediaContent out;
  out.metadata = fromProto(in.metadata());
  out.filePath = in.file_path();
  out.bytes = in.content();
  return out;
}

void toProto(const ThumbnailRequest& in, v1::ThumbnailRequest& out) {
  out.set_server_name(in.serverName);
  out.set_media_id(in.mediaId);
  out.set_width(in.width);
  out.set_height(in.height);
  out.set_method(in.method == ThumbnailMethod::kCrop ? v1::THUMBNAIL_METHOD_CROP
                                                     : v1::THUMBNAIL_METHOD_SCALE);
  out.set_animated(in.animated);
}

ThumbnailRequest fromProto(const v1::ThumbnailRequest& in) {
  ThumbnailRequest out;
  out.serverName = in.server_name();
  out.mediaId = in.media_id();
  out.width = in.width();
  out.height = in.height();
  out.method =
      in.method() == v1::THUMBNAIL_METHOD_CROP ? ThumbnailMethod::kCrop : ThumbnailMethod::kScale;
  out.animated = in.animated();
  return out;
}

void toProto(const Thumbnail& in, v1::Thumbnail& out) {
  out.set_content_type(in.contentType);
  out.set_content(in.bytes);
  out.set_width(in.width);
  out.set_height(in.height);
  out.set_is_original(in.isOriginal);
}

Thumbnail fromProto(const v1::Thumbnail& in) {
  Thumbnail out;
  out.contentType = in.content_type();
  out.bytes = in.content();
  out.width = in.width();
  out.height = in.height();
  out.isOriginal = in.is_original();
  return out;
}

void toProto(const MediaConfig& in, v1::MediaConfig& out) {
  out.set_max_upload_bytes(in.maxUploadBytes);
}

MediaConfig fromProto(const v1::MediaConfig& in) {
  MediaConfig out;
  out.maxUploadBytes = in.max_upload_bytes();
  return out;
}

}  // namespace plexus::media::convert
