// FederationSenderService::queryMediaDownload / queryMediaThumbnail: fetch another server's
// media over federation, parse the multipart/mixed answer, follow a `Location` once. Servers
// that predate authenticated media (Matrix < 1.11) answer the federation endpoint with 404
// M_UNRECOGNIZED; for them the deprecated GET /_matrix/media/v3/download|thumbnail is tried
// once, unsigned, with allow_remote=false.
#include "federationsender/impl/media_download.h"

#include <algorithm>
#include <chrono>

#include "federationsender/impl/federation_sender_service.h"
#include "federationsender/impl/multipart.h"
#include "plexus/json/parse.h"

namespace plexus::federationsender {
namespace {

using federation::encodeUriComponent;

constexpr std::string_view kDefaultContentType = "application/octet-stream";
// Room for the delimiters, the part headers and the metadata part around the content.
constexpr std::size_t kMultipartOverhead = 64 * 1024;

std::optional<std::string_view> headerOf(const federation::OutboundResponse& response,
                                         std::string_view name) {
  for (const auto& [n, v] : response.headers) {
    if (equalsIgnoreCase(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

Unexpected tooLarge(std::int64_t maxBytes) {
  return fail(ErrorCode::kTooLarge,
              "remote media is over the limit of " + std::to_string(maxBytes) + " bytes");
}

RemoteMediaFile fileOf(std::string_view contentType, std::optional<std::string_view> disposition,
                       std::string_view bytes) {
  RemoteMediaFile file;
  file.contentType =
      contentType.empty() ? std::string(kDefaultContentType) : std::string(contentType);
  if (disposition) file.fileName = dispositionFileName(*disposition);
  file.bytes = std::string(bytes);
  return file;
}

// ms left until the deadline, or `fallback` without one; <= 0 when it has passed.
std::int64_t timeLeftMs(const CallContext& ctx, std::int64_t fallback) {
  if (ctx.deadline == CallContext::Clock::time_point::max()) return fallback;
  return std::chrono::duration_cast<std::chrono::milliseconds>(ctx.deadline -
                                                               CallContext::Clock::now())
      .count();
}

void addQuery(std::string& uri, std::string_view name, std::string_view value) {
  uri.push_back(uri.find('?') == std::string::npos ? '?' : '&');
  uri += name;
  uri.push_back('=');
  uri += encodeUriComponent(value);
}

}  // namespace

Result<MediaAnswer> parseMediaAnswer(std::string_view contentType, std::string_view body,
                                     std::int64_t maxBytes) {
  PLEXUS_TRY(std::string boundary, multipartMixedBoundary(contentType));
  PLEXUS_TRY(auto parts, parseMultipart(body, boundary));
  // SPEC: exactly two parts; a third would be ignored by a lenient reader, so is ours.
  if (parts.size() < 2) return fail(ErrorCode::kBadJson, "multipart answer: fewer than 2 parts");
  if (!json::parseObject(parts[0].body).ok()) {
    return fail(ErrorCode::kBadJson, "multipart answer: the metadata part is not a JSON object");
  }
  const MultipartPart& content = parts[1];
  MediaAnswer out;
  if (auto location = content.header("Location")) {
    if (location->empty()) return fail(ErrorCode::kBadJson, "multipart answer: empty Location");
    out.location = std::string(*location);
    return out;
  }
  if (static_cast<std::int64_t>(content.body.size()) > maxBytes) return tooLarge(maxBytes);
  out.file = fileOf(content.header("Content-Type").value_or(""),
                    content.header("Content-Disposition"), content.body);
  return out;
}

Result<RemoteMediaFile> mediaFromRedirect(RedirectAnswer answer, std::int64_t maxBytes) {
  if (answer.status == 404) return fail(ErrorCode::kNotFound, "media redirect: 404");
  if (answer.status < 200 || answer.status > 299) {
    return fail(ErrorCode::kUnavailable,
                "media redirect answered HTTP " + std::to_string(answer.status));
  }
  if (static_cast<std::int64_t>(answer.body.size()) > maxBytes) return tooLarge(maxBytes);
  RemoteMediaFile file;
  file.contentType =
      answer.contentType.empty() ? std::string(kDefaultContentType) : answer.contentType;
  if (answer.contentDisposition) file.fileName = dispositionFileName(*answer.contentDisposition);
  file.bytes = std::move(answer.body);
  return file;
}

Result<federation::OutboundResponse> FederationSenderService::callRaw(
    const CallContext& ctx, const std::string& destination, const std::string& uri,
    std::size_t maxResponseBytes, bool sign) {
  if (destination.empty()) return fail(ErrorCode::kInvalidParam, "no destination server");
  if (destination == serverName()) {
    return fail(ErrorCode::kInvalidParam, "federation request to our own server name");
  }
  const std::int64_t timeoutMs = timeLeftMs(ctx, options_.mediaTimeoutMs);
  if (timeoutMs <= 0) {
    return fail(ErrorCode::kUnavailable, "deadline passed before the request to " + destination);
  }
  federation::FederationRequester::RawOptions raw;
  raw.maxResponseBytes = maxResponseBytes;
  raw.sign = sign;
  PLEXUS_TRY(auto answer, requester_.requestRaw(destination, "GET", uri, timeoutMs, raw));
  queues_.noteAlive(destination);
  return answer;
}

Result<RemoteMediaFile> FederationSenderService::fetchMedia(const CallContext& ctx,
                                                            const std::string& destination,
                                                            const std::string& uri,
                                                            const std::string& legacyUri,
                                                            std::int64_t maxBytes) {
  if (maxBytes <= 0) return fail(ErrorCode::kInvalidParam, "media size limit must be positive");
  const std::size_t limit = static_cast<std::size_t>(maxBytes) + kMultipartOverhead;
  auto answer = callRaw(ctx, destination, uri, limit, true);
  if (!answer.ok() && answer.error().code == ErrorCode::kUnrecognized) {
    // An older server: the deprecated unauthenticated endpoint.
    PLEXUS_TRY(auto legacy, callRaw(ctx, destination, legacyUri, limit, false));
    if (static_cast<std::int64_t>(legacy.body.size()) > maxBytes) return tooLarge(maxBytes);
    return fileOf(headerOf(legacy, "Content-Type").value_or(""),
                  headerOf(legacy, "Content-Disposition"), legacy.body);
  }
  if (!answer.ok()) return answer.error();
  PLEXUS_TRY(MediaAnswer parsed, parseMediaAnswer(headerOf(*answer, "Content-Type").value_or(""),
                                                  answer->body, maxBytes));
  if (!parsed.location) return std::move(parsed.file);
  const std::int64_t timeoutMs = timeLeftMs(ctx, options_.mediaTimeoutMs);
  if (timeoutMs <= 0) return fail(ErrorCode::kUnavailable, "deadline passed before the redirect");
  static const MediaRedirectFetcher kDefaultFetcher = makeHttpRedirectFetcher();
  const MediaRedirectFetcher& fetch =
      options_.mediaRedirect ? options_.mediaRedirect : kDefaultFetcher;
  PLEXUS_TRY(RedirectAnswer redirected,
             fetch(*parsed.location, timeoutMs, static_cast<std::size_t>(maxBytes)));
  return mediaFromRedirect(std::move(redirected), maxBytes);
}

Result<RemoteMediaFile> FederationSenderService::queryMediaDownload(const CallContext& ctx,
                                                                    const std::string& destination,
                                                                    const std::string& mediaId,
                                                                    std::int64_t maxBytes) {
  const std::string id = encodeUriComponent(mediaId);
  std::string uri = "/_matrix/federation/v1/media/download/" + id;
  std::string legacy = "/_matrix/media/v3/download/" + encodeUriComponent(destination) + "/" + id;
  addQuery(legacy, "allow_remote", "false");
  return fetchMedia(ctx, destination, uri, legacy, maxBytes);
}

Result<RemoteMediaFile> FederationSenderService::queryMediaThumbnail(
    const CallContext& ctx, const std::string& destination, const MediaThumbnailQuery& query,
    std::int64_t maxBytes) {
  if (query.width < 1 || query.height < 1) {
    return fail(ErrorCode::kInvalidParam, "thumbnail width and height must be positive");
  }
  const std::string id = encodeUriComponent(query.mediaId);
  std::string params;
  addQuery(params, "width", std::to_string(query.width));
  addQuery(params, "height", std::to_string(query.height));
  addQuery(params, "method", query.method);
  if (query.animated) addQuery(params, "animated", *query.animated ? "true" : "false");
  std::string uri = "/_matrix/federation/v1/media/thumbnail/" + id + params;
  std::string legacy =
      "/_matrix/media/v3/thumbnail/" + encodeUriComponent(destination) + "/" + id + params;
  addQuery(legacy, "allow_remote", "false");
  return fetchMedia(ctx, destination, uri, legacy, maxBytes);
}

}  // namespace plexus::federationsender
