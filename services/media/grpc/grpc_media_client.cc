// GrpcMediaClient (grpc_media_client.h).
#include "media/grpc/grpc_media_client.h"

#include <grpcpp/client_context.h>

#include <string>

#include "media/grpc/convert.h"
#include "plexus/grpcutil/call_context.h"
#include "plexus/grpcutil/status.h"

namespace plexus::media {
namespace {

using Stub = v1::MediaService::StubInterface;

// One unary call made on behalf of `ctx`: the response, or the Error the server (or the
// transport) reported.
template <typename Request, typename Response>
Result<Response> call(Stub& stub, const CallContext& ctx,
                      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                      const Request& request) {
  grpc::ClientContext client;
  grpcutil::applyCallContext(ctx, client);
  Response response;
  grpc::Status status = (stub.*method)(&client, request, &response);
  if (!status.ok()) return grpcutil::fromGrpcStatus(status, client);
  return response;
}

}  // namespace

GrpcMediaClient::GrpcMediaClient(const std::shared_ptr<grpc::ChannelInterface>& channel)
    : stub_(v1::MediaService::NewStub(channel)) {}

GrpcMediaClient::GrpcMediaClient(std::unique_ptr<v1::MediaService::StubInterface> stub)
    : stub_(std::move(stub)) {}

Result<UploadResult> GrpcMediaClient::performUpload(const CallContext& ctx,
                                                    const UploadRequest& request) {
  v1::PerformUploadRequest req;
  convert::toProto(request, *req.mutable_upload());
  PLEXUS_TRY(auto resp, call(*stub_, ctx, &Stub::PerformUpload, req));
  return convert::fromProto(resp);
}

Result<CreatedMedia> GrpcMediaClient::performCreate(const CallContext& ctx,
                                                    std::string_view uploaderUserId) {
  v1::PerformCreateRequest req;
  req.set_uploader_user_id(std::string(uploaderUserId));
  PLEXUS_TRY(auto resp, call(*stub_, ctx, &Stub::PerformCreate, req));
  return convert::fromProto(resp);
}

Status GrpcMediaClient::performUploadTo(const CallContext& ctx, std::string_view serverName,
                                        std::string_view mediaId, const UploadRequest& request) {
  v1::PerformUploadToRequest req;
  req.set_server_name(std::string(serverName));
  req.set_media_id(std::string(mediaId));
  convert::toProto(request, *req.mutable_upload());
  PLEXUS_TRY_VOID(call(*stub_, ctx, &Stub::PerformUploadTo, req));
  return {};
}

Result<MediaContent> GrpcMediaClient::queryMedia(const CallContext& ctx,
                                                 std::string_view serverName,
                                                 std::string_view mediaId, std::int64_t maxWaitMs) {
  v1::QueryMediaRequest req;
  req.set_server_name(std::string(serverName));
  req.set_media_id(std::string(mediaId));
  req.set_max_wait_ms(maxWaitMs);
  PLEXUS_TRY(auto resp, call(*stub_, ctx, &Stub::QueryMedia, req));
  return convert::fromProto(resp);
}

Result<MediaMetadata> GrpcMediaClient::queryMetadata(const CallContext& ctx,
                                                     std::string_view serverName,
                                                     std::string_view mediaId) {
  v1::QueryMetadataRequest req;
  req.set_server_name(std::string(serverName));
  req.set_media_id(std::string(mediaId));
  PLEXUS_TRY(auto resp, call(*stub_, ctx, &Stub::QueryMetadata, req));
  return convert::fromProto(resp);
}

Result<Thumbnail> GrpcMediaClient::queryThumbnail(const CallContext& ctx,
                                                  const ThumbnailRequest& request) {
  v1::ThumbnailRequest req;
  convert::toProto(request, req);
  PLEXUS_TRY(auto resp, call(*stub_, ctx, &Stub::QueryThumbnail, req));
  return convert::fromProto(resp);
}

MediaConfig GrpcMediaClient::queryConfig(const CallContext& ctx) {
  auto resp = call(*stub_, ctx, &Stub::QueryConfig, v1::QueryConfigRequest{});
  std::lock_guard lock(configMu_);
  if (resp.ok()) lastConfig_ = convert::fromProto(*resp);
  return lastConfig_.value_or(MediaConfig{});
}

}  // namespace plexus::media
