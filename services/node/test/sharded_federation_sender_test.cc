// ShardedFederationSender: a destination's calls all reach the one shard shard_hash.h names,
// and an EDU for many destinations is split so each shard queues only its own.
#include "root/sharded_federation_sender.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "federationsender/testing/unavailable_federation_sender.h"
#include "root/shard_hash.h"

namespace plexus::node {
namespace {

using federationsender::testing::UnavailableFederationSender;

// Records which destinations reached it.
class RecordingShard final : public UnavailableFederationSender {
 public:
  std::set<std::string> seen;
  Result<json::Object> queryProfile(const CallContext&, const std::string& destination,
                                    const std::string&,
                                    const std::optional<std::string>&) override {
    seen.insert(destination);
    return json::Object{};
  }
  Status performSendEdu(const CallContext&, const std::vector<std::string>& destinations,
                        const federationsender::Edu&) override {
    seen.insert(destinations.begin(), destinations.end());
    return {};
  }
};

TEST(ShardedFederationSenderTest, EachDestinationHasOneShard) {
  RecordingShard a, b, c;
  ShardedFederationSender router({&a, &b, &c});
  std::vector<RecordingShard*> shards{&a, &b, &c};
  std::vector<std::string> servers;
  for (int i = 0; i < 30; ++i) servers.push_back("server" + std::to_string(i) + ".test");
  for (const auto& s : servers) ASSERT_TRUE(router.queryProfile({}, s, "@u:" + s, {}).ok());
  federationsender::Edu edu;
  edu.type = "m.typing";
  ASSERT_TRUE(router.performSendEdu({}, servers, edu).ok());
  std::size_t total = 0;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    for (const auto& s : shards[i]->seen) EXPECT_EQ(shardOf(s, 3), i) << s;
    total += shards[i]->seen.size();
    EXPECT_FALSE(shards[i]->seen.empty()) << "30 servers spread over every shard";
  }
  EXPECT_EQ(total, servers.size());
}

TEST(ShardHashTest, IsStableAcrossBuilds) {
  // Changing the function would move every room and destination to another shard.
  EXPECT_EQ(fnv1a64(""), 14695981039346656037ull);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(shardOf("!room:example.org", 1), 0u);
}

}  // namespace
}  // namespace plexus::node
