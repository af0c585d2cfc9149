// GrpcMediaService (grpc_media_service.h).
#include "media/grpc/grpc_media_service.h"

#include "media/grpc/convert.h"
#include "plexus/grpcutil/call_context.h"
#include "plexus/grpcutil/status.h"

namespace plexus::media {
namespace {

// The answer for a call whose result is `result`: OK with the converted value, or the error.
template <typename T, typename Message>
grpc::Status reply(grpc::ServerContext& server, const Result<T>& result, Message& response) {
  if (!result.ok()) return grpcutil::toGrpcStatus(server, result.error());
  convert::toProto(*result, response);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status GrpcMediaService::PerformUpload(grpc::ServerContext* server,
                                             const v1::PerformUploadRequest* request,
                                             v1::UploadResult* response) {
  auto result =
      api_.performUpload(grpcutil::callContextFrom(*server), convert::fromProto(request->upload()));
  return reply(*server, result, *response);
}

grpc::Status GrpcMediaService::PerformCreate(grpc::ServerContext* server,
                                             const v1::PerformCreateRequest* request,
                                             v1::CreatedMedia* response) {
  auto result = api_.performCreate(grpcutil::callContextFrom(*server), request->uploader_user_id());
  return reply(*server, result, *response);
}

grpc::Status GrpcMediaService::PerformUploadTo(grpc::ServerContext* server,
                                               const v1::PerformUploadToRequest* request,
                                               v1::PerformUploadToResponse* /*response*/) {
  auto result = api_.performUploadTo(grpcutil::callContextFrom(*server), request->server_name(),
                                     request->media_id(), convert::fromProto(request->upload()));
  if (!result.ok()) return grpcutil::toGrpcStatus(*server, result.error());
  return grpc::Status::OK;
}

grpc::Status GrpcMediaService::QueryMedia(grpc::ServerContext* server,
                                          const v1::QueryMediaRequest* request,
                                          v1::MediaContent* response) {
  auto result = api_.queryMedia(grpcutil::callContextFrom(*server), request->server_name(),
                                request->media_id(), request->max_wait_ms());
  return reply(*server, result, *response);
}

grpc::Status GrpcMediaService::QueryMetadata(grpc::ServerContext* server,
                                             const v1::QueryMetadataRequest* request,
                                             v1::MediaMetadata* response) {
  auto result = api_.queryMetadata(grpcutil::callContextFrom(*server), request->server_name(),
                                   request->media_id());
  return reply(*server, result, *response);
}

grpc::Status GrpcMediaService::QueryThumbnail(grpc::ServerContext* server,
                                              const v1::ThumbnailRequest* request,
                                              v1::Thumbnail* response) {
  auto result =
      api_.queryThumbnail(grpcutil::callContextFrom(*server), convert::fromProto(*request));
  return reply(*server, result, *response);
}

grpc::Status GrpcMediaService::QueryConfig(grpc::ServerContext* server,
                                           const v1::QueryConfigRequest* /*request*/,
                                           v1::MediaConfig* response) {
  convert::toProto(api_.queryConfig(grpcutil::callContextFrom(*server)), *response);
  return grpc::Status::OK;
}

}  // namespace plexus::media
