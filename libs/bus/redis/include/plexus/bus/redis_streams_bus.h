// RedisStreamsBus: the bus of the cluster, on Redis Streams with consumer groups (hiredis).
// A topic is the stream `plexus:<topic>`; publish() is XADD (trimmed to about maxLen entries),
// a (topic, group) subscription is a member of the Redis consumer group `group`.
//
// Delivery, per subscription on a thread of its own:
// - A group that does not exist yet is created at the start of the stream (ID 0), like the
//   Outbox starts a new group at its oldest kept row: services start in any order, and a
//   consumer that subscribes after the producer's first writes still sees them.
// - On start and after every reconnect the consumer first re-reads its own pending entries
//   (delivered to its consumer name but never acknowledged), then reads new ones with
//   XREADGROUP BLOCK. A restarted replica that keeps its consumer name therefore resumes right
//   after its last acknowledged message.
// - Each message is acknowledged (XACK) after its handler succeeded; a failing handler gets
//   the same message again after a growing delay, and later messages wait behind it.
// - Entries pending for longer than claimMinIdle at another consumer of the group (a replica
//   that died or was renamed) are taken over with XAUTOCLAIM and handled here.
// - When Redis goes away the consumer reconnects with a growing delay; if the restarted Redis
//   lost the stream (no persistence), the group is created again.
//
// Order: messages reach a consumer in stream order. Several replicas in one group share the
// messages, and entries taken over from a dead replica arrive after newer ones the taker read
// already, so the per-key order of bus.h holds per group only while it has one live member
// (a sharded service gives each shard its own group or topic).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "plexus/bus/bus.h"

namespace plexus::bus {

// Where Redis is and how long to wait for it.
struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string username;  // empty: AUTH with the password only (the default user)
  std::string password;  // empty: no AUTH
  int db = 0;            // SELECT when not 0
  std::chrono::milliseconds connectTimeout{1000};
  std::chrono::milliseconds commandTimeout{2000};  // socket read/write timeout per command
};

// "redis://[[user]:password@]host[:port][/db]" (percent-escapes in user and password are not
// decoded). Errors: kInvalidParam naming what is wrong.
Result<RedisOptions> parseRedisUrl(std::string_view url);
// The URL with its password replaced by "***", for logs.
std::string redactedRedisUrl(std::string_view url);

class RedisStreamsBus final : public Bus {
 public:
  struct Options {
    RedisOptions redis;
    // Streams are trimmed to about this many entries on each publish (XADD MAXLEN ~); 0 keeps
    // everything. Entries trimmed before a group read them are lost to that group.
    std::size_t maxLen = 100000;
    // This replica's consumer name in every group. Keep it stable across restarts (a pod or
    // host name) so that a restarted replica resumes its own pending entries at once; others
    // take them over only after claimMinIdle. Empty: "<hostname>-<pid>".
    std::string consumerName;
    std::size_t readCount = 128;                // entries per XREADGROUP / XAUTOCLAIM
    std::chrono::milliseconds blockTime{1000};  // XREADGROUP BLOCK
    // An entry pending this long at another consumer is taken over. Keep it above the longest
    // time a live replica may spend on one message (handler plus retries), or that message is
    // handled twice.
    std::chrono::milliseconds claimMinIdle{30000};
    std::chrono::milliseconds claimInterval{5000};  // how often idle entries are looked for
    std::chrono::milliseconds firstRetryDelay{10};  // handler failure backoff
    std::chrono::milliseconds maxRetryDelay{5000};
    std::chrono::milliseconds firstReconnectDelay{50};
    std::chrono::milliseconds maxReconnectDelay{2000};
  };

  explicit RedisStreamsBus(Options options);
  // Every Subscription must be destroyed before the bus.
  ~RedisStreamsBus() override;
  RedisStreamsBus(const RedisStreamsBus&) = delete;
  RedisStreamsBus& operator=(const RedisStreamsBus&) = delete;

  // The stream key of a topic.
  static std::string streamKey(std::string_view topic);
  // The offset of a stream entry ID "<ms>-<seq>": ms * 2^20 + seq (seq saturates at 2^20 - 1,
  // more than a million entries in one millisecond). Increases with the ID; 0 when malformed.
  static std::uint64_t offsetOf(std::string_view entryId);

  // Bus. publish() returns kUnavailable when Redis cannot be reached within the timeouts; a
  // publish whose reply was lost is retried once on a new connection, so a message may be
  // stored twice (delivery is at least once anyway). subscribe() does not need Redis to be up:
  // the consumer connects, and creates the group, in the background.
  Result<std::uint64_t> publish(std::string_view topic, std::string_view key,
                                std::string payload) override;
  Result<std::unique_ptr<Subscription>> subscribe(std::string_view topic, std::string_view group,
                                                  Handler handler) override;
  // Hands the handler every entry of one read (up to readCount) at once; one XACK for them.
  Result<std::unique_ptr<Subscription>> subscribeBatch(std::string_view topic,
                                                       std::string_view group,
                                                       BatchHandler handler) override;

  Result<std::unique_ptr<Subscription>> start(std::string_view topic, std::string_view group,
                                              Handler handler, BatchHandler batchHandler);
  class Connection;  // one hiredis connection; defined in redis_connection.h
  class Consumer;    // one delivery thread per subscription; defined in redis_stream_consumer.cc

 private:
  void detach(const std::string& topicGroup, int member);

  Options options_;
  std::mutex publishMutex_;                // publishes share one connection, one at a time
  std::unique_ptr<Connection> publisher_;  // guarded by publishMutex_
  std::mutex mutex_;                       // guards members_
  // Member numbers in use per "topic\ngroup": several subscriptions of one group in one
  // process get distinct consumer names ("name", "name#2", ...).
  std::map<std::string, std::set<int>, std::less<>> members_;
};

}  // namespace plexus::bus
