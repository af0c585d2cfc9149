// OutputSink: how a producer hands its bus outputs over inside its own database transaction
// (the transactional outbox). enqueue() writes the message beside the producer's data, so the
// message exists exactly when the data does: a rolled-back transaction leaves no message, a
// committed one cannot lose it, even when the process is killed right after the commit.
// committed() then only shortens the wait of the delivery side. Implemented by Outbox.
#pragma once

#include <concepts>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/json/canonical.h"
#include "plexus/storage/database.h"

namespace plexus::bus {

// One message of enqueueMany(): what enqueue() takes besides the topic.
struct OutputMessage {
  std::string key;
  std::string payload;
};

class OutputSink {
 public:
  virtual ~OutputSink() = default;

  // Records a message in `tx` (the producer's open transaction on the outbox's database). It
  // becomes deliverable when tx commits and vanishes when tx rolls back. Messages of one topic
  // are delivered in commit order. Errors: the storage error (the caller's transaction fails).
  virtual Status enqueue(storage::Executor& tx, std::string_view topic, std::string_view key,
                         std::string payload) = 0;

  // enqueue() for several messages of one topic, in order. The outbox writes them in one
  // statement: a group commit of many producers' writes costs one insert, not one per message.
  virtual Status enqueueMany(storage::Executor& tx, std::string_view topic,
                             std::vector<OutputMessage> messages) {
    for (auto& m : messages) {
      if (auto s = enqueue(tx, topic, m.key, std::move(m.payload)); !s.ok()) return s;
    }
    return {};
  }

  // Call after a transaction that enqueued has committed: wakes delivery at once instead of at
  // its next poll. Cheap, never fails, safe from any thread.
  virtual void committed() = 0;
};

// enqueue() for a typed message (see typed_topic.h for what T provides). A message type may
// encode itself (`std::string encode() const`, any JSON text its fromJson reads) when it can do
// that faster than canonical JSON of toJson().
template <typename T>
std::string encodeTyped(const T& message) {
  if constexpr (requires {
                  { message.encode() } -> std::convertible_to<std::string>;
                }) {
    return message.encode();
  } else {
    return json::canonical(message.toJson());
  }
}

template <typename T>
Status enqueueTyped(OutputSink& sink, storage::Executor& tx, const T& message) {
  return sink.enqueue(tx, T::kTopic, message.key(), encodeTyped(message));
}

}  // namespace plexus::bus
