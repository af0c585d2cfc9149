// The federation media answers (SPEC: server-server-api "Content Repository",
// GET /_matrix/federation/v1/media/download|thumbnail/{mediaId}): a multipart/mixed body whose
// first part is JSON metadata and whose second part is the content or a `Location` to fetch it
// from. Pure parsing here; the requests are FederationSenderService::queryMedia* in
// media_download.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "federationsender/api/federation_sender_api.h"
#include "federationsender/impl/media_redirect.h"
#include "plexus/core/result.h"

namespace plexus::federationsender {

// The second part of the answer: the content, or where to fetch it.
struct MediaAnswer {
  std::optional<std::string> location;  // set: `file` is empty, fetch this URL
  RemoteMediaFile file;
};

// `contentType` is the answer's Content-Type header. Errors: kBadJson when it is not
// multipart/mixed with a boundary, the body does not split, there are fewer than two parts, or
// the first part is not a JSON object; kTooLarge when the content is over `maxBytes`.
Result<MediaAnswer> parseMediaAnswer(std::string_view contentType, std::string_view body,
                                     std::int64_t maxBytes);

// The content served at a redirect's `Location`. Errors: kNotFound for 404, kUnavailable for
// any other non-2xx status, kTooLarge over `maxBytes`.
Result<RemoteMediaFile> mediaFromRedirect(RedirectAnswer answer, std::int64_t maxBytes);

}  // namespace plexus::federationsender
