// Account data (global, per room), tags, stream positions and the bus output, on SQLite and
// PostgreSQL.
#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "accountsync/api/output.h"
#include "plexus/bus/typed_topic.h"
#include "service_fixture.h"

namespace plexus::accountsync::testing {
namespace {

using AccountDataTest = AccountSyncServiceTest;

TEST_P(AccountDataTest, PositionsIncreaseAndSinceReturnsOnlyNewerEntries) {
  LoginResult a = registerUser("alice");
  auto p1 = api().performSetAccountData(ctx(), a.userId, "", "m.direct", {{"k", 1}});
  auto p2 = api().performSetAccountData(ctx(), a.userId, "!room:example.org", "org.x", {{"k", 2}});
  ASSERT_TRUE(p1.ok() && p2.ok());
  EXPECT_LT(*p1, *p2);

  auto all = api().queryAccountData(ctx(), a.userId, 0);
  ASSERT_TRUE(all.ok());
  // m.push_rules (written at registration) + the two above.
  ASSERT_EQ(all->entries.size(), 3u);
  EXPECT_EQ(all->entries[0].type, "m.push_rules");
  EXPECT_EQ(all->latestPosition, *p2);

  auto since = api().queryAccountData(ctx(), a.userId, *p1);
  ASSERT_TRUE(since.ok());
  ASSERT_EQ(since->entries.size(), 1u);
  EXPECT_EQ(since->entries[0].roomId, "!room:example.org");
  EXPECT_EQ(since->entries[0].content, (json::Object{{"k", 2}}));

  // Overwriting moves the entry to a new position; there is still one entry per type.
  auto p3 = api().performSetAccountData(ctx(), a.userId, "", "m.direct", {{"k", 3}});
  ASSERT_TRUE(p3.ok());
  EXPECT_GT(*p3, *p2);
  auto after = api().queryAccountData(ctx(), a.userId, *p2);
  ASSERT_EQ(after->entries.size(), 1u);
  EXPECT_EQ(after->entries[0].content, (json::Object{{"k", 3}}));
  EXPECT_EQ(*api().queryAccountDataPosition(ctx()), *p3);
}

TEST_P(AccountDataTest, EntryLookupAndNotFound) {
  LoginResult a = registerUser("alice");
  ASSERT_TRUE(api().performSetAccountData(ctx(), a.userId, "", "m.direct", {{"x", "y"}}).ok());
  auto entry = api().queryAccountDataEntry(ctx(), a.userId, "", "m.direct");
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(*entry, (json::Object{{"x", "y"}}));
  auto room = api().queryAccountDataEntry(ctx(), a.userId, "!r:example.org", "m.direct");
  ASSERT_FALSE(room.ok());
  EXPECT_EQ(room.error().code, ErrorCode::kNotFound);
}

TEST_P(AccountDataTest, RejectsUnknownUserEmptyTypeAndPushRules) {
  LoginResult a = registerUser("alice");
  EXPECT_EQ(api().performSetAccountData(ctx(), "@ghost:example.org", "", "t", {}).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(api().performSetAccountData(ctx(), a.userId, "", "", {}).error().code,
            ErrorCode::kInvalidParam);
  EXPECT_EQ(api().performSetAccountData(ctx(), a.userId, "", "m.push_rules", {}).error().code,
            ErrorCode::kBadJson);
}

TEST_P(AccountDataTest, UsersDoNotSeeEachOthersData) {
  LoginResult a = registerUser("alice");
  LoginResult b = registerUser("bob");
  ASSERT_TRUE(api().performSetAccountData(ctx(), a.userId, "", "secret", {{"v", 1}}).ok());
  auto bobs = api().queryAccountData(ctx(), b.userId, 0);
  ASSERT_TRUE(bobs.ok());
  for (const auto& e : bobs->entries) EXPECT_NE(e.type, "secret");
}

TEST_P(AccountDataTest, PublishesOutputAfterCommit) {
  LoginResult a = registerUser("alice");
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<AccountDataOutput> seen;
  auto sub = bus::subscribeTyped<AccountDataOutput>(
      *bus_, "test", [&](const AccountDataOutput& out, std::uint64_t) -> Status {
        std::lock_guard lock(mutex);
        seen.push_back(out);
        cv.notify_all();
        return {};
      });
  ASSERT_TRUE(sub.ok());
  auto pos = api().performSetAccountData(ctx(), a.userId, "!r:example.org", "m.fully_read",
                                         {{"event_id", "$e"}});
  ASSERT_TRUE(pos.ok());
  // The outbox also delivers outputs committed before the group first subscribed (here the
  // registration's default push rules), so look for this change's output.
  auto isThis = [](const AccountDataOutput& o) { return o.type == "m.fully_read"; };
  std::unique_lock lock(mutex);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(5),
                          [&] { return std::any_of(seen.begin(), seen.end(), isThis); }));
  const AccountDataOutput& out = *std::find_if(seen.begin(), seen.end(), isThis);
  EXPECT_EQ(out.userId, a.userId);
  EXPECT_EQ(out.roomId, "!r:example.org");
  EXPECT_EQ(out.streamPosition, *pos);
  EXPECT_EQ(out.key(), a.userId);
}

TEST_P(AccountDataTest, TagsAreRoomAccountData) {
  LoginResult a = registerUser("alice");
  const std::string room = "!r:example.org";
  auto p1 = api().performSetTag(ctx(), a.userId, room, "m.favourite", {{"order", 0.5}});
  ASSERT_TRUE(p1.ok()) << p1.error().message;
  ASSERT_TRUE(api().performSetTag(ctx(), a.userId, room, "u.work", {}).ok());
  auto tags = api().queryTags(ctx(), a.userId, room);
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(tags->size(), 2u);
  auto content = api().queryAccountDataEntry(ctx(), a.userId, room, "m.tag");
  ASSERT_TRUE(content.ok());
  ASSERT_NE(content->find("tags"), nullptr);
  EXPECT_EQ(content->find("tags")->get("m.favourite")->get("order")->getFloat(), 0.5);

  auto p3 = api().performDeleteTag(ctx(), a.userId, room, "m.favourite");
  ASSERT_TRUE(p3.ok());
  EXPECT_GT(*p3, *p1);
  tags = api().queryTags(ctx(), a.userId, room);
  EXPECT_EQ(tags->size(), 1u);
  EXPECT_NE(tags->find("u.work"), nullptr);
  EXPECT_TRUE(api().performDeleteTag(ctx(), a.userId, room, "absent").ok());
  EXPECT_TRUE(api().queryTags(ctx(), a.userId, "!other:example.org")->empty());
}

TEST_P(AccountDataTest, RejectsBadTags) {
  LoginResult a = registerUser("alice");
  EXPECT_EQ(api().performSetTag(ctx(), a.userId, "!r:x", "", {}).error().code,
            ErrorCode::kInvalidParam);
  EXPECT_EQ(api().performSetTag(ctx(), a.userId, "!r:x", "t", {{"order", "high"}}).error().code,
            ErrorCode::kBadJson);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(AccountDataTest);

}  // namespace
}  // namespace plexus::accountsync::testing

namespace plexus::accountsync::testing {
namespace {

// The cluster's option: writes that may revoke tokens put a CredentialsChanged on the bus (in
// the same transaction), which the client-api processes' token caches act on.
class CredentialsChangedTest : public AccountSyncServiceTest {
 protected:
  void customize(AccountSyncOptions& options) override { options.publishCredentialChanges = true; }
};

TEST_P(CredentialsChangedTest, LogoutPutsCredentialsChangedOnTheBus) {
  LoginResult a = registerUser("alice");
  std::mutex mutex;
  std::condition_variable cv;
  int seen = 0;
  auto sub = bus::subscribeTyped<CredentialsChanged>(
      *bus_, "test", [&](const CredentialsChanged&, std::uint64_t) -> Status {
        std::lock_guard lock(mutex);
        ++seen;
        cv.notify_all();
        return {};
      });
  ASSERT_TRUE(sub.ok());
  int before = 0;
  {
    // Registration (a credentials write) may already have produced one.
    std::unique_lock lock(mutex);
    cv.wait_for(lock, std::chrono::milliseconds(200), [&] { return seen > 0; });
    before = seen;
  }
  ASSERT_TRUE(api().performLogout(ctx(), a.accessToken).ok());
  std::unique_lock lock(mutex);
  EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return seen > before; }));
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(CredentialsChangedTest);

}  // namespace
}  // namespace plexus::accountsync::testing
