// Concurrent calls through AccountSyncApi: read-modify-write of one user's data loses no
// update, and racing registrations of one name leave exactly one winner. SQLite and
// PostgreSQL.
#include <atomic>
#include <thread>
#include <vector>

#include "service_fixture.h"

namespace plexus::accountsync::testing {
namespace {

using ConcurrencyTest = AccountSyncServiceTest;

TEST_P(ConcurrencyTest, ConcurrentPushRuleAndTagEditsLoseNothing) {
  LoginResult a = registerUser("alice");
  constexpr int kThreads = 4;
  constexpr int kEach = 5;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string id = "rule-" + std::to_string(t) + "-" + std::to_string(i);
        json::Object body{{"actions", json::Array{}}, {"conditions", json::Array{}}};
        if (!api().performPutPushRule(ctx(), a.userId, "override", id, body, {}, {}).ok()) {
          ++failures;
        }
        if (!api().performSetTag(ctx(), a.userId, "!r:example.org", id, {}).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto rules = api().queryPushRules(ctx(), a.userId);
  ASSERT_TRUE(rules.ok());
  const json::Array* overrides = rules->find("global")->get("override")->getArray();
  EXPECT_EQ(overrides->size(), 12u + kThreads * kEach);  // 12 defaults
  EXPECT_EQ(api().queryTags(ctx(), a.userId, "!r:example.org")->size(),
            static_cast<std::size_t>(kThreads * kEach));
}

TEST_P(ConcurrencyTest, RacingRegistrationsOfOneNameHaveOneWinner) {
  constexpr int kThreads = 4;
  std::atomic<int> ok{0};
  std::atomic<int> inUse{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      RegisterRequest r;
      r.localpart = "popular";
      r.password = "pw";
      auto result = api().performRegister(ctx(), r);
      if (result.ok()) {
        ++ok;
      } else if (result.error().code == ErrorCode::kUserInUse) {
        ++inUse;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(inUse.load(), kThreads - 1);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(ConcurrencyTest);

}  // namespace
}  // namespace plexus::accountsync::testing
