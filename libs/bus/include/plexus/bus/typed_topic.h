// TypedTopic<T>: a topic whose payloads are one message type. T provides
//   static constexpr std::string_view kTopic;       // e.g. "roomserver.output"
//   std::string key() const;                        // ordering key
//   json::Object toJson() const;
//   static Result<T> fromJson(const json::Object&);
// Producers and consumers then never touch payload bytes, and the same schema works over the
// in-process bus and Redis Streams.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "plexus/bus/bus.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::bus {

template <typename T>
Result<std::uint64_t> publishTyped(Bus& bus, const T& message) {
  return bus.publish(T::kTopic, message.key(), json::canonical(message.toJson()));
}

// `handler(const T&, std::uint64_t offset) -> Status`. A payload that does not decode is
// skipped: redelivering it could never succeed.
template <typename T, typename F>
Result<std::unique_ptr<Subscription>> subscribeTyped(Bus& bus, std::string_view group, F handler) {
  return bus.subscribe(T::kTopic, group,
                       [handler = std::move(handler)](const Message& m) -> Status {
                         auto object = json::parseObject(m.payload);
                         if (!object.ok()) return {};
                         auto typed = T::fromJson(*object);
                         if (!typed.ok()) return {};
                         return handler(*typed, m.offset);
                       });
}

// `handler(std::vector<T>&& messages, std::uint64_t lastOffset) -> Status`: every message that is
// ready at once (runs of one on a bus without batches). Payloads that do not decode are left
// out; a run with none left is not handed over.
template <typename T, typename F>
Result<std::unique_ptr<Subscription>> subscribeTypedBatch(Bus& bus, std::string_view group,
                                                          F handler) {
  return bus.subscribeBatch(T::kTopic, group,
                            [handler = std::move(handler)](std::span<const Message> run) -> Status {
                              std::vector<T> typed;
                              typed.reserve(run.size());
                              for (const Message& m : run) {
                                auto object = json::parseObject(m.payload);
                                if (!object.ok()) continue;
                                auto t = T::fromJson(*object);
                                if (t.ok()) typed.push_back(std::move(*t));
                              }
                              if (typed.empty()) return {};
                              return handler(std::move(typed), run.back().offset);
                            });
}

}  // namespace plexus::bus
