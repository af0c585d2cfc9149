// FederationSenderService: the in-process FederationSenderApi. Outbound requests are signed and
// sent through a FederationRequester (outbound_requests.cc); locally originated PDUs taken from
// the roomserver.output bus topic and EDUs from performSendEdu are persisted in one queue per
// destination and delivered by DestinationQueues (destination_queues.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "federationsender/api/federation_sender_api.h"
#include "federationsender/impl/destination_queues.h"
#include "federationsender/impl/federation_sender_options.h"
#include "federationsender/impl/room_servers.h"
#include "federationsender/impl/sender_stats.h"
#include "federationsender/storage/sql_federation_sender_store.h"
#include "plexus/bus/bus.h"
#include "plexus/federation/federation_requester.h"
#include "plexus/storage/database.h"
#include "roomserver/api/output.h"
#include "roomserver/api/roomserver_api.h"

namespace plexus::federationsender {

class FederationSenderService final : public FederationSenderApi {
 public:
  // Migrates the store. `db`, `bus`, `requester` and `roomserver` must outlive the service; the
  // server name is requester.ourServerName(). Errors: the migration's.
  static Result<std::unique_ptr<FederationSenderService>> create(
      storage::Database& db, bus::Bus& bus, federation::FederationRequester& requester,
      roomserver::RoomserverApi& roomserver, FederationSenderOptions options = {});
  // The same with any source of a room's joined servers (tests, or a roomserver reached
  // another way).
  static Result<std::unique_ptr<FederationSenderService>> create(
      storage::Database& db, bus::Bus& bus, federation::FederationRequester& requester,
      std::unique_ptr<RoomServers> rooms, FederationSenderOptions options = {});
  ~FederationSenderService() override;
  FederationSenderService(const FederationSenderService&) = delete;
  FederationSenderService& operator=(const FederationSenderService&) = delete;

  // Resumes the persisted queues (their backoff included), starts the workers and subscribes
  // to roomserver.output. Errors: storage or bus errors.
  Status start();
  // Unsubscribes and joins the workers (waits at most for the transactions in flight); queued
  // rows stay for the next start().
  void stop();

  // The roomserver.output consumer (public so a composition root or test can feed it): queues
  // every new event sent by one of our users for the servers of the room's joined members and,
  // for a membership change other than an invite, the server of its state_key. Idempotent.
  Status inputRoomEvents(const std::vector<roomserver::OutputRoomEvent>& outputs);
  // `destination` talked to us (an authenticated inbound request): end its backoff and drain
  // its queue. Outbound requests that succeed do the same by themselves.
  void noteDestinationAlive(const std::string& destination);
  // A snapshot of every destination's queue and delivery counters.
  Result<SenderStats> stats();
  const std::string& serverName() const { return requester_.ourServerName(); }

  // FederationSenderApi
  Result<MakeMembershipResponse> performMakeJoin(
      const CallContext& ctx, const std::string& destination, const std::string& roomId,
      const std::string& userId, const std::vector<std::string>& supportedVersions) override;
  Result<SendJoinResponse> performSendJoin(const CallContext& ctx, const std::string& destination,
                                           const SendJoinRequest& request) override;
  Result<MakeMembershipResponse> performMakeLeave(const CallContext& ctx,
                                                  const std::string& destination,
                                                  const std::string& roomId,
                                                  const std::string& userId) override;
  Status performSendLeave(const CallContext& ctx, const std::string& destination,
                          const std::string& roomId, const std::string& eventId,
                          const json::Object& event) override;
  Result<MakeMembershipResponse> performMakeKnock(
      const CallContext& ctx, const std::string& destination, const std::string& roomId,
      const std::string& userId, const std::vector<std::string>& supportedVersions) override;
  Result<std::vector<json::Object>> performSendKnock(const CallContext& ctx,
                                                     const std::string& destination,
                                                     const std::string& roomId,
                                                     const std::string& eventId,
                                                     const json::Object& event) override;
  Result<json::Object> performSendInvite(const CallContext& ctx, const std::string& destination,
                                         const SendInviteRequest& request) override;
  Result<std::vector<json::Object>> queryMissingEvents(
      const CallContext& ctx, const std::string& destination,
      const MissingEventsRequest& request) override;
  Result<StateIdsResponse> queryStateIds(const CallContext& ctx, const std::string& destination,
                                         const std::string& roomId,
                                         const std::string& eventId) override;
  Result<StateResponse> queryState(const CallContext& ctx, const std::string& destination,
                                   const std::string& roomId, const std::string& eventId) override;
  Result<json::Object> queryEvent(const CallContext& ctx, const std::string& destination,
                                  const std::string& eventId) override;
  Result<std::vector<json::Object>> queryEventAuth(const CallContext& ctx,
                                                   const std::string& destination,
                                                   const std::string& roomId,
                                                   const std::string& eventId) override;
  Result<std::vector<json::Object>> queryBackfill(const CallContext& ctx,
                                                  const std::string& destination,
                                                  const BackfillRequest& request) override;
  Result<json::Object> queryProfile(const CallContext& ctx, const std::string& destination,
                                    const std::string& userId,
                                    const std::optional<std::string>& field) override;
  Result<DirectoryResponse> queryDirectory(const CallContext& ctx, const std::string& destination,
                                           const std::string& roomAlias) override;
  Result<json::Object> queryUserDevices(const CallContext& ctx, const std::string& destination,
                                        const std::string& userId) override;
  Result<json::Object> queryUserKeys(const CallContext& ctx, const std::string& destination,
                                     const json::Object& deviceKeys) override;
  Result<json::Object> performClaimKeys(const CallContext& ctx, const std::string& destination,
                                        const json::Object& oneTimeKeys) override;
  Result<json::Object> queryPublicRooms(const CallContext& ctx, const std::string& destination,
                                        const json::Object& request) override;
  Status performSendEdu(const CallContext& ctx, const std::vector<std::string>& destinations,
                        const Edu& edu) override;
  // (media_download.cc)
  Result<RemoteMediaFile> queryMediaDownload(const CallContext& ctx, const std::string& destination,
                                             const std::string& mediaId,
                                             std::int64_t maxBytes) override;
  Result<RemoteMediaFile> queryMediaThumbnail(const CallContext& ctx,
                                              const std::string& destination,
                                              const MediaThumbnailQuery& query,
                                              std::int64_t maxBytes) override;

 private:
  FederationSenderService(storage::Database& db, bus::Bus& bus,
                          federation::FederationRequester& requester,
                          std::unique_ptr<RoomServers> rooms, FederationSenderOptions options);

  // Sends one signed request and returns the answer; a success ends the destination's backoff.
  // The timeout is what is left of ctx.deadline, or `defaultTimeoutMs` without one.
  // Errors: kInvalidParam (no destination, or our own name), kUnavailable (deadline passed),
  // the requester's.
  Result<json::Value> call(const CallContext& ctx, const std::string& destination,
                           std::string_view method, const std::string& uri, const json::Value* body,
                           std::int64_t defaultTimeoutMs);

  // A signed (or, for the deprecated media endpoints, unsigned) GET whose 2xx answer comes
  // back unparsed; a success ends the destination's backoff. Timeout as call(), with
  // options_.mediaTimeoutMs without a deadline. Errors as call().
  Result<federation::OutboundResponse> callRaw(const CallContext& ctx,
                                               const std::string& destination,
                                               const std::string& uri, std::size_t maxResponseBytes,
                                               bool sign);
  // GET `uri` (federation media), falling back to `legacyUri` on kUnrecognized; follows a
  // Location once. Errors: see queryMediaDownload.
  Result<RemoteMediaFile> fetchMedia(const CallContext& ctx, const std::string& destination,
                                     const std::string& uri, const std::string& legacyUri,
                                     std::int64_t maxBytes);

  storage::Database& db_;
  bus::Bus& bus_;
  federation::FederationRequester& requester_;
  std::unique_ptr<RoomServers> rooms_;
  FederationSenderOptions options_;
  SqlFederationSenderStore store_;
  DestinationQueues queues_;
  std::vector<std::unique_ptr<bus::Subscription>> subscriptions_;
};

}  // namespace plexus::federationsender
