// Test helper: an in-memory datagram network between SessionEndpoints with a simulated clock
// and a seeded RNG, so loss, duplication, reordering and delay are reproducible. Every run loop
// is bounded by simulated time and by a step count, so a bug cannot hang a test.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "plexus/crypto/ed25519.h"
#include "plexus/overlay/session_endpoint.h"

namespace plexus::overlay::testing {

inline crypto::SigningKey testKey(std::uint8_t n) {
  return *crypto::SigningKey::fromSeed(std::string(32, static_cast<char>(n)));
}

inline std::string keyId(const crypto::PublicKey& k) { return std::string(k.bytes()); }

// Timers shrunk so tests cover many round trips in little simulated time.
inline SessionConfig testConfig() {
  SessionConfig c;
  c.handshakeRetryUs = 100'000;
  c.handshakeRetryMaxUs = 1'000'000;
  c.initialRtoUs = 300'000;
  c.minRtoUs = 50'000;
  c.maxRtoUs = 5'000'000;
  c.keepaliveUs = 2'000'000;
  c.idleTimeoutUs = 10'000'000;
  c.halfOpenTimeoutUs = 5'000'000;
  return c;
}

struct NetConditions {
  double loss = 0;
  double duplicate = 0;
  double reorder = 0;  // share of datagrams held back by reorderDelayUs
  std::int64_t delayUs = 10'000;
  std::int64_t jitterUs = 0;
  std::int64_t reorderDelayUs = 25'000;
};

class SimNet {
 public:
  struct Node {
    crypto::SigningKey key;
    std::unique_ptr<SessionEndpoint> endpoint;
    std::vector<std::shared_ptr<Stream>> accepted;
  };
  struct Sent {
    crypto::PublicKey from;
    crypto::PublicKey to;
    std::string bytes;
  };

  explicit SimNet(std::uint64_t seed) : rng_(seed) {}

  NetConditions conditions;
  // Sees every datagram as it is sent; return false to drop it. May modify the bytes.
  std::function<bool(const crypto::PublicKey& from, const crypto::PublicKey& to,
                     std::string& bytes)>
      tap;
  bool record = false;
  std::vector<Sent> log;
  // Datagrams addressed to the first key are delivered to the node of the second (an impostor
  // or a misrouting router).
  std::map<std::string, std::string> redirect;

  Node& add(const crypto::SigningKey& key, SessionConfig config = testConfig()) {
    auto node = std::make_unique<Node>(Node{key, nullptr, {}});
    Node* raw = node.get();
    const crypto::PublicKey from = key.publicKey();
    auto rng = std::make_shared<std::mt19937_64>(rng_());
    SessionEndpoint::Callbacks cb;
    cb.sendDatagram = [this, from](const crypto::PublicKey& to, std::string bytes) {
      send(from, to, std::move(bytes));
    };
    cb.onStream = [raw](std::shared_ptr<Stream> s) { raw->accepted.push_back(std::move(s)); };
    raw->endpoint = std::make_unique<SessionEndpoint>(
        key, config, std::move(cb), [rng](void* out, std::size_t n) {
          auto* p = static_cast<unsigned char*>(out);
          for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<unsigned char>((*rng)());
        });
    nodes_[keyId(from)] = std::move(node);
    return *raw;
  }
  void remove(const crypto::PublicKey& key) { nodes_.erase(keyId(key)); }
  Node& node(const crypto::PublicKey& key) { return *nodes_.at(keyId(key)); }
  std::int64_t now() const { return now_; }

  // Delivers a datagram at now + delayUs without loss (for replays and forgeries).
  void inject(const crypto::PublicKey& from, const crypto::PublicKey& to, std::string bytes,
              std::int64_t delayUs = 0) {
    queue_.push(Event{now_ + delayUs, seq_++, from, to, std::move(bytes)});
  }

  // Runs until done() holds (true) or the time or step budget runs out (false).
  bool runUntil(const std::function<bool()>& done, std::int64_t maxDurationUs,
                int maxSteps = 3'000'000) {
    const std::int64_t deadline = now_ + maxDurationUs;
    for (int step = 0; step < maxSteps; ++step) {
      if (done && done()) return true;
      std::int64_t timer = std::numeric_limits<std::int64_t>::max();
      for (auto& [id, n] : nodes_) timer = std::min(timer, n->endpoint->nextTimerUs());
      const std::int64_t eventAt =
          queue_.empty() ? std::numeric_limits<std::int64_t>::max() : queue_.top().at;
      const std::int64_t next = std::min(timer, eventAt);
      if (next > deadline) {
        now_ = std::max(now_, deadline);
        return done && done();
      }
      now_ = std::max(now_, next);
      if (timer <= eventAt) {
        std::vector<SessionEndpoint*> due;
        for (auto& [id, n] : nodes_) {
          if (n->endpoint->nextTimerUs() <= now_) due.push_back(n->endpoint.get());
        }
        for (auto* ep : due) ep->onTimer(now_);
      } else {
        Event e = queue_.top();
        queue_.pop();
        std::string target = keyId(e.to);
        if (auto r = redirect.find(target); r != redirect.end()) target = r->second;
        auto it = nodes_.find(target);
        if (it != nodes_.end()) it->second->endpoint->onDatagram(e.from, e.bytes, now_);
      }
    }
    return false;
  }
  void runFor(std::int64_t durationUs) { runUntil(nullptr, durationUs); }

 private:
  struct Event {
    std::int64_t at;
    std::uint64_t seq;
    crypto::PublicKey from;
    crypto::PublicKey to;
    std::string bytes;
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };

  double uniform() { return std::uniform_real_distribution<double>(0, 1)(rng_); }

  void send(const crypto::PublicKey& from, const crypto::PublicKey& to, std::string bytes) {
    EXPECT_LE(bytes.size(), 1200u);
    if (tap && !tap(from, to, bytes)) return;
    if (record) log.push_back(Sent{from, to, bytes});
    if (uniform() < conditions.loss) return;
    const int copies = uniform() < conditions.duplicate ? 2 : 1;
    for (int i = 0; i < copies; ++i) {
      std::int64_t delay = conditions.delayUs;
      if (conditions.jitterUs > 0) {
        delay += static_cast<std::int64_t>(uniform() * static_cast<double>(conditions.jitterUs));
      }
      if (uniform() < conditions.reorder) delay += conditions.reorderDelayUs;
      queue_.push(Event{now_ + delay, seq_++, from, to, bytes});
    }
  }

  std::mt19937_64 rng_;
  std::int64_t now_ = 1'000'000;
  std::uint64_t seq_ = 0;
  std::map<std::string, std::unique_ptr<Node>> nodes_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> queue_;
};

// Reads everything a stream has into `sink` whenever it becomes readable.
inline void drainInto(const std::shared_ptr<Stream>& s, std::string& sink) {
  Stream* raw = s.get();
  s->setHandler(StreamHandler{[raw, &sink] { sink += raw->read(); }, nullptr, nullptr});
  sink += s->read();
}

inline std::string patternBytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

}  // namespace plexus::overlay::testing
