// RoutedBus: one Bus for consumers in front of several. The composition root routes each topic
// that a producer keeps durably to that producer's Outbox; every other topic goes to the
// fallback (the InProcessBus). Consumers subscribe and publish as on any Bus.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "plexus/bus/bus.h"

namespace plexus::bus {

class RoutedBus final : public Bus {
 public:
  explicit RoutedBus(Bus& fallback) : fallback_(&fallback) {}
  // Serves unrouted topics from `fallback` from now on (the cluster's Redis bus instead of
  // memory); like route(), before anyone subscribes. `fallback` must outlive this bus.
  void setFallback(Bus& fallback);

  // Serves `topic` from `target` from now on (subscriptions made earlier stay where they
  // are, so route before anyone subscribes). `target` must outlive this bus.
  void route(std::string_view topic, Bus& target);

  // Bus
  Result<std::uint64_t> publish(std::string_view topic, std::string_view key,
                                std::string payload) override;
  Result<std::unique_ptr<Subscription>> subscribe(std::string_view topic, std::string_view group,
                                                  Handler handler) override;
  Result<std::unique_ptr<Subscription>> subscribeBatch(std::string_view topic,
                                                       std::string_view group,
                                                       BatchHandler handler) override;

 private:
  Bus& busFor(std::string_view topic);

  Bus* fallback_;
  std::mutex mutex_;
  std::map<std::string, Bus*, std::less<>> routes_;
};

}  // namespace plexus::bus
