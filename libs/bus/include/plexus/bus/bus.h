// The bus: asynchronous outputs between services (new room events, EDUs, device-list changes,
// to-device messages, account-data changes). Topics carry messages with an ordering key;
// messages with the same key reach each consumer group in publish order. Delivery is at least
// once: a handler that fails sees the message again, so handlers must be idempotent.
// Bindings: InProcessBus (the node, tests) and Redis Streams with consumer groups (cluster).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "plexus/core/result.h"

namespace plexus::bus {

struct Message {
  std::string topic;
  std::string key;           // ordering key, e.g. a room ID or user ID
  std::string payload;       // JSON produced by the topic's typed schema (see typed_topic.h)
  std::uint64_t offset = 0;  // assigned by the bus; increases within a topic
};

// Returns an error to have the message delivered again later (after a backoff).
using Handler = std::function<Status(const Message&)>;

// Handles a run of consecutive messages of one topic at once (for example to store them in one
// transaction). An error has the whole run delivered again.
using BatchHandler = std::function<Status(std::span<const Message>)>;

// Ends its consumer when destroyed: no handler call is running or starts after that.
class Subscription {
 public:
  virtual ~Subscription() = default;
};

class Bus {
 public:
  virtual ~Bus() = default;

  // Appends a message; returns its offset. Errors: kUnavailable when the bus is down.
  virtual Result<std::uint64_t> publish(std::string_view topic, std::string_view key,
                                        std::string payload) = 0;

  // Starts consuming `topic` as a member of `group`: each message is handled once per group
  // (at least once). A new group starts with messages published after it subscribed.
  // `handler` runs on a bus thread, never concurrently with itself for one subscription.
  virtual Result<std::unique_ptr<Subscription>> subscribe(std::string_view topic,
                                                          std::string_view group,
                                                          Handler handler) = 0;

  // Like subscribe(), but hands the handler every message that is ready at once, in order. A
  // bus without batches delivers runs of one.
  virtual Result<std::unique_ptr<Subscription>> subscribeBatch(std::string_view topic,
                                                               std::string_view group,
                                                               BatchHandler handler) {
    if (!handler) return fail(ErrorCode::kInvalidParam, "subscribe: no handler");
    return subscribe(topic, group, [h = std::move(handler)](const Message& m) {
      return h(std::span<const Message>(&m, 1));
    });
  }
};

}  // namespace plexus::bus
