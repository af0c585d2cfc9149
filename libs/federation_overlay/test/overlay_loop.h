// Test helper: two real overlay::SessionEndpoints joined by an in-memory datagram pipe, driven
// on one worker thread with the real clock (the transport blocks its caller, so the overlay must
// run elsewhere). Each node is reachable through an OverlayStreamPort, as the node's
// OverlayNode would be. Every wait is bounded; stop() joins the thread.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "plexus/crypto/ed25519.h"
#include "plexus/federation_overlay/overlay_stream_port.h"
#include "plexus/overlay/session_endpoint.h"

namespace plexus::federation_overlay::testing {

inline crypto::SigningKey testKey(std::uint8_t n) {
  return *crypto::SigningKey::fromSeed(std::string(32, static_cast<char>(n)));
}

class OverlayLoop {
 public:
  using StreamHandlerFn = std::function<void(std::shared_ptr<overlay::Stream>)>;

  // Node 0 and node 1, with keys testKey(1) and testKey(2).
  OverlayLoop() {
    for (int i = 0; i < 2; ++i) {
      keys_.push_back(testKey(static_cast<std::uint8_t>(i + 1)));
      ports_.push_back(std::make_unique<Port>(*this, i));
    }
    for (int i = 0; i < 2; ++i) {
      overlay::SessionEndpoint::Callbacks callbacks;
      callbacks.sendDatagram = [this, i](const crypto::PublicKey&, std::string datagram) {
        pipe_.push_back(Datagram{i, 1 - i, std::move(datagram)});
      };
      callbacks.onStream = [this, i](std::shared_ptr<overlay::Stream> stream) {
        if (onStream_[i]) {
          onStream_[i](std::move(stream));
        } else {
          stream->reset(1);
        }
      };
      endpoints_.push_back(
          std::make_unique<overlay::SessionEndpoint>(keys_[i], config(), std::move(callbacks)));
    }
    thread_ = std::thread([this] { run(); });
  }

  ~OverlayLoop() { stop(); }

  // Joins the loop thread; posted tasks are dropped from then on.
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  OverlayStreamPort& port(int node) { return *ports_[node]; }
  const crypto::SigningKey& key(int node) const { return keys_[node]; }
  overlay::SessionEndpoint& endpoint(int node) { return *endpoints_[node]; }

  // Incoming streams of `node` go to `handler` (on the loop thread).
  void onStream(int node, StreamHandlerFn handler) {
    runOnLoop([&] { onStream_[node] = std::move(handler); });
  }

  void post(std::function<void()> task) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      tasks_.push_back(std::move(task));
    }
    wake_.notify_all();
  }

  // Runs `task` on the loop thread and waits for it (at most 10 s).
  void runOnLoop(const std::function<void()>& task) {
    std::promise<void> done;
    auto future = done.get_future();
    post([&] {
      task();
      done.set_value();
    });
    if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << "loop task did not run";
      std::abort();  // the task refers to this frame
    }
  }

  bool onLoopThread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  struct Datagram {
    int from;
    int to;
    std::string bytes;
  };

  class Port final : public OverlayStreamPort {
   public:
    Port(OverlayLoop& loop, int node) : loop_(loop), node_(node) {}
    void openStream(const crypto::PublicKey& destination, StreamDone done) override {
      loop_.post([this, destination, done = std::move(done)] {
        auto stream = loop_.endpoints_[node_]->openStream(destination);
        done(stream ? *stream : nullptr);
      });
    }
    void post(std::function<void()> task) override { loop_.post(std::move(task)); }
    bool onOverlayThread() const override { return loop_.onLoopThread(); }

   private:
    OverlayLoop& loop_;
    int node_;
  };

  static overlay::SessionConfig config() {
    overlay::SessionConfig c;
    c.ackDelayUs = 1'000;
    return c;
  }

  static std::int64_t nowUs() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  void run() {
    for (;;) {
      std::deque<std::function<void()>> tasks;
      {
        std::unique_lock lock(mutex_);
        if (pipe_.empty()) {
          std::int64_t next = INT64_MAX;
          for (auto& e : endpoints_) next = std::min(next, e->nextTimerUs());
          const std::int64_t wait = std::clamp<std::int64_t>(next - nowUs(), 0, 50'000);
          wake_.wait_for(lock, std::chrono::microseconds(wait),
                         [this] { return stopping_ || !tasks_.empty(); });
        }
        if (stopping_) return;
        tasks.swap(tasks_);
      }
      for (auto& task : tasks) task();
      // Datagrams sent while delivering are delivered in later rounds (bounded per round).
      std::deque<Datagram> batch;
      batch.swap(pipe_);
      for (auto& d : batch)
        endpoints_[d.to]->onDatagram(keys_[d.from].publicKey(), d.bytes, nowUs());
      for (auto& e : endpoints_)
        if (e->nextTimerUs() <= nowUs()) e->onTimer(nowUs());
    }
  }

  std::vector<crypto::SigningKey> keys_;
  std::vector<std::unique_ptr<Port>> ports_;
  std::vector<std::unique_ptr<overlay::SessionEndpoint>> endpoints_;
  StreamHandlerFn onStream_[2];
  std::deque<Datagram> pipe_;  // loop thread only

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace plexus::federation_overlay::testing
