// ShardedFederationSender (sharded_federation_sender.h).
#include "root/sharded_federation_sender.h"

#include "root/shard_hash.h"

namespace plexus::node {

federationsender::FederationSenderApi& ShardedFederationSender::shardFor(
    std::string_view destination) {
  return *shards_[shardOf(destination, shards_.size())];
}

Status ShardedFederationSender::performSendEdu(const CallContext& ctx,
                                               const std::vector<std::string>& destinations,
                                               const federationsender::Edu& edu) {
  std::vector<std::vector<std::string>> split(shards_.size());
  for (const auto& d : destinations) split[shardOf(d, shards_.size())].push_back(d);
  Status first;
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    if (split[i].empty()) continue;
    Status sent = shards_[i]->performSendEdu(ctx, split[i], edu);
    if (!sent.ok() && first.ok()) first = sent;
  }
  return first;
}

}  // namespace plexus::node
