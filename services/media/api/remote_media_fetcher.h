// RemoteMediaFetcher: the port through which the media service fetches media that lives on
// another server (mxc://<remote>/<id>). The media service owns caching and single flight; the
// port only moves bytes. The node implements it over the federation sender
// (services/node/root/adapters.h), so media does not depend on the sender.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "plexus/core/call_context.h"
#include "plexus/core/result.h"

namespace plexus::media {

// A media item as its origin server serves it.
struct RemoteMedia {
  std::string contentType;              // empty: unknown
  std::optional<std::string> fileName;  // from the remote's Content-Disposition
  std::string bytes;
};

class RemoteMediaFetcher {
 public:
  virtual ~RemoteMediaFetcher() = default;

  // The content of mxc://{serverName}/{mediaId}, at most `maxBytes`, within ctx.deadline.
  // Errors: kNotFound (the remote has no such media), kTooLarge (over maxBytes),
  // kUnavailable (unreachable, timed out, remote failure), or another remote errcode.
  // Thread-safe; may block for the length of a federation request.
  virtual Result<RemoteMedia> fetchRemoteMedia(const CallContext& ctx, std::string_view serverName,
                                               std::string_view mediaId, std::int64_t maxBytes) = 0;
};

}  // namespace plexus::media
