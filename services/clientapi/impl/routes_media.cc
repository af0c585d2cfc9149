// Content-repository routes (SPEC: client-server-api "Content repository",
// data/api/client-server/content-repo.yaml and authed-content-repo.yaml): upload, async
// create + upload, download, thumbnail, config; preview_url answers a clean error.
#include <algorithm>

#include "clientapi/impl/media_routes.h"
#include "media/api/content_disposition.h"
#include "media/api/media_api.h"

namespace plexus::clientapi {
namespace {

// SPEC: content_repo.md "Content repository" — the recommended policy for served media.
constexpr std::string_view kContentSecurityPolicy =
    "sandbox; default-src 'none'; script-src 'none'; plugin-types application/pdf; "
    "style-src 'unsafe-inline'; object-src 'self';";
// Longest a download waits for an asynchronous upload (it holds a worker thread meanwhile).
constexpr std::int64_t kMaxWaitMs = 20'000;

http::Response mediaResponse(std::string bytes, std::string contentType,
                             std::string_view fileName) {
  http::Response response;
  response.status = 200;
  response.headers.set("Content-Disposition", media::contentDisposition(contentType, fileName));
  response.headers.set("Content-Security-Policy", kContentSecurityPolicy);
  // SPEC: content_repo.md (added in v1.4) — lets web clients use restricted APIs.
  response.headers.set("Cross-Origin-Resource-Policy", "cross-origin");
  response.contentType = std::move(contentType);
  response.body = std::move(bytes);
  return response;
}

http::Response upload(media::MediaApi& media, const http::Request& request, const Requester& who) {
  media::UploadRequest up;
  up.uploaderUserId = who.userId;
  if (auto type = request.headers.get("Content-Type")) up.contentType = std::string(*type);
  if (auto name = request.query.get("filename")) up.fileName = std::string(*name);
  up.bytes = request.body;
  auto done = media.performUpload(callContext(request), up);
  if (!done.ok()) return errorResponse(done.error());
  return jsonOk(json::Object{{"content_uri", json::Value(done->contentUri)}});
}

http::Response uploadTo(media::MediaApi& media, const http::Request& request, const Requester& who) {
  media::UploadRequest up;
  up.uploaderUserId = who.userId;
  if (auto type = request.headers.get("Content-Type")) up.contentType = std::string(*type);
  if (auto name = request.query.get("filename")) up.fileName = std::string(*name);
  up.bytes = request.body;
  Status done = media.performUploadTo(callContext(request), request.param("serverName"),
                                      request.param("mediaId"), up);
  if (!done.ok()) return errorResponse(done.error());
  return jsonOk(json::Object{});
}

http::Response create(media::MediaApi& media, const http::Request& request, const Requester& who) {
  auto created = media.performCreate(callContext(request), who.userId);
  if (!created.ok()) return errorResponse(created.error());
  return jsonOk(json::Object{{"content_uri", json::Value(created->contentUri)},
                             {"unused_expires_at", json::Value(created->unusedExpiresAtMs)}});
}

Result<std::int64_t> waitMs(const http::Request& request) {
  PLEXUS_TRY(auto timeout, queryInt(request, "timeout_ms"));
  // SPEC: content-repo.yaml — timeout_ms defaults to 20 seconds.
  return std::clamp<std::int64_t>(timeout.value_or(kMaxWaitMs), 0, kMaxWaitMs);
}

// SPEC: content-repo.yaml `allow_remote=false` — do not fetch media of other servers (the
// caller is probably another server; prevents fetch loops). Honoured on every media route.
bool remoteRefused(const ClientApiDeps& deps, const http::Request& request) {
  return request.query.get("allow_remote") == "false" &&
         request.param("serverName") != deps.config.serverName;
}

http::Response download(media::MediaApi& media, const http::Request& request) {
  auto wait = waitMs(request);
  if (!wait.ok()) return errorResponse(wait.error());
  auto content = media.queryMedia(callContext(request), request.param("serverName"),
                                  request.param("mediaId"), *wait);
  if (!content.ok()) return errorResponse(content.error());
  // SPEC: download/{fileName} — the name in the path overrides the uploaded one.
  std::string fileName(request.param("fileName"));
  if (fileName.empty()) fileName = content->metadata.fileName.value_or("");
  return mediaResponse(std::move(content->bytes), content->metadata.contentType, fileName);
}

http::Response thumbnail(media::MediaApi& media, const http::Request& request) {
  auto width = queryInt(request, "width");
  if (!width.ok()) return errorResponse(width.error());
  auto height = queryInt(request, "height");
  if (!height.ok()) return errorResponse(height.error());
  if (!*width || !*height) {
    return errorResponse(makeError(ErrorCode::kMissingParam, "width and height are required"));
  }
  auto animated = queryBool(request, "animated");
  if (!animated.ok()) return errorResponse(animated.error());
  media::ThumbnailRequest t;
  t.serverName = std::string(request.param("serverName"));
  t.mediaId = std::string(request.param("mediaId"));
  // Out-of-range sizes become 0 and are refused by the service.
  t.width = static_cast<std::int32_t>(std::clamp<std::int64_t>(**width, 0, 1 << 16));
  t.height = static_cast<std::int32_t>(std::clamp<std::int64_t>(**height, 0, 1 << 16));
  t.animated = animated->value_or(false);
  if (auto method = request.query.get("method")) {
    auto parsed = media::parseThumbnailMethod(*method);
    if (!parsed) {
      return errorResponse(makeError(ErrorCode::kInvalidParam, "method must be crop or scale"));
    }
    t.method = *parsed;
  }
  auto thumb = media.queryThumbnail(callContext(request), t);
  if (!thumb.ok()) return errorResponse(thumb.error());
  std::string ext = thumb->contentType == "image/jpeg" ? "jpg" : "png";
  return mediaResponse(std::move(thumb->bytes), thumb->contentType, "thumbnail." + ext);
}

http::Response config(media::MediaApi& media, const http::Request& request) {
  media::MediaConfig c = media.queryConfig(callContext(request));
  return jsonOk(json::Object{{"m.upload.size", json::Value(c.maxUploadBytes)}});
}

// NOTSPEC: URL previews need outbound HTTP to arbitrary hosts (SSRF protection, HTML parsing);
// out of scope for now, so the endpoint answers a clean 403 instead of a preview.
http::Response previewUrl(const http::Request& /*request*/) {
  return errorResponse(makeError(ErrorCode::kForbidden, "URL previews are disabled on this server"));
}

}  // namespace

void registerMediaRoutes(http::Router& router, ClientApiDeps& deps, media::MediaApi& media) {
  // SPEC: r0 is the pre-v1.1 name of v3 for the media prefix too.
  router.restrictParam("version", {"r0", "v3"});
  media::MediaApi* m = &media;
  const ClientApiDeps* d = &deps;
  auto notHere = [] {
    return errorResponse(
        makeError(ErrorCode::kNotFound, "remote media not requested (allow_remote=false)"));
  };
  const RouteOptions guests{.allowGuests = true};
  const RouteOptions reads{.allowGuests = true, .rateLimited = false};

  // ---- Upload (still under /_matrix/media; suspended users upload nothing) ----
  // Bodies up to the media service's upload limit on these routes only; larger ones get 413
  // M_TOO_LARGE from the HTTP server before they are read.
  const std::int64_t maxUpload = media.queryConfig(CallContext{}).maxUploadBytes;
  const RouteOptions uploads{
      .refusedWhileSuspended = true,
      .maxBodyBytes = static_cast<std::size_t>(std::max<std::int64_t>(maxUpload, 1))};
  addAuthedRoute(router, deps, "POST", "/_matrix/media/{version}/upload",
                 [m](const http::Request& r, const Requester& who) { return upload(*m, r, who); },
                 uploads);
  addAuthedRoute(router, deps, "POST", "/_matrix/media/v1/create",
                 [m](const http::Request& r, const Requester& who) { return create(*m, r, who); },
                 {.refusedWhileSuspended = true});  // no content: the general body limit
  addAuthedRoute(router, deps, "PUT", "/_matrix/media/{version}/upload/{serverName}/{mediaId}",
                 [m](const http::Request& r, const Requester& who) { return uploadTo(*m, r, who); },
                 uploads);

  // ---- Authenticated media (SPEC: authed-content-repo.yaml, v1.11) ----
  auto authedDownload = [m, d, notHere](const http::Request& r, const Requester&) {
    return remoteRefused(*d, r) ? notHere() : download(*m, r);
  };
  addAuthedRoute(router, deps, "GET", "/_matrix/client/v1/media/download/{serverName}/{mediaId}",
                 authedDownload, reads);
  addAuthedRoute(router, deps, "GET",
                 "/_matrix/client/v1/media/download/{serverName}/{mediaId}/{fileName}",
                 authedDownload, reads);
  addAuthedRoute(
      router, deps, "GET", "/_matrix/client/v1/media/thumbnail/{serverName}/{mediaId}",
      [m, d, notHere](const http::Request& r, const Requester&) {
        return remoteRefused(*d, r) ? notHere() : thumbnail(*m, r);
      },
      reads);
  addAuthedRoute(router, deps, "GET", "/_matrix/client/v1/media/config",
                 [m](const http::Request& r, const Requester&) { return config(*m, r); }, guests);
  addAuthedRoute(router, deps, "GET", "/_matrix/client/v1/media/preview_url",
                 [](const http::Request& r, const Requester&) { return previewUrl(r); }, guests);

  // ---- Legacy unauthenticated media (deprecated in v1.11) ----
  // NOTSPEC: not frozen yet (SPEC: content_repo.md suggests refusing media uploaded after a
  // freeze on these paths); clients that predate authenticated media still use them.
  auto openDownload = [m, d, notHere](const http::Request& r) {
    return remoteRefused(*d, r) ? notHere() : download(*m, r);
  };
  addOpenRoute(router, deps, "GET", "/_matrix/media/{version}/download/{serverName}/{mediaId}",
               openDownload);
  addOpenRoute(router, deps, "GET",
               "/_matrix/media/{version}/download/{serverName}/{mediaId}/{fileName}", openDownload);
  addOpenRoute(router, deps, "GET", "/_matrix/media/{version}/thumbnail/{serverName}/{mediaId}",
               [m, d, notHere](const http::Request& r) {
                 return remoteRefused(*d, r) ? notHere() : thumbnail(*m, r);
               });
  addAuthedRoute(router, deps, "GET", "/_matrix/media/{version}/config",
                 [m](const http::Request& r, const Requester&) { return config(*m, r); }, guests);
  addAuthedRoute(router, deps, "GET", "/_matrix/media/{version}/preview_url",
                 [](const http::Request& r, const Requester&) { return previewUrl(r); }, guests);
}

}  // namespace plexus::clientapi
