// RemoteKeyCache under concurrency: requests that need the keys of a server whose keys another
// request is fetching wait for that one fetch (a burst of events from a new server) instead of
// failing or fetching again; and its refetch throttle, which lets a rotated key through.
#include <thread>
#include <vector>

#include "federation_api_fixture.h"

namespace plexus::federationapi::testing {
namespace {

class RemoteKeyCacheTest : public FederationApiTest {};

TEST_P(RemoteKeyCacheTest, ConcurrentMissesShareOneFetch) {
  fetcher_.delayMs = 150;
  auto server = federation::ServerName::parse(remote_.name);
  ASSERT_TRUE(server.ok());
  const std::vector<std::string> ids{remote_.key.keyId};
  constexpr int kThreads = 8;
  std::vector<Status> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] { results[i] = cache_->ensureKeys(*server, ids, now_); });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) EXPECT_TRUE(results[i].ok()) << results[i].error().message;
  EXPECT_EQ(fetcher_.directCalls, 1);
  EXPECT_TRUE(cache_->keyForRequest(*server, remote_.key.keyId).ok());
}

TEST_P(RemoteKeyCacheTest, AFailedFetchIsNotRepeatedByTheRequestsThatWaitedForIt) {
  fetcher_.delayMs = 100;
  auto unknown = federation::ServerName::parse("nowhere.test");
  ASSERT_TRUE(unknown.ok());
  const std::vector<std::string> ids{"ed25519:x"};
  std::vector<Status> results(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { results[i] = cache_->ensureKeys(*unknown, ids, now_); });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) EXPECT_FALSE(r.ok());
  EXPECT_EQ(fetcher_.directCalls, 1);
}

// A server that rotated its key since we fetched: an event signed with the new key ID is
// verifiable at once (the new ID was not asked for before), but made-up key IDs do not make us
// fetch more than a few times per interval.
TEST_P(RemoteKeyCacheTest, ANewKeyIdIsFetchedWithinTheRetryIntervalAFewTimes) {
  auto server = federation::ServerName::parse(remote_.name);
  ASSERT_TRUE(server.ok());
  const std::string oldId = remote_.key.keyId;
  ASSERT_TRUE(cache_->keyForRequest(*server, oldId).ok());
  EXPECT_EQ(fetcher_.directCalls, 1);

  remote_.key = federation::SigningKeyEntry{"ed25519:remote2", crypto::SigningKey::generate()};
  fetcher_.add(remote_);
  auto rotated = cache_->keyForRequest(*server, "ed25519:remote2");
  ASSERT_TRUE(rotated.ok()) << rotated.error().message;
  EXPECT_EQ(*rotated, remote_.key.key.publicKey());
  EXPECT_EQ(fetcher_.directCalls, 2);
  // The same ID again, or the old one: no new fetch.
  EXPECT_TRUE(cache_->keyForRequest(*server, "ed25519:remote2").ok());
  EXPECT_TRUE(cache_->keyForRequest(*server, oldId).ok());
  EXPECT_EQ(fetcher_.directCalls, 2);

  for (int i = 0; i < 10; ++i)
    EXPECT_FALSE(cache_->keyForRequest(*server, "ed25519:madeup" + std::to_string(i)).ok());
  EXPECT_EQ(fetcher_.directCalls, 4);  // three new-ID fetches per interval in all
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(RemoteKeyCacheTest);

}  // namespace
}  // namespace plexus::federationapi::testing
