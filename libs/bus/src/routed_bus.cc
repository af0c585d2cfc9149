// RoutedBus: topic -> the bus that serves it.
#include "plexus/bus/routed_bus.h"

namespace plexus::bus {

void RoutedBus::route(std::string_view topic, Bus& target) {
  std::lock_guard lock(mutex_);
  routes_.insert_or_assign(std::string(topic), &target);
}

void RoutedBus::setFallback(Bus& fallback) {
  std::lock_guard lock(mutex_);
  fallback_ = &fallback;
}

Bus& RoutedBus::busFor(std::string_view topic) {
  std::lock_guard lock(mutex_);
  auto it = routes_.find(topic);
  return it == routes_.end() ? *fallback_ : *it->second;
}

Result<std::uint64_t> RoutedBus::publish(std::string_view topic, std::string_view key,
                                         std::string payload) {
  return busFor(topic).publish(topic, key, std::move(payload));
}

Result<std::unique_ptr<Subscription>> RoutedBus::subscribe(std::string_view topic,
                                                           std::string_view group,
                                                           Handler handler) {
  return busFor(topic).subscribe(topic, group, std::move(handler));
}

Result<std::unique_ptr<Subscription>> RoutedBus::subscribeBatch(std::string_view topic,
                                                                std::string_view group,
                                                                BatchHandler handler) {
  return busFor(topic).subscribeBatch(topic, group, std::move(handler));
}

}  // namespace plexus::bus
