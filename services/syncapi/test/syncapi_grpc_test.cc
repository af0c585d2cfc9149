// The sync-api gRPC binding beyond the contract suite: waiting /syncs hold no server thread
// (200 concurrent long-polls), cancelling on the client cancels the server's wait, deadlines end
// waits with an empty response (and an RPC that expires leaves no wait behind on the server),
// every request field reaches the implementation, every ErrorCode crosses the hop, bad wire
// input is an Error, and a dead or stopping server is kUnavailable. Built only with gRPC.
#if PLEXUS_HAVE_GRPC

#include <dirent.h>
#include <grpcpp/client_context.h>

#include <atomic>
#include <chrono>
#include <future>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "plexus/grpcutil/status.h"
#include "syncapi/grpc/convert.h"
#include "syncapi_bindings.h"
#include "test_room.h"

namespace plexus::syncapi::testing {
namespace {

using namespace std::chrono_literals;

// Waits (bounded) until `pred` holds; returns whether it did.
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 10s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

int threadsInProcess() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/task")) {
    while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
    closedir(d);
  }
  return n;
}

// Forwards to another SyncApi, remembering the context and request of the last call of each
// kind, counting cancels of async waits, and optionally failing every call instead.
class RecordingSyncApi final : public SyncApi {
 public:
  explicit RecordingSyncApi(SyncApi& inner) : inner_(inner) {}

  struct Seen {
    CallContext ctx;
    std::optional<SyncRequest> sync;
    std::optional<MessagesRequest> messages;
    std::optional<ContextRequest> context;
    std::optional<RelationsRequest> relations;
    std::optional<ThreadsRequest> threads;
    std::optional<TypingRequest> typing;
    std::optional<ReceiptRequest> receipt;
    std::optional<SendToDeviceRequest> toDevice;
    std::vector<std::string> args;  // the scalar arguments of the last other call
    std::optional<json::Object> object;
    std::optional<std::string> statusMsg;
    std::int64_t ts = 0;
    char dir = 0;
    int limit = 0;
  };
  Seen seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }
  void failWith(std::optional<Error> error) {
    std::lock_guard lock(mu_);
    failWith_ = std::move(error);
  }
  int cancels() const { return cancels_.load(); }

  Result<json::Object> querySync(const CallContext& ctx, const SyncRequest& r) override {
    if (auto e = record(ctx, [&](Seen& s) { s.sync = r; })) return *e;
    return inner_.querySync(ctx, r);
  }
  std::shared_ptr<SyncWait> querySyncAsync(const CallContext& ctx, const SyncRequest& r,
                                           SyncCallback done) override {
    if (auto e = record(ctx, [&](Seen& s) { s.sync = r; })) {
      done(*e);
      return std::make_shared<CountingWait>(nullptr, cancels_);
    }
    return std::make_shared<CountingWait>(inner_.querySyncAsync(ctx, r, std::move(done)), cancels_);
  }
  Result<std::string> performCreateFilter(const CallContext& ctx, const std::string& userId,
                                          const json::Object& filter) override {
    if (auto e = record(ctx, [&](Seen& s) { s.args = {userId}, s.object = filter; })) return *e;
    return inner_.performCreateFilter(ctx, userId, filter);
  }
  Result<json::Object> queryFilter(const CallContext& ctx, const std::string& userId,
                                   const std::string& filterId) override {
    if (auto e = record(ctx, [&](Seen& s) { s.args = {userId, filterId}; })) return *e;
    return inner_.queryFilter(ctx, userId, filterId);
  }
  Result<json::Object> queryMessages(const CallContext& ctx, const MessagesRequest& r) override {
    if (auto e = record(ctx, [&](Seen& s) { s.messages = r; })) return *e;
    return inner_.queryMessages(ctx, r);
  }
  Result<json::Object> queryContext(const CallContext& ctx, const ContextRequest& r) override {
    if (auto e = record(ctx, [&](Seen& s) { s.context = r; })) return *e;
    return inner_.queryContext(ctx, r);
  }
  Result<json::Object> queryEventForUser(const CallContext& ctx, const std::string& userId,
                                         const std::string& roomId,
                                         const std::string& eventId) override {
    if (auto e = record(ctx, [&](Seen& s) { s.args = {userId, roomId, eventId}; })) return *e;
    return inner_.queryEventForUser(ctx, userId, roomId, eventId);
  }
  Result<json::Object> queryRelations(const CallContext& ctx, const RelationsRequest& r) override {
    if (auto e = record(ctx, [&](Seen& s) { s.relations = r; })) return *e;
    return inner_.queryRelations(ctx, r);
  }
  Result<json::Object> queryThreads(const CallContext& ctx, const ThreadsRequest& r) override {
    if (auto e = record(ctx, [&](Seen& s) { s.threads = r; })) return *e;
    return inner_.queryThreads(ctx, r);
  }
  Result<json::Object> performSearch(const CallContext& ctx, const std::string& userId,
                                     const json::Object& body,
                                     const std::string& nextBatch) override {
    if (auto e = record(ctx, [&](Seen& s) { s.args = {userId, nextBatch}, s.object = body; }))
      return *e;
    return inner_.performSearch(ctx, userId, body, nextBatch);
  }
  Result<json::Object> queryTimestampToEvent(const CallContext& ctx, const std::string& userId,
                                             const std::string& roomId, std::int64_t ts,
                                             char dir) override {
    if (auto e = record(ctx, [&](Seen& s) { s.args = {userId, roomId}, s.ts = ts, s.dir = dir; }))
      return *e;
    return inner_.queryTimestampToEvent(ctx, userId, roomId, ts, dir);
  }
  Result<json::Object> queryNotifications(const CallContext& ctx, const std::string& userId,
                                          const std::string& from, int limit,
                                          const std::string& only) override {
    if (auto e = record(ctx, [&](Seen& s) { s.args = {userId, from, only}, s.limit = limit; }))
      return *e;
    return inner_.queryNotifications(ctx, userId, from, limit, only);
  }
  Status performTyping(const CallContext& ctx, const TypingRequest& r) override {
    if (auto e = record(ctx, [&](Seen& s) { s.typing = r; })) return *e;
    return inner_.performTyping(ctx, r);
  }
  Status performReceipt(const CallContext& ctx, const ReceiptRequest& r) override {
    if (auto e = record(ctx, [&](Seen& s) { s.receipt = r; })) return *e;
    return inner_.performReceipt(ctx, r);
  }
  Status performSetPresence(const CallContext& ctx, const std::string& userId,
                            const std::string& presence,
                            const std::optional<std::string>& statusMsg) override {
    if (auto e = record(ctx, [&](Seen& s) {
          s.args = {userId, presence}, s.statusMsg = statusMsg;
        }))
      return *e;
    return inner_.performSetPresence(ctx, userId, presence, statusMsg);
  }
  Result<PresenceStatus> queryPresence(const CallContext& ctx, const std::string& userId) override {
    if (auto e = record(ctx, [&](Seen& s) { s.args = {userId}; })) return *e;
    return inner_.queryPresence(ctx, userId);
  }
  Status performSendToDevice(const CallContext& ctx, const SendToDeviceRequest& r) override {
    if (auto e = record(ctx, [&](Seen& s) { s.toDevice = r; })) return *e;
    return inner_.performSendToDevice(ctx, r);
  }
  Status inputAccountData(const CallContext& ctx, const std::string& userId,
                          const std::string& roomId, const std::string& type,
                          const json::Object& content) override {
    if (auto e = record(ctx, [&](Seen& s) { s.args = {userId, roomId, type}, s.object = content; }))
      return *e;
    return inner_.inputAccountData(ctx, userId, roomId, type, content);
  }
  Status inputDeviceListChange(const CallContext& ctx, const std::string& userId) override {
    if (auto e = record(ctx, [&](Seen& s) { s.args = {userId}; })) return *e;
    return inner_.inputDeviceListChange(ctx, userId);
  }
  Result<KeyChanges> queryKeyChanges(const CallContext& ctx, const std::string& userId,
                                     const std::string& fromToken,
                                     const std::string& toToken) override {
    if (auto e = record(ctx, [&](Seen& s) { s.args = {userId, fromToken, toToken}; })) return *e;
    return inner_.queryKeyChanges(ctx, userId, fromToken, toToken);
  }

 private:
  // The inner wait (none when the call failed at once), counting cancel() calls.
  class CountingWait final : public SyncWait {
   public:
    CountingWait(std::shared_ptr<SyncWait> inner, std::atomic<int>& cancels)
        : inner_(std::move(inner)), cancels_(cancels) {}
    void cancel() override {
      ++cancels_;
      if (inner_) inner_->cancel();
    }

   private:
    std::shared_ptr<SyncWait> inner_;
    std::atomic<int>& cancels_;
  };

  template <typename F>
  std::optional<Error> record(const CallContext& ctx, F&& note) {
    std::lock_guard lock(mu_);
    seen_.ctx = ctx;
    note(seen_);
    return failWith_;
  }

  SyncApi& inner_;
  std::mutex mu_;
  Seen seen_;
  std::optional<Error> failWith_;
  std::atomic<int> cancels_{0};
};

class SyncGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bindings_.setUp();
    if (HasFatalFailure()) return;
    recorder_ = std::make_unique<RecordingSyncApi>(bindings_.inProcess());
    // Few synchronous-server threads: a waiting QuerySync must need none of them.
    bindings_.startGrpc(recorder_.get(), 6);
  }
  void TearDown() override { bindings_.tearDown(); }

  SyncApi& client() { return bindings_.grpcClient(); }
  SyncService& service() { return bindings_.service(); }

  TestRoom makeRoom(const std::string& roomId) {
    TestRoom room(roomId);
    bindings_.feed(room.create("@alice:test"));
    bindings_.feed(room.member("@alice:test", "join"));
    bindings_.feed(room.member("@bob:test", "join"));
    return room;
  }
  std::string currentSince(const std::string& user) {
    SyncRequest req;
    req.userId = user;
    req.deviceId = "D1";
    auto r = client().querySync(ctx_, req);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r->find("next_batch")->getString() : std::string();
  }
  static SyncRequest waitFor(const std::string& user, const std::string& since,
                             std::int64_t timeoutMs) {
    SyncRequest req;
    req.userId = user;
    req.deviceId = "D1";
    req.since = since;
    req.timeoutMs = timeoutMs;
    return req;
  }
  static std::vector<std::string> timelineBodies(const json::Object& r, const std::string& room) {
    std::vector<std::string> out;
    const json::Value* rooms = r.find("rooms");
    const json::Value* events = rooms ? rooms->get("join") : nullptr;
    for (auto key :
         {std::string_view(room), std::string_view("timeline"), std::string_view("events")}) {
      events = events ? events->get(key) : nullptr;
    }
    if (!events || !events->isArray()) return out;
    for (const auto& e : *events->getArray()) {
      if (auto c = e.get("content")) {
        if (auto b = c->getStringAt("body")) out.emplace_back(*b);
      }
    }
    return out;
  }

  SyncBindings bindings_;
  std::unique_ptr<RecordingSyncApi> recorder_;
  CallContext ctx_ = CallContext::withTimeout(20s, "grpc-test");
};

TEST_F(SyncGrpcTest, TwoHundredWaitsHoldNoServerThread) {
  TestRoom room = makeRoom("!r1:test");
  std::string since = currentSince("@bob:test");
  const int before = threadsInProcess();
  constexpr int kWaits = 200;
  std::atomic<int> done{0}, good{0};
  std::promise<void> all;
  std::vector<std::shared_ptr<SyncWait>> handles;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kWaits; ++i) {
    handles.push_back(client().querySyncAsync(
        ctx_, waitFor("@bob:test", since, 60000), [&](Result<json::Object> r) {
          if (r.ok() && timelineBodies(*r, "!r1:test") == std::vector<std::string>{"to all"}) {
            ++good;
          }
          if (++done == kWaits) all.set_value();
        }));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);  // none of them blocked the caller
  ASSERT_TRUE(eventually([&] { return service().parkedWaiters() == kWaits; }, 20s))
      << service().parkedWaiters() << " parked";
  // gRPC may start a few pollers or executor threads, but nothing like one per wait.
  const int extra = threadsInProcess() - before;
  RecordProperty("extra_threads_for_200_waits", extra);
  EXPECT_LT(extra, 20);
  // The server still answers other calls at once (it has only 6 synchronous threads).
  auto t0 = std::chrono::steady_clock::now();
  // (Calls that concern nobody in the room, so that no wait wakes.)
  auto filterId = client().performCreateFilter(ctx_, "@carol:test", json::Object{});
  ASSERT_TRUE(filterId.ok()) << filterId.error().message;
  ASSERT_TRUE(client().queryFilter(ctx_, "@carol:test", *filterId).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_EQ(done.load(), 0);

  bindings_.feed(room.message("@alice:test", "to all"));
  ASSERT_EQ(all.get_future().wait_for(30s), std::future_status::ready) << done.load();
  EXPECT_EQ(good.load(), kWaits);
}

TEST_F(SyncGrpcTest, ClientCancelCancelsTheServerWait) {
  TestRoom room = makeRoom("!r1:test");
  std::string since = currentSince("@bob:test");
  std::atomic<int> calls{0};
  auto handle = client().querySyncAsync(ctx_, waitFor("@bob:test", since, 60000),
                                        [&](Result<json::Object>) { ++calls; });
  ASSERT_TRUE(eventually([&] { return service().parkedWaiters() == 1; }));
  handle->cancel();
  ASSERT_TRUE(eventually([&] { return recorder_->cancels() == 1; }));
  EXPECT_TRUE(eventually([&] { return service().parkedWaiters() == 0; }));
  bindings_.feed(room.message("@alice:test", "nobody waits"));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(calls.load(), 0);
  handle->cancel();  // idempotent
  EXPECT_EQ(recorder_->cancels(), 1);
}

TEST_F(SyncGrpcTest, CallerDeadlineEndsTheWaitWithAnEmptyResponse) {
  makeRoom("!r1:test");
  std::string since = currentSince("@bob:test");
  // Blocking: the long-poll asks for a minute, the caller allows 800 ms.
  auto start = std::chrono::steady_clock::now();
  auto r = client().querySync(CallContext::withTimeout(800ms), waitFor("@bob:test", since, 60000));
  auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r->find("next_batch")->getString(), since);
  EXPECT_GE(waited, 500ms);
  EXPECT_LT(waited, 5s);
  // Asynchronous: the same through the callback.
  std::promise<Result<json::Object>> got;
  start = std::chrono::steady_clock::now();
  auto handle =
      client().querySyncAsync(CallContext::withTimeout(800ms), waitFor("@bob:test", since, 60000),
                              [&](Result<json::Object> res) { got.set_value(std::move(res)); });
  auto future = got.get_future();
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  waited = std::chrono::steady_clock::now() - start;
  auto res = future.get();
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(*res->find("next_batch")->getString(), since);
  EXPECT_GE(waited, 500ms);
  EXPECT_LT(waited, 5s);
  // The request's own timeout, shorter than the deadline, is kept.
  start = std::chrono::steady_clock::now();
  auto shortWait = client().querySync(ctx_, waitFor("@bob:test", since, 300));
  ASSERT_TRUE(shortWait.ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 280ms);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(SyncGrpcTest, ExpiredRpcDeadlineEndsTheServerWait) {
  makeRoom("!r1:test");
  std::string since = currentSince("@bob:test");
  // A raw call whose RPC deadline is shorter than its long-poll (the client class never sends
  // such a request): the RPC expires, and the server must not keep the wait.
  auto stub = v1::SyncApiService::NewStub(grpcutil::makeInsecureChannel(bindings_.grpcTarget()));
  grpc::ClientContext call;
  call.set_deadline(std::chrono::system_clock::now() + 400ms);
  v1::QuerySyncRequest req;
  req.mutable_request()->set_user_id("@bob:test");
  req.mutable_request()->set_since(since);
  req.mutable_request()->set_timeout_ms(60000);
  v1::JsonBody resp;
  grpc::Status status = stub->QuerySync(&call, req, &resp);
  // The server's wait ends at the same instant: its empty answer may just beat the expiry.
  if (!status.ok()) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  } else {
    auto body = convert::fromProto(resp);
    ASSERT_TRUE(body.ok());
    EXPECT_EQ(*body->find("next_batch"), json::Value(since));
  }
  // The server saw the same deadline: its wait ends then (by timing out or by OnCancel).
  EXPECT_TRUE(eventually([&] { return service().parkedWaiters() == 0; }, 2s));
}

TEST_F(SyncGrpcTest, CallContextReachesTheImplementation) {
  CallContext ctx = CallContext::withTimeout(5s, "client-api");
  ctx.traceId = "trace-123";
  ASSERT_TRUE(client().inputDeviceListChange(ctx, "@alice:test").ok());
  auto seen = recorder_->seen().ctx;
  EXPECT_EQ(seen.traceId, "trace-123");
  EXPECT_EQ(seen.caller, "client-api");
  EXPECT_LT(seen.deadline - ctx.deadline, 100ms);
  EXPECT_GT(seen.deadline - ctx.deadline, -100ms);

  // The callback method too (an initial sync answers at once).
  ctx.traceId = "trace-456";
  std::promise<Result<json::Object>> got;
  SyncRequest req;
  req.userId = "@bob:test";
  auto handle = client().querySyncAsync(
      ctx, req, [&](Result<json::Object> r) { got.set_value(std::move(r)); });
  auto future = got.get_future();
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  ASSERT_TRUE(future.get().ok());
  seen = recorder_->seen().ctx;
  EXPECT_EQ(seen.traceId, "trace-456");
  EXPECT_EQ(seen.caller, "client-api");
  EXPECT_LT(seen.deadline - ctx.deadline, 100ms);
  EXPECT_GT(seen.deadline - ctx.deadline, -100ms);
}

TEST_F(SyncGrpcTest, EveryRequestFieldReachesTheImplementation) {
  auto& api = client();
  json::Object filter{{"types", json::Array{"m.room.message"}}, {"limit", 3}};
  recorder_->failWith(makeError(ErrorCode::kNotFound, "recorded"));  // only record

  SyncRequest sync{"@u:test", "DEV", "s1_2", 1234, true, filter, "77", "unavailable"};
  (void)api.querySync(ctx_, sync);
  auto s = recorder_->seen().sync;
  ASSERT_TRUE(s);
  EXPECT_EQ(s->userId, "@u:test");
  EXPECT_EQ(s->deviceId, "DEV");
  EXPECT_EQ(s->since, "s1_2");
  EXPECT_EQ(s->timeoutMs, 1234);
  EXPECT_TRUE(s->fullState);
  EXPECT_EQ(s->filter, filter);
  EXPECT_EQ(s->filterId, "77");
  EXPECT_EQ(s->setPresence, "unavailable");
  sync.filter.reset();
  (void)api.querySync(ctx_, sync);
  EXPECT_FALSE(recorder_->seen().sync->filter.has_value());

  MessagesRequest m{"@u:test", "DEV", "!r:test", "from", "to", 'f', 42, filter};
  (void)api.queryMessages(ctx_, m);
  auto mm = recorder_->seen().messages;
  ASSERT_TRUE(mm);
  EXPECT_EQ(mm->userId, m.userId);
  EXPECT_EQ(mm->deviceId, m.deviceId);
  EXPECT_EQ(mm->roomId, m.roomId);
  EXPECT_EQ(mm->from, m.from);
  EXPECT_EQ(mm->to, m.to);
  EXPECT_EQ(mm->dir, 'f');
  EXPECT_EQ(mm->limit, 42);
  EXPECT_EQ(mm->filter, filter);

  ContextRequest c{"@u:test", "!r:test", "$e", 9, filter};
  (void)api.queryContext(ctx_, c);
  auto cc = recorder_->seen().context;
  ASSERT_TRUE(cc);
  EXPECT_EQ(cc->userId, c.userId);
  EXPECT_EQ(cc->roomId, c.roomId);
  EXPECT_EQ(cc->eventId, c.eventId);
  EXPECT_EQ(cc->limit, 9);
  EXPECT_EQ(cc->filter, filter);

  RelationsRequest r{"@u:test", "!r:test", "$e", "m.thread", "m.room.message",
                     "a",       "b",       'f',  7,          true};
  (void)api.queryRelations(ctx_, r);
  auto rr = recorder_->seen().relations;
  ASSERT_TRUE(rr);
  EXPECT_EQ(rr->userId, r.userId);
  EXPECT_EQ(rr->roomId, r.roomId);
  EXPECT_EQ(rr->eventId, r.eventId);
  EXPECT_EQ(rr->relType, r.relType);
  EXPECT_EQ(rr->eventType, r.eventType);
  EXPECT_EQ(rr->from, r.from);
  EXPECT_EQ(rr->to, r.to);
  EXPECT_EQ(rr->dir, 'f');
  EXPECT_EQ(rr->limit, 7);
  EXPECT_TRUE(rr->recurse);

  ThreadsRequest t{"@u:test", "!r:test", "participated", "tok", 3};
  (void)api.queryThreads(ctx_, t);
  auto tt = recorder_->seen().threads;
  ASSERT_TRUE(tt);
  EXPECT_EQ(tt->userId, t.userId);
  EXPECT_EQ(tt->roomId, t.roomId);
  EXPECT_EQ(tt->include, t.include);
  EXPECT_EQ(tt->from, t.from);
  EXPECT_EQ(tt->limit, 3);

  (void)api.performTyping(ctx_, TypingRequest{"!r:test", "@u:test", true, 4321});
  auto ty = recorder_->seen().typing;
  ASSERT_TRUE(ty);
  EXPECT_EQ(ty->roomId, "!r:test");
  EXPECT_EQ(ty->userId, "@u:test");
  EXPECT_TRUE(ty->typing);
  EXPECT_EQ(ty->timeoutMs, 4321);

  (void)api.performReceipt(
      ctx_, ReceiptRequest{"!r:test", "@u:test", "m.read.private", "$e", "$root", 99});
  auto re = recorder_->seen().receipt;
  ASSERT_TRUE(re);
  EXPECT_EQ(re->roomId, "!r:test");
  EXPECT_EQ(re->userId, "@u:test");
  EXPECT_EQ(re->receiptType, "m.read.private");
  EXPECT_EQ(re->eventId, "$e");
  EXPECT_EQ(re->threadId, "$root");
  EXPECT_EQ(re->ts, std::optional<std::int64_t>(99));
  (void)api.performReceipt(ctx_, ReceiptRequest{"!r:test", "@u:test", "m.read", "$e", "", {}});
  EXPECT_FALSE(recorder_->seen().receipt->ts.has_value());

  json::Object messages{{"@v:test", json::Object{{"*", json::Object{{"k", "v"}}}}}};
  (void)api.performSendToDevice(ctx_,
                                SendToDeviceRequest{"@u:test", "DEV", "m.x", "txn", messages});
  auto td = recorder_->seen().toDevice;
  ASSERT_TRUE(td);
  EXPECT_EQ(td->senderUserId, "@u:test");
  EXPECT_EQ(td->senderDeviceId, "DEV");
  EXPECT_EQ(td->type, "m.x");
  EXPECT_EQ(td->txnId, "txn");
  EXPECT_EQ(td->messages, messages);

  (void)api.performCreateFilter(ctx_, "@u:test", filter);
  EXPECT_EQ(recorder_->seen().args, std::vector<std::string>{"@u:test"});
  EXPECT_EQ(recorder_->seen().object, filter);
  (void)api.queryFilter(ctx_, "@u:test", "5");
  EXPECT_EQ(recorder_->seen().args, (std::vector<std::string>{"@u:test", "5"}));
  (void)api.queryEventForUser(ctx_, "@u:test", "!r:test", "$e");
  EXPECT_EQ(recorder_->seen().args, (std::vector<std::string>{"@u:test", "!r:test", "$e"}));
  (void)api.performSearch(ctx_, "@u:test", filter, "nb");
  EXPECT_EQ(recorder_->seen().args, (std::vector<std::string>{"@u:test", "nb"}));
  EXPECT_EQ(recorder_->seen().object, filter);
  (void)api.queryTimestampToEvent(ctx_, "@u:test", "!r:test", 1700000000123, 'b');
  EXPECT_EQ(recorder_->seen().args, (std::vector<std::string>{"@u:test", "!r:test"}));
  EXPECT_EQ(recorder_->seen().ts, 1700000000123);
  EXPECT_EQ(recorder_->seen().dir, 'b');
  (void)api.queryNotifications(ctx_, "@u:test", "from", 17, "highlight");
  EXPECT_EQ(recorder_->seen().args, (std::vector<std::string>{"@u:test", "from", "highlight"}));
  EXPECT_EQ(recorder_->seen().limit, 17);
  (void)api.performSetPresence(ctx_, "@u:test", "offline", std::string("gone"));
  EXPECT_EQ(recorder_->seen().args, (std::vector<std::string>{"@u:test", "offline"}));
  EXPECT_EQ(recorder_->seen().statusMsg, std::optional<std::string>("gone"));
  (void)api.performSetPresence(ctx_, "@u:test", "online", std::nullopt);
  EXPECT_FALSE(recorder_->seen().statusMsg.has_value());
  (void)api.queryPresence(ctx_, "@p:test");
  EXPECT_EQ(recorder_->seen().args, std::vector<std::string>{"@p:test"});
  (void)api.inputAccountData(ctx_, "@u:test", "!r:test", "m.tag", filter);
  EXPECT_EQ(recorder_->seen().args, (std::vector<std::string>{"@u:test", "!r:test", "m.tag"}));
  EXPECT_EQ(recorder_->seen().object, filter);
  (void)api.inputDeviceListChange(ctx_, "@d:test");
  EXPECT_EQ(recorder_->seen().args, std::vector<std::string>{"@d:test"});
  (void)api.queryKeyChanges(ctx_, "@u:test", "a", "b");
  EXPECT_EQ(recorder_->seen().args, (std::vector<std::string>{"@u:test", "a", "b"}));
}

TEST_F(SyncGrpcTest, PresenceStatusFieldsRoundTrip) {
  // Every PresenceStatus field, including absent optionals, through a fake implementation.
  class FixedPresence final : public SyncApi {
   public:
    PresenceStatus answer;
    Result<PresenceStatus> queryPresence(const CallContext&, const std::string&) override {
      return answer;
    }
    Result<json::Object> querySync(const CallContext&, const SyncRequest&) override {
      return json::Object{};
    }
    std::shared_ptr<SyncWait> querySyncAsync(const CallContext&, const SyncRequest&,
                                             SyncCallback) override {
      return nullptr;
    }
    Result<std::string> performCreateFilter(const CallContext&, const std::string&,
                                            const json::Object&) override {
      return std::string();
    }
    Result<json::Object> queryFilter(const CallContext&, const std::string&,
                                     const std::string&) override {
      return json::Object{};
    }
    Result<json::Object> queryMessages(const CallContext&, const MessagesRequest&) override {
      return json::Object{};
    }
    Result<json::Object> queryContext(const CallContext&, const ContextRequest&) override {
      return json::Object{};
    }
    Result<json::Object> queryEventForUser(const CallContext&, const std::string&,
                                           const std::string&, const std::string&) override {
      return json::Object{};
    }
    Result<json::Object> queryRelations(const CallContext&, const RelationsRequest&) override {
      return json::Object{};
    }
    Result<json::Object> queryThreads(const CallContext&, const ThreadsRequest&) override {
      return json::Object{};
    }
    Result<json::Object> performSearch(const CallContext&, const std::string&, const json::Object&,
                                       const std::string&) override {
      return json::Object{};
    }
    Status performTyping(const CallContext&, const TypingRequest&) override { return {}; }
    Status performReceipt(const CallContext&, const ReceiptRequest&) override { return {}; }
    Status performSetPresence(const CallContext&, const std::string&, const std::string&,
                              const std::optional<std::string>&) override {
      return {};
    }
    Status performSendToDevice(const CallContext&, const SendToDeviceRequest&) override {
      return {};
    }
    Status inputAccountData(const CallContext&, const std::string&, const std::string&,
                            const std::string&, const json::Object&) override {
      return {};
    }
    Status inputDeviceListChange(const CallContext&, const std::string&) override { return {}; }
  };
  FixedPresence fixed;
  SyncBindings other;
  other.setUp();
  ASSERT_FALSE(HasFatalFailure());
  other.startGrpc(&fixed);
  ASSERT_FALSE(HasFatalFailure());
  fixed.answer = PresenceStatus{"unavailable", std::string("lunch"), 12345, true};
  auto full = other.grpcClient().queryPresence(ctx_, "@x:test");
  ASSERT_TRUE(full.ok()) << full.error().message;
  EXPECT_EQ(full->presence, "unavailable");
  EXPECT_EQ(full->statusMsg, std::optional<std::string>("lunch"));
  EXPECT_EQ(full->lastActiveAgoMs, std::optional<std::int64_t>(12345));
  EXPECT_TRUE(full->currentlyActive);
  fixed.answer = PresenceStatus{"offline", std::nullopt, std::nullopt, false};
  auto bare = other.grpcClient().queryPresence(ctx_, "@x:test");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->presence, "offline");
  EXPECT_FALSE(bare->statusMsg.has_value());
  EXPECT_FALSE(bare->lastActiveAgoMs.has_value());
  EXPECT_FALSE(bare->currentlyActive);
  // The defaults SyncApi gives for the optional methods cross as kUnrecognized.
  auto keys = other.grpcClient().queryKeyChanges(ctx_, "@x:test", "a", "b");
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.error().code, ErrorCode::kUnrecognized);
  other.tearDown();
}

TEST_F(SyncGrpcTest, EveryErrorCodeCrossesTheHopUnchanged) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::kUnableToGrantJoin); ++i) {
    Error sent = makeError(static_cast<ErrorCode>(i), "failure " + std::to_string(i));
    if (i % 2 == 1) sent.retryAfterMs = 1000 + i;
    recorder_->failWith(sent);
    auto unary = client().queryPresence(ctx_, "@alice:test");
    ASSERT_FALSE(unary.ok()) << i;
    EXPECT_EQ(static_cast<int>(unary.error().code), i) << sent.errcode();
    EXPECT_EQ(unary.error().errcode(), sent.errcode());
    EXPECT_EQ(unary.error().message, sent.message);
    EXPECT_EQ(unary.error().retryAfterMs, sent.retryAfterMs) << i;
    // And through the callback method.
    std::promise<Result<json::Object>> got;
    auto handle =
        client().querySyncAsync(ctx_, waitFor("@bob:test", "", 0),
                                [&](Result<json::Object> r) { got.set_value(std::move(r)); });
    auto future = got.get_future();
    ASSERT_EQ(future.wait_for(10s), std::future_status::ready) << i;
    auto async = future.get();
    ASSERT_FALSE(async.ok()) << i;
    EXPECT_EQ(static_cast<int>(async.error().code), i) << sent.errcode();
    EXPECT_EQ(async.error().errcode(), sent.errcode());
    EXPECT_EQ(async.error().message, sent.message);
    EXPECT_EQ(async.error().retryAfterMs, sent.retryAfterMs) << i;
  }
}

TEST_F(SyncGrpcTest, BadWireInputIsAnErrorNotACrash) {
  auto stub = v1::SyncApiService::NewStub(grpcutil::makeInsecureChannel(bindings_.grpcTarget()));
  auto expect = [&](auto method, const auto& request, ErrorCode code, const char* what) {
    grpc::ClientContext call;
    call.set_deadline(std::chrono::system_clock::now() + 5s);
    auto status = method(&call, request);
    ASSERT_FALSE(status.ok()) << what;
    Error e = grpcutil::fromGrpcStatus(status, call);
    EXPECT_EQ(static_cast<int>(e.code), static_cast<int>(code)) << what << ": " << e.message;
  };
  v1::JsonBody body;
  v1::Empty empty;
  v1::PerformCreateFilterResponse created;

  v1::QuerySyncRequest sync;
  sync.mutable_request()->set_user_id("@bob:test");
  sync.mutable_request()->set_filter_json("{not json");
  expect([&](grpc::ClientContext* c, const auto& r) { return stub->QuerySync(c, r, &body); }, sync,
         ErrorCode::kBadJson, "sync filter");
  sync.mutable_request()->set_filter_json("[1,2]");
  expect([&](grpc::ClientContext* c, const auto& r) { return stub->QuerySync(c, r, &body); }, sync,
         ErrorCode::kBadJson, "sync filter array");

  v1::PerformCreateFilterRequest filter;
  filter.set_user_id("@bob:test");
  expect([&](grpc::ClientContext* c,
             const auto& r) { return stub->PerformCreateFilter(c, r, &created); },
         filter, ErrorCode::kBadJson, "missing filter");

  v1::MessagesRequest messages;
  messages.set_user_id("@bob:test");
  messages.set_room_id("!r:test");
  expect([&](grpc::ClientContext* c, const auto& r) { return stub->QueryMessages(c, r, &body); },
         messages, ErrorCode::kInvalidParam, "missing dir");
  messages.set_dir("bf");
  expect([&](grpc::ClientContext* c, const auto& r) { return stub->QueryMessages(c, r, &body); },
         messages, ErrorCode::kInvalidParam, "long dir");
  messages.set_dir("b");
  messages.set_filter_json("\"unterminated");
  expect([&](grpc::ClientContext* c, const auto& r) { return stub->QueryMessages(c, r, &body); },
         messages, ErrorCode::kBadJson, "messages filter");

  v1::ContextRequest context;
  context.set_filter_json("nope");
  expect([&](grpc::ClientContext* c, const auto& r) { return stub->QueryContext(c, r, &body); },
         context, ErrorCode::kBadJson, "context filter");

  v1::RelationsRequest relations;
  expect([&](grpc::ClientContext* c, const auto& r) { return stub->QueryRelations(c, r, &body); },
         relations, ErrorCode::kInvalidParam, "relations dir");

  v1::PerformSearchRequest search;
  search.set_body_json("\"a string\"");
  expect([&](grpc::ClientContext* c, const auto& r) { return stub->PerformSearch(c, r, &body); },
         search, ErrorCode::kBadJson, "search body");

  v1::QueryTimestampToEventRequest ts;
  expect([&](grpc::ClientContext* c,
             const auto& r) { return stub->QueryTimestampToEvent(c, r, &body); },
         ts, ErrorCode::kInvalidParam, "timestamp dir");

  v1::SendToDeviceRequest toDevice;
  toDevice.set_messages_json("[1]");
  expect([&](grpc::ClientContext* c,
             const auto& r) { return stub->PerformSendToDevice(c, r, &empty); },
         toDevice, ErrorCode::kBadJson, "to-device messages");

  v1::InputAccountDataRequest accountData;
  accountData.set_content_json("{\"a\":1,\"a\":2}");  // duplicate key
  expect(
      [&](grpc::ClientContext* c, const auto& r) { return stub->InputAccountData(c, r, &empty); },
      accountData, ErrorCode::kBadJson, "account data");

  // The server still works afterwards.
  EXPECT_TRUE(client().inputDeviceListChange(ctx_, "@alice:test").ok());
}

// JSON bodies cross as text: whatever the implementation puts in them comes back equal,
// including integers beyond the canonical range, floats (room versions 1-5), escapes and
// deep nesting.
TEST(SyncGrpcConvertTest, JsonBodiesRoundTrip) {
  json::Value deep = json::Object{{"leaf", true}};
  for (int i = 0; i < 100; ++i) deep = json::Array{std::move(deep)};
  json::Object body{{"big", std::numeric_limits<std::int64_t>::max()},
                    {"small", std::numeric_limits<std::int64_t>::min() + 1},
                    {"float", 1.5},
                    {"tiny", 1e-300},
                    {"text", "tab\t nl\n quote\" nul\x01 \xe2\x82\xac"},
                    {"null", nullptr},
                    {"deep", deep}};
  v1::JsonBody wire;
  convert::toProto(body, wire);
  auto back = convert::fromProto(wire);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, body);
}

TEST_F(SyncGrpcTest, UnreachableServerIsUnavailable) {
  GrpcSyncClient dead(grpcutil::makeInsecureChannel("127.0.0.1:1"));
  auto blocking = dead.querySync(CallContext::withTimeout(2s), waitFor("@bob:test", "", 0));
  ASSERT_FALSE(blocking.ok());
  EXPECT_EQ(blocking.error().code, ErrorCode::kUnavailable);
  std::promise<Result<json::Object>> got;
  auto handle = dead.querySyncAsync(CallContext::withTimeout(2s), waitFor("@bob:test", "s1", 60000),
                                    [&](Result<json::Object> r) { got.set_value(std::move(r)); });
  auto future = got.get_future();
  ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
  auto async = future.get();
  ASSERT_FALSE(async.ok());
  EXPECT_EQ(async.error().code, ErrorCode::kUnavailable);
  auto presence = dead.queryPresence(CallContext::withTimeout(2s), "@bob:test");
  ASSERT_FALSE(presence.ok());
  EXPECT_EQ(presence.error().code, ErrorCode::kUnavailable);
}

TEST_F(SyncGrpcTest, ServerShutdownEndsPendingWaits) {
  makeRoom("!r1:test");
  std::string since = currentSince("@bob:test");
  constexpr int kWaits = 5;
  std::mutex mu;
  std::vector<std::optional<Error>> outcomes;  // what each wait ended with
  std::promise<void> all;
  std::vector<std::shared_ptr<SyncWait>> handles;
  for (int i = 0; i < kWaits; ++i) {
    handles.push_back(client().querySyncAsync(
        ctx_, waitFor("@bob:test", since, 60000), [&](Result<json::Object> r) {
          std::lock_guard lock(mu);
          outcomes.push_back(r.ok() ? std::nullopt : std::optional<Error>(r.error()));
          if (outcomes.size() == kWaits) all.set_value();
        }));
  }
  ASSERT_TRUE(eventually([&] { return service().parkedWaiters() == kWaits; }));
  auto start = std::chrono::steady_clock::now();
  bindings_.shutdownServer(200ms);
  // Generous: the grace is 200 ms, but CI runs this under ASan beside other tests.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
  ASSERT_EQ(all.get_future().wait_for(30s), std::future_status::ready);
  std::lock_guard lock(mu);
  for (const auto& outcome : outcomes) {
    ASSERT_TRUE(outcome.has_value()) << "a wait ended with a response";
    EXPECT_EQ(outcome->code, ErrorCode::kUnavailable) << outcome->message;
  }
  EXPECT_TRUE(eventually([&] { return service().parkedWaiters() == 0; }));
  EXPECT_TRUE(eventually([&] { return recorder_->cancels() == kWaits; }))
      << recorder_->cancels() << " of " << kWaits << " server-side waits cancelled";
}

}  // namespace
}  // namespace plexus::syncapi::testing

#endif  // PLEXUS_HAVE_GRPC
