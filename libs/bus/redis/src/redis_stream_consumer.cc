// RedisStreamsBus delivery: one thread per subscription reads its consumer group (own pending
// entries first, then claimed and new ones), calls the handler in order and acknowledges.
#include <algorithm>
#include <condition_variable>
#include <thread>

#include "plexus/bus/redis_streams_bus.h"
#include "redis_connection.h"

namespace plexus::bus {
namespace {

using Clock = std::chrono::steady_clock;
using detail::RedisReply;

struct Entry {
  std::string id;
  bool deleted = false;  // trimmed from the stream while pending: nothing to deliver
  std::string key;
  std::string payload;
};

bool isArray(const RedisReply& r) { return r.type == RedisReply::Type::kArray; }

Result<Entry> parseEntry(const RedisReply& r) {
  if (!isArray(r) || r.elements.size() != 2 || r.elements[0].type != RedisReply::Type::kString) {
    return fail(ErrorCode::kInternal, "redis: malformed stream entry");
  }
  Entry e;
  e.id = r.elements[0].str;
  const RedisReply& fields = r.elements[1];
  if (!isArray(fields)) {
    e.deleted = true;
    return e;
  }
  for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    const std::string& name = fields.elements[i].str;
    if (name == "key") e.key = fields.elements[i + 1].str;
    if (name == "payload") e.payload = fields.elements[i + 1].str;
  }
  return e;
}

Result<std::vector<Entry>> parseEntries(const RedisReply& list) {
  std::vector<Entry> out;
  if (!isArray(list)) return out;
  out.reserve(list.elements.size());
  for (const RedisReply& r : list.elements) {
    PLEXUS_TRY(Entry e, parseEntry(r));
    out.push_back(std::move(e));
  }
  return out;
}

Error replyError(std::string_view what, const RedisReply& r) {
  // Unavailable, not internal: NOGROUP after a Redis restart and similar are cured by setting
  // the group up again, which the caller does after any error.
  return makeError(ErrorCode::kUnavailable, "redis: " + std::string(what) + ": " + r.str);
}

}  // namespace

class RedisStreamsBus::Consumer final : public Subscription {
 public:
  // Exactly one of `handler` (one message per call) and `batchHandler` (every entry of one
  // read at once, acknowledged with one XACK) is set.
  Consumer(RedisStreamsBus& bus, std::string topic, std::string group, std::string name, int member,
           Handler handler, BatchHandler batchHandler)
      : bus_(bus),
        stream_(streamKey(topic)),
        topic_(std::move(topic)),
        group_(std::move(group)),
        name_(std::move(name)),
        member_(member),
        handler_(std::move(handler)),
        batchHandler_(std::move(batchHandler)),
        worker_([this] { run(); }) {}

  ~Consumer() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      // Only a blocked read is cut short; a handler or XACK in flight finishes normally.
      if (blocking_ && connection_) connection_->interrupt();
    }
    wake_.notify_all();
    worker_.join();
    bus_.detach(topic_ + "\n" + group_, member_);
  }

 private:
  const Options& options() const { return bus_.options_; }

  bool stopping() {
    std::lock_guard lock(mutex_);
    return stopping_;
  }
  // Waits `delay` (or until stopped); false when stopping.
  bool sleepFor(std::chrono::milliseconds delay) {
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, delay, [&] { return stopping_; });
  }

  Result<RedisReply> command(const std::vector<std::string_view>& args) {
    return connection_->command(args);
  }

  // Connects (when needed) and creates the group at the start of the stream if it is missing.
  Status setUp() {
    if (!connection_) {
      PLEXUS_TRY(std::unique_ptr<Connection> c,
                 Connection::open(options().redis, options().blockTime));
      std::lock_guard lock(mutex_);
      connection_ = std::move(c);
    }
    PLEXUS_TRY(RedisReply r, command({"XGROUP", "CREATE", stream_, group_, "0", "MKSTREAM"}));
    if (r.type == RedisReply::Type::kError && !r.isError("BUSYGROUP")) {
      return replyError("XGROUP CREATE " + stream_, r);
    }
    return {};
  }

  void dropConnection() {
    std::lock_guard lock(mutex_);
    connection_.reset();
  }

  // XREADGROUP from `id`: "0"... re-reads this consumer's pending entries after that ID, ">"
  // reads new ones and blocks up to blockTime.
  Result<std::vector<Entry>> read(const std::string& id) {
    bool block = id == ">";
    std::string count = std::to_string(options().readCount);
    std::string blockMs = std::to_string(options().blockTime.count());
    std::vector<std::string_view> args{"XREADGROUP", "GROUP", group_, name_, "COUNT", count};
    if (block) args.insert(args.end(), {"BLOCK", blockMs});
    args.insert(args.end(), {"STREAMS", stream_, id});
    if (block) {
      std::lock_guard lock(mutex_);
      if (stopping_) return std::vector<Entry>{};
      blocking_ = true;
    }
    auto reply = command(args);
    if (block) {
      std::lock_guard lock(mutex_);
      blocking_ = false;
    }
    PLEXUS_TRY(RedisReply r, std::move(reply));
    if (r.type == RedisReply::Type::kError) return replyError("XREADGROUP " + stream_, r);
    // [[stream, [entries...]]], or nil when a blocking read timed out.
    if (!isArray(r) || r.elements.empty() || !isArray(r.elements[0]) ||
        r.elements[0].elements.size() != 2) {
      return std::vector<Entry>{};
    }
    return parseEntries(r.elements[0].elements[1]);
  }

  // XAUTOCLAIM: takes over entries idle for claimMinIdle at any consumer of the group.
  Result<std::vector<Entry>> claim() {
    std::string minIdle = std::to_string(options().claimMinIdle.count());
    std::string count = std::to_string(options().readCount);
    PLEXUS_TRY(RedisReply r, command({"XAUTOCLAIM", stream_, group_, name_, minIdle, claimCursor_,
                                      "COUNT", count}));
    if (r.type == RedisReply::Type::kError) return replyError("XAUTOCLAIM " + stream_, r);
    // [next cursor, [entries...], [deleted IDs...]]
    if (!isArray(r) || r.elements.size() < 2) return std::vector<Entry>{};
    claimCursor_ = r.elements[0].str.empty() ? "0-0" : r.elements[0].str;
    return parseEntries(r.elements[1]);
  }

  // Calls the handler until it accepts the entry, then acknowledges it. False when the
  // subscription stopped first (the entry stays pending and is delivered again later).
  Result<bool> deliver(const Entry& e) {
    if (!e.deleted) {
      Message m{topic_, e.key, e.payload, offsetOf(e.id)};
      std::chrono::milliseconds delay = options().firstRetryDelay;
      while (!handler_(m).ok()) {
        if (!sleepFor(delay)) return false;
        delay = std::min(delay * 2, options().maxRetryDelay);
      }
    }
    PLEXUS_TRY(RedisReply r, command({"XACK", stream_, group_, e.id}));
    if (r.type == RedisReply::Type::kError) return replyError("XACK " + stream_, r);
    return true;
  }

  // Delivers `entries` in order: one by one, or (batch handler) all at once and acknowledged
  // with one XACK. False when the subscription stopped first.
  Result<bool> deliverAll(const std::vector<Entry>& entries) {
    if (entries.empty()) return true;
    if (!batchHandler_) {
      for (const Entry& e : entries) {
        PLEXUS_TRY(bool delivered, deliver(e));
        if (!delivered) return false;
      }
      return true;
    }
    std::vector<Message> run;
    run.reserve(entries.size());
    for (const Entry& e : entries)
      if (!e.deleted) run.push_back(Message{topic_, e.key, e.payload, offsetOf(e.id)});
    if (!run.empty()) {
      std::chrono::milliseconds delay = options().firstRetryDelay;
      while (!batchHandler_(std::span<const Message>(run)).ok()) {
        if (!sleepFor(delay)) return false;
        delay = std::min(delay * 2, options().maxRetryDelay);
      }
    }
    std::vector<std::string_view> ack{"XACK", stream_, group_};
    for (const Entry& e : entries) ack.push_back(e.id);
    PLEXUS_TRY(RedisReply r, command(ack));
    if (r.type == RedisReply::Type::kError) return replyError("XACK " + stream_, r);
    return true;
  }

  // One round: own pending entries until there are none, then claimed entries when due, then
  // one blocking read of new entries.
  Status step() {
    if (!pendingCursor_.empty()) {
      PLEXUS_TRY(std::vector<Entry> entries, read(pendingCursor_));
      if (entries.empty()) {
        pendingCursor_.clear();
        return {};
      }
      PLEXUS_TRY(bool delivered, deliverAll(entries));
      if (delivered) pendingCursor_ = entries.back().id;
      return {};
    }
    if (Clock::now() >= nextClaim_) {
      PLEXUS_TRY(std::vector<Entry> entries, claim());
      // Keep scanning soon while the cursor has not come round.
      nextClaim_ = Clock::now() +
                   (claimCursor_ == "0-0" ? options().claimInterval : std::chrono::milliseconds(0));
      PLEXUS_TRY(bool delivered, deliverAll(entries));
      if (!delivered) return {};
    }
    PLEXUS_TRY(std::vector<Entry> entries, read(">"));
    PLEXUS_TRY(bool delivered, deliverAll(entries));
    (void)delivered;  // stopping: the rest stays pending for the next start
    return {};
  }

  void run() {
    std::chrono::milliseconds reconnectDelay = options().firstReconnectDelay;
    bool needSetUp = true;
    while (!stopping()) {
      Status status = needSetUp ? setUp() : step();
      if (status.ok()) {
        if (needSetUp) {
          needSetUp = false;
          pendingCursor_.assign(1, '0');  // resume: what was delivered here but never acknowledged
        } else {
          reconnectDelay = options().firstReconnectDelay;
        }
        continue;
      }
      // Redis went away, or lost the group (restarted without persistence): start over on a
      // fresh connection after a growing delay.
      dropConnection();
      needSetUp = true;
      if (!sleepFor(reconnectDelay)) break;
      reconnectDelay = std::min(reconnectDelay * 2, options().maxReconnectDelay);
    }
    dropConnection();
  }

  RedisStreamsBus& bus_;
  std::string stream_;
  std::string topic_;
  std::string group_;
  std::string name_;
  int member_;
  Handler handler_;
  BatchHandler batchHandler_;
  std::string pendingCursor_;  // non-empty: re-reading own pending entries after this ID
  std::string claimCursor_ = "0-0";
  Clock::time_point nextClaim_ = Clock::now();
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool blocking_ = false;                   // in a blocking XREADGROUP
  std::unique_ptr<Connection> connection_;  // replaced under mutex_ (interrupt() reads it)
  std::thread worker_;                      // last: starts after the members it uses exist
};

Result<std::unique_ptr<Subscription>> RedisStreamsBus::subscribe(std::string_view topic,
                                                                 std::string_view group,
                                                                 Handler handler) {
  if (!handler) return fail(ErrorCode::kInvalidParam, "subscribe: no handler");
  return start(topic, group, std::move(handler), nullptr);
}

Result<std::unique_ptr<Subscription>> RedisStreamsBus::subscribeBatch(std::string_view topic,
                                                                      std::string_view group,
                                                                      BatchHandler handler) {
  if (!handler) return fail(ErrorCode::kInvalidParam, "subscribe: no handler");
  return start(topic, group, nullptr, std::move(handler));
}

Result<std::unique_ptr<Subscription>> RedisStreamsBus::start(std::string_view topic,
                                                             std::string_view group,
                                                             Handler handler,
                                                             BatchHandler batchHandler) {
  if (topic.empty()) return fail(ErrorCode::kInvalidParam, "subscribe: empty topic");
  if (group.empty()) return fail(ErrorCode::kInvalidParam, "subscribe: empty consumer group");
  std::string topicGroup = std::string(topic) + "\n" + std::string(group);
  int member = 1;
  {
    std::lock_guard lock(mutex_);
    std::set<int>& used = members_[topicGroup];
    while (used.count(member)) ++member;
    used.insert(member);
  }
  std::string name = options_.consumerName;
  if (member > 1) name.append(1, '#').append(std::to_string(member));
  return std::unique_ptr<Subscription>(
      std::make_unique<Consumer>(*this, std::string(topic), std::string(group), std::move(name),
                                 member, std::move(handler), std::move(batchHandler)));
}

}  // namespace plexus::bus
