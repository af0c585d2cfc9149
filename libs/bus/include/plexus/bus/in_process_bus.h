// InProcessBus: the bus of the client-side node and of tests. Each subscription has its own
// queue and worker thread; a failing handler is retried with a growing delay (bounded), in
// order, so a stuck consumer never loses or reorders messages.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "plexus/bus/bus.h"

namespace plexus::bus {

class InProcessBus final : public Bus {
 public:
  struct Options {
    std::chrono::milliseconds firstRetryDelay{10};
    std::chrono::milliseconds maxRetryDelay{5000};
  };
  InProcessBus();
  explicit InProcessBus(Options options);
  ~InProcessBus() override;

  // Bus
  Result<std::uint64_t> publish(std::string_view topic, std::string_view key,
                                std::string payload) override;
  Result<std::unique_ptr<Subscription>> subscribe(std::string_view topic, std::string_view group,
                                                  Handler handler) override;

  class Consumer;  // one per (topic, group) subscription; defined in the .cc

 private:
  void detach(Consumer* consumer);

  Options options_;
  std::mutex mutex_;
  std::map<std::string, std::uint64_t, std::less<>> nextOffset_;
  std::multimap<std::string, Consumer*, std::less<>> consumers_;  // topic -> consumers
};

}  // namespace plexus::bus
