// GrpcMediaService: the server half of the media service's gRPC binding. Adapts any MediaApi
// (normally the in-process MediaService) to the generated plexus.media.v1.MediaService: each
// RPC converts its request, calls the implementation with the caller's deadline, trace ID and
// caller, and answers the result or the Error (errcode in trailing metadata, grpcutil).
// Register it with a grpc::ServerBuilder (after grpcutil::configureServerBuilder). Thread-safe
// when the MediaApi is.
#pragma once

#include "media/api/media_api.h"
#include "plexus/media/v1/media.grpc.pb.h"

namespace plexus::media {

class GrpcMediaService final : public v1::MediaService::Service {
 public:
  // `api` must outlive the server this service is registered with.
  explicit GrpcMediaService(MediaApi& api) : api_(api) {}

  // v1::MediaService::Service
  grpc::Status PerformUpload(grpc::ServerContext* server, const v1::PerformUploadRequest* request,
                             v1::UploadResult* response) override;
  grpc::Status PerformCreate(grpc::ServerContext* server, const v1::PerformCreateRequest* request,
                             v1::CreatedMedia* response) override;
  grpc::Status PerformUploadTo(grpc::ServerContext* server,
                               const v1::PerformUploadToRequest* request,
                               v1::PerformUploadToResponse* response) override;
  grpc::Status QueryMedia(grpc::ServerContext* server, const v1::QueryMediaRequest* request,
                          v1::MediaContent* response) override;
  grpc::Status QueryMetadata(grpc::ServerContext* server, const v1::QueryMetadataRequest* request,
                             v1::MediaMetadata* response) override;
  grpc::Status QueryThumbnail(grpc::ServerContext* server, const v1::ThumbnailRequest* request,
                              v1::Thumbnail* response) override;
  grpc::Status QueryConfig(grpc::ServerContext* server, const v1::QueryConfigRequest* request,
                           v1::MediaConfig* response) override;

 private:
  MediaApi& api_;
};

}  // namespace plexus::media
