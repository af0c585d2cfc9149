// MediaService's remote media (SPEC: client-server-api "Content repository": media of other
// servers is fetched over federation and cached). Cached items are ordinary rows keyed by the
// remote (server_name, media_id) with the remote's content type and file name; their files and
// thumbnails work as for local media. Concurrent requests for one item in this process share
// one fetch; another process that fetched it too just finds the row taken.
#include <algorithm>
#include <chrono>

#include "media/impl/media_service.h"
#include "plexus/storage/errors.h"

namespace plexus::media {
namespace {

constexpr std::string_view kDefaultContentType = "application/octet-stream";
// Longest a request waits for another request's fetch of the same item without a deadline.
constexpr auto kMaxFlightWait = std::chrono::minutes(5);

bool isClean(std::string_view s) {
  return s.size() <= 255 && std::none_of(s.begin(), s.end(), [](char c) {
           auto u = static_cast<unsigned char>(c);
           return u < 0x20 || u == 0x7f;
         });
}

// A server name's characters (hostname, IPv4, [IPv6], optional :port). The federation layer
// checks the grammar; this keeps junk out of the cache key and the database.
bool isPlausibleServerName(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == ':' || c == '[' || c == ']';
  });
}

// What a client sees when the fetch failed. NOTSPEC: the spec answers 502 (M_TOO_LARGE for
// content over our limit) and 504 for a remote that does not answer; the core error table has
// no 502/504 codes besides M_NOT_YET_UPLOADED, so failures of the remote are 503 M_UNKNOWN and
// oversized content is 413 M_TOO_LARGE.
Error remoteFailure(std::string_view serverName, const Error& error) {
  Error out = error;
  switch (error.code) {
    case ErrorCode::kNotFound:
    case ErrorCode::kUnrecognized:
      out.code = ErrorCode::kNotFound;
      break;
    case ErrorCode::kTooLarge:
    case ErrorCode::kNotYetUploaded:
      break;
    default:
      out.code = ErrorCode::kUnavailable;
      break;
  }
  out.message = "fetching media from " + std::string(serverName) + ": " + error.message;
  return out;
}

}  // namespace

Result<MediaRow> MediaService::loadRemote(const CallContext& ctx, std::string_view serverName,
                                          std::string_view mediaId) {
  if (!isValidMediaId(mediaId) || !isPlausibleServerName(serverName)) {
    return makeError(ErrorCode::kNotFound, "media not found");
  }
  PLEXUS_TRY(auto cached, store_->getMedia(db_, serverName, mediaId));
  if (cached && !cached->pending()) return std::move(*cached);
  RemoteMediaFetcher* fetcher = remoteFetcher_.load();
  if (!fetcher) {
    return makeError(ErrorCode::kNotFound, "media of other servers is not available here");
  }
  if (ctx.expired()) return makeError(ErrorCode::kUnavailable, "deadline passed");

  std::string key(serverName);
  key += '/';
  key += mediaId;
  std::shared_ptr<RemoteFetch> flight;
  bool leader = false;
  {
    std::lock_guard lock(fetchMutex_);
    auto& slot = fetches_[key];
    if (!slot) {
      slot = std::make_shared<RemoteFetch>();
      leader = true;
    }
    flight = slot;
  }
  if (leader) {
    // A fetch that finished between our cache miss and taking the lead has stored it already.
    Status status;
    auto again = store_->getMedia(db_, serverName, mediaId);
    if (!again.ok()) {
      status = std::move(again).takeError();
    } else if (!*again || (*again)->pending()) {
      status = fetchAndStore(ctx, *fetcher, serverName, mediaId);
    }
    {
      std::lock_guard lock(fetchMutex_);
      flight->done = true;
      flight->status = status;
      fetches_.erase(key);
    }
    fetchDone_.notify_all();
    if (!status.ok()) return status.error();
  } else {
    std::unique_lock lock(fetchMutex_);
    auto until = std::min(ctx.deadline, CallContext::Clock::now() + kMaxFlightWait);
    if (!fetchDone_.wait_until(lock, until, [&] { return flight->done; })) {
      return makeError(ErrorCode::kUnavailable, "timed out waiting for remote media");
    }
    if (!flight->status.ok()) return flight->status.error();
  }
  PLEXUS_TRY(auto stored, store_->getMedia(db_, serverName, mediaId));
  if (!stored || stored->pending()) return makeError(ErrorCode::kNotFound, "media not found");
  return std::move(*stored);
}

Status MediaService::fetchAndStore(const CallContext& ctx, RemoteMediaFetcher& fetcher,
                                   std::string_view serverName, std::string_view mediaId) {
  auto fetched = fetcher.fetchRemoteMedia(ctx, serverName, mediaId, options_.maxUploadBytes);
  if (!fetched.ok()) return remoteFailure(serverName, fetched.error());
  // The port promises the limit; the cache does not trust it.
  if (static_cast<std::int64_t>(fetched->bytes.size()) > options_.maxUploadBytes) {
    return makeError(ErrorCode::kTooLarge, "remote media is over the limit of " +
                                               std::to_string(options_.maxUploadBytes) + " bytes");
  }
  PLEXUS_TRY(std::string sha, files_.put(fetched->bytes));
  MediaRow row;
  row.serverName = std::string(serverName);
  row.mediaId = std::string(mediaId);
  // The remote's metadata, when it is something we would accept on upload.
  row.contentType = !fetched->contentType.empty() && isClean(fetched->contentType)
                        ? fetched->contentType
                        : std::string(kDefaultContentType);
  if (fetched->fileName && isClean(*fetched->fileName)) row.fileName = fetched->fileName;
  row.sizeBytes = static_cast<std::int64_t>(fetched->bytes.size());
  row.sha256 = std::move(sha);
  row.createdMs = nowMs();
  row.uploadedMs = row.createdMs;
  Status inserted = store_->insertMedia(db_, row);
  // Another process cached the same item meanwhile: theirs serves as well.
  if (!inserted.ok() && !storage::isUniqueViolation(inserted.error())) return inserted.error();
  return {};
}

}  // namespace plexus::media
