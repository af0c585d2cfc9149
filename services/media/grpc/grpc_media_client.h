// GrpcMediaClient: MediaApi over gRPC — the client half of the media service's gRPC binding.
// Each call becomes one unary RPC with the CallContext's deadline, trace ID and caller; a failed
// RPC returns the server's Error unchanged (same ErrorCode, errcode and message), and transport
// failures are kUnavailable (libs/grpcutil status.h). Thread-safe, like the channel.
#pragma once

#include <grpcpp/channel.h>

#include <memory>
#include <mutex>
#include <optional>

#include "media/api/media_api.h"
#include "plexus/media/v1/media.grpc.pb.h"

namespace plexus::media {

class GrpcMediaClient final : public MediaApi {
 public:
  // Talks to the media service behind `channel` (e.g. grpcutil::makeInsecureChannel, which
  // raises gRPC's 4 MiB message limit to fit uploads).
  explicit GrpcMediaClient(const std::shared_ptr<grpc::ChannelInterface>& channel);
  // Over any stub (tests).
  explicit GrpcMediaClient(std::unique_ptr<v1::MediaService::StubInterface> stub);

  // MediaApi
  Result<UploadResult> performUpload(const CallContext& ctx, const UploadRequest& request) override;
  Result<CreatedMedia> performCreate(const CallContext& ctx,
                                     std::string_view uploaderUserId) override;
  Status performUploadTo(const CallContext& ctx, std::string_view serverName,
                         std::string_view mediaId, const UploadRequest& request) override;
  Result<MediaContent> queryMedia(const CallContext& ctx, std::string_view serverName,
                                  std::string_view mediaId, std::int64_t maxWaitMs) override;
  Result<MediaMetadata> queryMetadata(const CallContext& ctx, std::string_view serverName,
                                      std::string_view mediaId) override;
  Result<Thumbnail> queryThumbnail(const CallContext& ctx,
                                   const ThumbnailRequest& request) override;
  // MediaApi says this never fails: when the RPC does, the last config the server gave is
  // returned (maxUploadBytes 0 before any success).
  MediaConfig queryConfig(const CallContext& ctx) override;

 private:
  std::unique_ptr<v1::MediaService::StubInterface> stub_;
  std::mutex configMu_;
  std::optional<MediaConfig> lastConfig_;
};

}  // namespace plexus::media
