// SqlFederationSenderStore: FederationSenderStore over plexus::storage (one SQL text for SQLite
// and PostgreSQL). Stateless and thread-safe; methods run on the Executor they are given.
#pragma once

#include "federationsender/storage/federation_sender_store.h"

namespace plexus::federationsender {

class SqlFederationSenderStore final : public FederationSenderStore {
 public:
  // FederationSenderStore
  Status migrate(storage::Database& db) override;
  Status enqueuePdu(Executor& ex, std::string_view destination, std::string_view roomId,
                    std::string_view eventId, std::string_view pduJson,
                    std::int64_t nowMs) override;
  Status enqueueEdu(Executor& ex, std::string_view destination, std::string_view type,
                    std::string_view contentJson, std::int64_t nowMs) override;
  Result<std::vector<std::string>> destinationsWithWork(Executor& ex) override;
  Result<std::optional<StoredTransaction>> openTransaction(Executor& ex,
                                                           std::string_view destination) override;
  Result<StoredTransaction> claimTransaction(Executor& ex, std::string_view destination,
                                             std::string_view txnId, std::int64_t originServerTs,
                                             std::size_t maxPdus, std::size_t maxEdus) override;
  Status ackTransaction(Executor& ex, std::string_view destination,
                        std::string_view txnId) override;
  Result<QueueDepth> queueDepth(Executor& ex, std::string_view destination) override;
  Result<std::vector<RoomBacklog>> roomBacklogs(Executor& ex,
                                                std::string_view destination) override;
  Result<std::int64_t> collapseRoom(Executor& ex, std::string_view destination,
                                    std::string_view roomId, std::int64_t keepLatest) override;
  Result<std::optional<DestinationState>> destinationState(Executor& ex,
                                                           std::string_view destination) override;
  Result<std::vector<DestinationState>> destinationStates(Executor& ex) override;
  Status setDestinationState(Executor& ex, const DestinationState& state) override;
};

}  // namespace plexus::federationsender
