// InProcessBus: per-subscription queues drained by one worker thread each.
#include "plexus/bus/in_process_bus.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <thread>

namespace plexus::bus {

class InProcessBus::Consumer final : public Subscription {
 public:
  Consumer(InProcessBus& bus, std::string topic, Handler handler)
      : bus_(bus), topic_(std::move(topic)), handler_(std::move(handler)),
        worker_([this] { run(); }) {}

  ~Consumer() override {
    bus_.detach(this);
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    worker_.join();
  }

  const std::string& topic() const { return topic_; }

  void enqueue(Message message) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(message));
    }
    wake_.notify_one();
  }

 private:
  void run() {
    std::chrono::milliseconds delay = bus_.options_.firstRetryDelay;
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      Message message = queue_.front();
      lock.unlock();
      Status handled = handler_(message);
      lock.lock();
      if (handled.ok()) {
        queue_.pop_front();
        delay = bus_.options_.firstRetryDelay;
        continue;
      }
      // At least once: keep the message at the head and try again after a growing delay.
      wake_.wait_for(lock, delay, [&] { return stopping_; });
      delay = std::min(delay * 2, bus_.options_.maxRetryDelay);
    }
  }

  InProcessBus& bus_;
  std::string topic_;
  Handler handler_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Message> queue_;
  bool stopping_ = false;
  std::thread worker_;  // last: starts after the members it uses exist
};

InProcessBus::InProcessBus() : InProcessBus(Options{}) {}
InProcessBus::InProcessBus(Options options) : options_(options) {}
InProcessBus::~InProcessBus() = default;

Result<std::uint64_t> InProcessBus::publish(std::string_view topic, std::string_view key,
                                            std::string payload) {
  std::lock_guard lock(mutex_);
  auto it = nextOffset_.find(topic);
  if (it == nextOffset_.end()) it = nextOffset_.emplace(std::string(topic), 1).first;
  std::uint64_t offset = it->second++;
  auto [first, last] = consumers_.equal_range(topic);
  for (auto c = first; c != last; ++c) {
    c->second->enqueue(Message{std::string(topic), std::string(key), payload, offset});
  }
  return offset;
}

Result<std::unique_ptr<Subscription>> InProcessBus::subscribe(std::string_view topic,
                                                              std::string_view group,
                                                              Handler handler) {
  if (!handler) return fail(ErrorCode::kInvalidParam, "subscribe: no handler");
  // In one process each group has exactly one member, so the group needs no bookkeeping.
  (void)group;
  auto consumer = std::make_unique<Consumer>(*this, std::string(topic), std::move(handler));
  std::lock_guard lock(mutex_);
  consumers_.emplace(std::string(topic), consumer.get());
  return std::unique_ptr<Subscription>(std::move(consumer));
}

void InProcessBus::detach(Consumer* consumer) {
  std::lock_guard lock(mutex_);
  auto [first, last] = consumers_.equal_range(consumer->topic());
  for (auto c = first; c != last; ++c) {
    if (c->second == consumer) {
      consumers_.erase(c);
      return;
    }
  }
}

}  // namespace plexus::bus
