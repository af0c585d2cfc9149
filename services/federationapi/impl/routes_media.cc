// Authenticated media for other servers (SPEC: server-server-api "Content Repository"):
// GET /v1/media/download/{mediaId} and /v1/media/thumbnail/{mediaId}, answered as
// multipart/mixed with a JSON metadata part ({}) and the content part.
#include <algorithm>
#include <charconv>
#include <random>
#include <string>

#include "federationapi/impl/route_context.h"
#include "media/api/content_disposition.h"
#include "media/api/media_api.h"

namespace plexus::federationapi {
namespace {

std::string newBoundary() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device random;
  std::string out = "plexus-";
  for (int i = 0; i < 32; ++i) out.push_back(kHex[random() % 16]);
  return out;
}

// SPEC: the first part is the JSON metadata object (empty for now), the second the content.
http::Response multipart(std::string_view contentType, std::string_view fileName,
                         std::string_view bytes) {
  std::string boundary = newBoundary();
  while (bytes.find(boundary) != std::string_view::npos) boundary = newBoundary();
  std::string body;
  body.reserve(bytes.size() + 256);
  body += "--" + boundary + "\r\nContent-Type: application/json\r\n\r\n{}\r\n";
  body += "--" + boundary + "\r\nContent-Type: ";
  body += contentType.empty() ? std::string_view("application/octet-stream") : contentType;
  body += "\r\nContent-Disposition: " + media::contentDisposition(contentType, fileName);
  body += "\r\n\r\n";
  body += bytes;
  body += "\r\n--" + boundary + "--\r\n";
  http::Response response;
  response.body = std::move(body);
  response.contentType = "multipart/mixed; boundary=" + boundary;
  return response;
}

std::optional<std::int64_t> intParam(const http::Request& request, std::string_view name) {
  auto text = request.query.get(name);
  if (!text) return std::nullopt;
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return value;
}

http::Response download(const RouteState& state, const FederationRequest& request) {
  if (!state.deps.media) return errorResponse(ErrorCode::kUnrecognized, "media is not served here");
  std::int64_t waitMs =
      std::clamp<std::int64_t>(intParam(request.http, "timeout_ms").value_or(20000), 0, 60000);
  auto content = state.deps.media->queryMedia(request.ctx, state.deps.serverName,
                                              request.param("mediaId"), waitMs);
  if (!content) return errorResponse(content.error());
  return multipart(content->metadata.contentType, content->metadata.fileName.value_or(""),
                   content->bytes);
}

http::Response thumbnail(const RouteState& state, const FederationRequest& request) {
  if (!state.deps.media) return errorResponse(ErrorCode::kUnrecognized, "media is not served here");
  auto width = intParam(request.http, "width");
  auto height = intParam(request.http, "height");
  if (!width || !height || *width < 1 || *height < 1 || *width > 10000 || *height > 10000)
    return errorResponse(ErrorCode::kInvalidParam, "width and height must be positive integers");
  media::ThumbnailRequest thumb;
  thumb.serverName = state.deps.serverName;
  thumb.mediaId = request.param("mediaId");
  thumb.width = static_cast<std::int32_t>(*width);
  thumb.height = static_cast<std::int32_t>(*height);
  auto method = request.http.query.get("method");
  thumb.method = method == "crop" ? media::ThumbnailMethod::kCrop : media::ThumbnailMethod::kScale;
  thumb.animated = request.http.query.get("animated") == "true";
  auto made = state.deps.media->queryThumbnail(request.ctx, thumb);
  if (!made) return errorResponse(made.error());
  return multipart(made->contentType, "", made->bytes);
}

}  // namespace

void registerMediaRoutes(http::Router& router, RouteState& state) {
  addFederationRoute(router, state, "GET", "/_matrix/federation/v1/media/download/{mediaId}",
                     [&state](const FederationRequest& r) { return download(state, r); });
  addFederationRoute(router, state, "GET", "/_matrix/federation/v1/media/thumbnail/{mediaId}",
                     [&state](const FederationRequest& r) { return thumbnail(state, r); });
}

}  // namespace plexus::federationapi
