// ShardedFederationSender: the federation sender of the cluster as callers see it — one
// FederationSenderApi in front of N shards, each destination server handled by exactly one
// shard (shard_hash.h), which keeps that destination's queue, transactions and backoff. Calls
// about one destination go to its shard; an EDU for several is split by shard.
#pragma once

#include <vector>

#include "federationsender/api/federation_sender_api.h"

namespace plexus::node {

class ShardedFederationSender final : public federationsender::FederationSenderApi {
 public:
  // `shards[i]` is shard i; every pointer must outlive this object.
  explicit ShardedFederationSender(std::vector<federationsender::FederationSenderApi*> shards)
      : shards_(std::move(shards)) {}

  federationsender::FederationSenderApi& shardFor(std::string_view destination);

  Result<federationsender::MakeMembershipResponse> performMakeJoin(
      const CallContext& ctx, const std::string& destination, const std::string& roomId,
      const std::string& userId, const std::vector<std::string>& supportedVersions) override {
    return shardFor(destination)
        .performMakeJoin(ctx, destination, roomId, userId, supportedVersions);
  }
  Result<federationsender::SendJoinResponse> performSendJoin(
      const CallContext& ctx, const std::string& destination,
      const federationsender::SendJoinRequest& request) override {
    return shardFor(destination).performSendJoin(ctx, destination, request);
  }
  Result<federationsender::MakeMembershipResponse> performMakeLeave(
      const CallContext& ctx, const std::string& destination, const std::string& roomId,
      const std::string& userId) override {
    return shardFor(destination).performMakeLeave(ctx, destination, roomId, userId);
  }
  Status performSendLeave(const CallContext& ctx, const std::string& destination,
                          const std::string& roomId, const std::string& eventId,
                          const json::Object& event) override {
    return shardFor(destination).performSendLeave(ctx, destination, roomId, eventId, event);
  }
  Result<federationsender::MakeMembershipResponse> performMakeKnock(
      const CallContext& ctx, const std::string& destination, const std::string& roomId,
      const std::string& userId, const std::vector<std::string>& supportedVersions) override {
    return shardFor(destination)
        .performMakeKnock(ctx, destination, roomId, userId, supportedVersions);
  }
  Result<std::vector<json::Object>> performSendKnock(const CallContext& ctx,
                                                     const std::string& destination,
                                                     const std::string& roomId,
                                                     const std::string& eventId,
                                                     const json::Object& event) override {
    return shardFor(destination).performSendKnock(ctx, destination, roomId, eventId, event);
  }
  Result<json::Object> performSendInvite(
      const CallContext& ctx, const std::string& destination,
      const federationsender::SendInviteRequest& request) override {
    return shardFor(destination).performSendInvite(ctx, destination, request);
  }
  Result<std::vector<json::Object>> queryMissingEvents(
      const CallContext& ctx, const std::string& destination,
      const federationsender::MissingEventsRequest& request) override {
    return shardFor(destination).queryMissingEvents(ctx, destination, request);
  }
  Result<federationsender::StateIdsResponse> queryStateIds(const CallContext& ctx,
                                                           const std::string& destination,
                                                           const std::string& roomId,
                                                           const std::string& eventId) override {
    return shardFor(destination).queryStateIds(ctx, destination, roomId, eventId);
  }
  Result<federationsender::StateResponse> queryState(const CallContext& ctx,
                                                     const std::string& destination,
                                                     const std::string& roomId,
                                                     const std::string& eventId) override {
    return shardFor(destination).queryState(ctx, destination, roomId, eventId);
  }
  Result<json::Object> queryEvent(const CallContext& ctx, const std::string& destination,
                                  const std::string& eventId) override {
    return shardFor(destination).queryEvent(ctx, destination, eventId);
  }
  Result<std::vector<json::Object>> queryEventAuth(const CallContext& ctx,
                                                   const std::string& destination,
                                                   const std::string& roomId,
                                                   const std::string& eventId) override {
    return shardFor(destination).queryEventAuth(ctx, destination, roomId, eventId);
  }
  Result<std::vector<json::Object>> queryBackfill(
      const CallContext& ctx, const std::string& destination,
      const federationsender::BackfillRequest& request) override {
    return shardFor(destination).queryBackfill(ctx, destination, request);
  }
  Result<json::Object> queryProfile(const CallContext& ctx, const std::string& destination,
                                    const std::string& userId,
                                    const std::optional<std::string>& field) override {
    return shardFor(destination).queryProfile(ctx, destination, userId, field);
  }
  Result<federationsender::DirectoryResponse> queryDirectory(
      const CallContext& ctx, const std::string& destination,
      const std::string& roomAlias) override {
    return shardFor(destination).queryDirectory(ctx, destination, roomAlias);
  }
  Result<json::Object> queryUserDevices(const CallContext& ctx, const std::string& destination,
                                        const std::string& userId) override {
    return shardFor(destination).queryUserDevices(ctx, destination, userId);
  }
  Result<json::Object> queryUserKeys(const CallContext& ctx, const std::string& destination,
                                     const json::Object& deviceKeys) override {
    return shardFor(destination).queryUserKeys(ctx, destination, deviceKeys);
  }
  Result<json::Object> performClaimKeys(const CallContext& ctx, const std::string& destination,
                                        const json::Object& oneTimeKeys) override {
    return shardFor(destination).performClaimKeys(ctx, destination, oneTimeKeys);
  }
  Result<json::Object> queryPublicRooms(const CallContext& ctx, const std::string& destination,
                                        const json::Object& request) override {
    return shardFor(destination).queryPublicRooms(ctx, destination, request);
  }
  Result<federationsender::RemoteMediaFile> queryMediaDownload(const CallContext& ctx,
                                                               const std::string& destination,
                                                               const std::string& mediaId,
                                                               std::int64_t maxBytes) override {
    return shardFor(destination).queryMediaDownload(ctx, destination, mediaId, maxBytes);
  }
  Result<federationsender::RemoteMediaFile> queryMediaThumbnail(
      const CallContext& ctx, const std::string& destination,
      const federationsender::MediaThumbnailQuery& query, std::int64_t maxBytes) override {
    return shardFor(destination).queryMediaThumbnail(ctx, destination, query, maxBytes);
  }
  // Each shard gets the destinations it owns; the first error is returned after every shard
  // was tried.
  Status performSendEdu(const CallContext& ctx, const std::vector<std::string>& destinations,
                        const federationsender::Edu& edu) override;

 private:
  std::vector<federationsender::FederationSenderApi*> shards_;
};

}  // namespace plexus::node
