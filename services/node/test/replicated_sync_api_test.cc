// ReplicatedSyncApi: a user's calls reach the replica shard_hash.h names; when that replica is
// unavailable, blocking calls and long-polls move on to the next one; a cancelled long-poll
// never answers.
#include "root/replicated_sync_api.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "root/shard_hash.h"

namespace plexus::node {
namespace {

using syncapi::SyncApi;

// A replica that answers every call with its name, or kUnavailable while `down`.
class FakeReplica final : public SyncApi {
 public:
  explicit FakeReplica(std::string name) : name_(std::move(name)) {}
  bool down = false;
  bool asyncAnswersInline = true;  // else the long-poll waits until answerPending()
  std::set<std::string> users;
  int cancels = 0;

  Result<json::Object> answer(const std::string& user) {
    if (down) return fail(ErrorCode::kUnavailable, name_ + " is down");
    users.insert(user);
    return json::Object{{"replica", name_}};
  }
  Status status(const std::string& user) {
    auto r = answer(user);
    if (!r.ok()) return std::move(r).takeError();
    return {};
  }
  void answerPending() {
    if (pending_) pending_(answer(pendingUser_));
    pending_ = nullptr;
  }

  class Wait final : public syncapi::SyncWait {
   public:
    explicit Wait(FakeReplica& r) : r_(r) {}
    void cancel() override { ++r_.cancels; }

   private:
    FakeReplica& r_;
  };

  Result<json::Object> querySync(const CallContext&, const syncapi::SyncRequest& r) override {
    return answer(r.userId);
  }
  std::shared_ptr<syncapi::SyncWait> querySyncAsync(const CallContext&,
                                                    const syncapi::SyncRequest& r,
                                                    syncapi::SyncCallback done) override {
    if (asyncAnswersInline || down) {
      done(answer(r.userId));
    } else {
      pending_ = std::move(done);
      pendingUser_ = r.userId;
    }
    return std::make_shared<Wait>(*this);
  }
  Result<std::string> performCreateFilter(const CallContext&, const std::string& u,
                                          const json::Object&) override {
    auto r = answer(u);
    if (!r.ok()) return std::move(r).takeError();
    return name_;
  }
  Result<json::Object> queryFilter(const CallContext&, const std::string& u,
                                   const std::string&) override {
    return answer(u);
  }
  Result<json::Object> queryMessages(const CallContext&,
                                     const syncapi::MessagesRequest& r) override {
    return answer(r.userId);
  }
  Result<json::Object> queryContext(const CallContext&, const syncapi::ContextRequest& r) override {
    return answer(r.userId);
  }
  Result<json::Object> queryEventForUser(const CallContext&, const std::string& u,
                                         const std::string&, const std::string&) override {
    return answer(u);
  }
  Result<json::Object> queryRelations(const CallContext&,
                                      const syncapi::RelationsRequest& r) override {
    return answer(r.userId);
  }
  Result<json::Object> queryThreads(const CallContext&, const syncapi::ThreadsRequest& r) override {
    return answer(r.userId);
  }
  Result<json::Object> performSearch(const CallContext&, const std::string& u, const json::Object&,
                                     const std::string&) override {
    return answer(u);
  }
  Status performTyping(const CallContext&, const syncapi::TypingRequest& r) override {
    return status(r.userId);
  }
  Status performReceipt(const CallContext&, const syncapi::ReceiptRequest& r) override {
    return status(r.userId);
  }
  Status performSetPresence(const CallContext&, const std::string& u, const std::string&,
                            const std::optional<std::string>&) override {
    return status(u);
  }
  Result<syncapi::PresenceStatus> queryPresence(const CallContext&, const std::string& u) override {
    auto r = answer(u);
    if (!r.ok()) return std::move(r).takeError();
    return syncapi::PresenceStatus{};
  }
  Status performSendToDevice(const CallContext&, const syncapi::SendToDeviceRequest& r) override {
    return status(r.senderUserId);
  }
  Status inputAccountData(const CallContext&, const std::string& u, const std::string&,
                          const std::string&, const json::Object&) override {
    return status(u);
  }
  Status inputDeviceListChange(const CallContext&, const std::string& u) override {
    return status(u);
  }

 private:
  std::string name_;
  syncapi::SyncCallback pending_;
  std::string pendingUser_;
};

// A user whose calls go to replica `index` first (bounded search).
std::string userOfReplica(const ReplicatedSyncApi& router, std::size_t index) {
  for (int i = 0; i < 1000; ++i) {
    std::string u = "@u" + std::to_string(i) + ":test";
    if (router.preferredReplica(u) == index) return u;
  }
  ADD_FAILURE() << "no user maps to replica " << index;
  return "@nobody:test";
}

std::string replicaOf(const Result<json::Object>& r) {
  if (!r.ok()) return "error: " + r.error().message;
  const json::Value* v = r->find("replica");
  return v && v->getString() ? *v->getString() : "";
}

TEST(ReplicatedSyncApiTest, EachUserHasOneReplica) {
  FakeReplica a("a"), b("b"), c("c");
  ReplicatedSyncApi router({&a, &b, &c});
  std::vector<FakeReplica*> replicas{&a, &b, &c};
  for (int i = 0; i < 30; ++i) {
    const std::string user = "@u" + std::to_string(i) + ":test";
    syncapi::SyncRequest req;
    req.userId = user;
    ASSERT_TRUE(router.querySync({}, req).ok());
    ASSERT_TRUE(router.performTyping({}, syncapi::TypingRequest{"!r:test", user, true, 1}).ok());
  }
  for (std::size_t i = 0; i < replicas.size(); ++i) {
    EXPECT_FALSE(replicas[i]->users.empty()) << "30 users spread over every replica";
    for (const auto& u : replicas[i]->users) EXPECT_EQ(shardOf(u, 3), i) << u;
  }
}

TEST(ReplicatedSyncApiTest, CallsMoveOnWhenTheReplicaIsDown) {
  FakeReplica a("a"), b("b");
  ReplicatedSyncApi router({&a, &b});
  const std::string user = userOfReplica(router, 0);
  syncapi::SyncRequest req;
  req.userId = user;
  EXPECT_EQ(replicaOf(router.querySync({}, req)), "a");
  a.down = true;
  EXPECT_EQ(replicaOf(router.querySync({}, req)), "b");
  EXPECT_TRUE(
      router.performReceipt({}, syncapi::ReceiptRequest{"!r:test", user, "m.read", "$e", "", {}})
          .ok());
  b.down = true;
  EXPECT_EQ(router.querySync({}, req).error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(router.performTyping({}, syncapi::TypingRequest{"!r:test", user, true, 1}).error().code,
            ErrorCode::kUnavailable);
}

TEST(ReplicatedSyncApiTest, LongPollMovesOnAndCancelReachesTheLiveReplica) {
  FakeReplica a("a"), b("b");
  ReplicatedSyncApi router({&a, &b});
  const std::string user = userOfReplica(router, 0);
  syncapi::SyncRequest req;
  req.userId = user;
  a.down = true;
  b.asyncAnswersInline = false;
  std::atomic<int> calls{0};
  std::string answeredBy;
  auto wait = router.querySyncAsync({}, req, [&](Result<json::Object> r) {
    ++calls;
    answeredBy = replicaOf(r);
  });
  EXPECT_EQ(calls.load(), 0) << "a's kUnavailable is not the answer";
  b.answerPending();
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(answeredBy, "b");

  // A cancelled long-poll: the replica holding it is told, and the callback never runs.
  auto second = router.querySyncAsync({}, req, [&](Result<json::Object>) { ++calls; });
  second->cancel();
  EXPECT_EQ(b.cancels, 1);
  b.answerPending();
  EXPECT_EQ(calls.load(), 1);
}

}  // namespace
}  // namespace plexus::node
