// Value types of the media service's contract: upload requests, stored media metadata, the
// content of a download, thumbnails and the media configuration. Plain values, no storage.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plexus::media {

// One upload (POST /upload, or PUT /upload/{serverName}/{mediaId} for an ID from performCreate).
struct UploadRequest {
  std::string uploaderUserId;           // full local Matrix user ID
  std::string contentType;              // empty: "application/octet-stream"
  std::optional<std::string> fileName;  // the client's `filename` query parameter
  std::string bytes;                    // the whole content
};

// What the upload answers: the content URI "mxc://<serverName>/<mediaId>".
struct UploadResult {
  std::string contentUri;
  std::string mediaId;
};

// An ID reserved by POST /_matrix/media/v1/create (asynchronous upload).
struct CreatedMedia {
  std::string contentUri;
  std::string mediaId;
  std::int64_t unusedExpiresAtMs = 0;  // the ID is dropped unless content arrives before this
};

// A thumbnail the service has generated and stored for a media item.
struct ThumbnailInfo {
  std::int32_t width = 0;
  std::int32_t height = 0;
  std::string method;       // "crop" or "scale"
  std::string contentType;  // "image/png" or "image/jpeg"
  std::int64_t sizeBytes = 0;
};

// Everything known about one local media item.
struct MediaMetadata {
  std::string serverName;
  std::string mediaId;
  std::string uploaderUserId;
  std::string contentType;
  std::optional<std::string> fileName;
  std::int64_t sizeBytes = 0;
  std::string sha256;           // lower-case hex of the content; names the file on disk
  std::int64_t createdMs = 0;   // when the content arrived (0 while an async upload is pending)
  std::vector<ThumbnailInfo> thumbnails;
};

// The content of a download: metadata plus the bytes (and where they live on disk).
struct MediaContent {
  MediaMetadata metadata;
  std::string filePath;  // absolute path of the content file
  std::string bytes;
};

enum class ThumbnailMethod : std::uint8_t { kCrop, kScale };

inline std::string_view thumbnailMethodName(ThumbnailMethod m) {
  return m == ThumbnailMethod::kCrop ? "crop" : "scale";
}
// "crop" / "scale"; nullopt for anything else.
inline std::optional<ThumbnailMethod> parseThumbnailMethod(std::string_view name) {
  if (name == "crop") return ThumbnailMethod::kCrop;
  if (name == "scale") return ThumbnailMethod::kScale;
  return std::nullopt;
}

struct ThumbnailRequest {
  std::string serverName;
  std::string mediaId;
  std::int32_t width = 0;   // the minimum size the client wants (> 0)
  std::int32_t height = 0;
  ThumbnailMethod method = ThumbnailMethod::kScale;
  bool animated = false;    // accepted; thumbnails are always still images (first frame)
};

// A thumbnail, or the original content when the image is already smaller than asked
// (SPEC: content_repo.md "Thumbnails" — never upscale, return the original instead).
struct Thumbnail {
  std::string contentType;
  std::string bytes;
  std::int32_t width = 0;
  std::int32_t height = 0;
  bool isOriginal = false;
};

// GET /media/config.
struct MediaConfig {
  std::int64_t maxUploadBytes = 0;  // "m.upload.size"
};

// SPEC: content_repo.md "Security considerations" — media IDs are [A-Za-z0-9_-] only.
inline bool isValidMediaId(std::string_view id) {
  if (id.empty() || id.size() > 255) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace plexus::media
