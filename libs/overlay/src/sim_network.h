// The simulator's network: nodes running real Routers, links with latency, FIFO delivery and
// loss (a lost frame arrives one RTO late, as over TCP), link-layer framing and keepalive bytes
// counted, all driven by one deterministic event queue in simulated microseconds.
#pragma once

#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "plexus/overlay/router.h"
#include "sim_graph.h"

namespace plexus::overlay::sim {

// Link-layer cost of one frame on a peer link (length, type, AEAD tag; docs/overlay.md §Links).
inline constexpr std::size_t kLinkFrameOverhead = 19;
inline constexpr Micros kKeepaliveInterval = 20'000'000;

struct ByteCounters {
  std::uint64_t tree = 0;      // announcements, withdrawals, refresh requests
  std::uint64_t keyspace = 0;  // key-space searches, replies, updates
  std::uint64_t keepalive = 0;
  std::uint64_t traffic = 0;
  std::uint64_t control() const { return tree + keyspace + keepalive; }
};

class Network {
 public:
  using DeliverFn =
      std::function<void(int node, const NodeId& source, std::string_view payload, int hops)>;

  Network(RouterConfig config, std::uint64_t seed, double lossRate);
  ~Network();

  int addNode(const NodeId& key);
  int addLink(int a, int b, Micros latency);
  void setLinkUp(int link, bool up);
  // Takes a node off the network (all links down, state lost) or brings it back fresh.
  void setNodeOnline(int node, bool online);

  void at(Micros time, std::function<void()> fn);
  void runUntil(Micros time);
  Micros now() const { return now_; }

  Router& router(int node);
  bool online(int node) const;
  const NodeId& key(int node) const;
  int nodeCount() const { return static_cast<int>(nodes_.size()); }
  int linkCount() const { return static_cast<int>(links_.size()); }
  int upLinkCount() const;
  const std::vector<int>& linksOf(int node) const;
  int otherEnd(int link, int node) const;
  bool linkUp(int link) const { return links_[static_cast<std::size_t>(link)].up; }

  void onDeliver(DeliverFn fn) { deliver_ = std::move(fn); }
  ByteCounters& bytes() { return bytes_; }
  std::uint64_t events() const { return events_; }

 private:
  struct Host;
  struct Node;
  struct Link {
    int a = 0, b = 0;
    Port portA = 0, portB = 0;
    Micros latency = 0;
    bool up = false;
    std::uint64_t generation = 0;
    Micros fifo[2] = {0, 0};
    Micros lastSent[2] = {0, 0};
  };
  struct Event {
    Micros time;
    std::uint64_t order;
    std::function<void()> fn;
    bool operator>(const Event& o) const {
      return time != o.time ? time > o.time : order > o.order;
    }
  };

  void transmit(int node, Port port, RouterFrame type, std::string bytes, bool control);
  void scheduleTimer(int node);
  void keepaliveTick(int link, std::uint64_t generation);
  void count(RouterFrame type, std::string_view bytes);

  RouterConfig config_;
  SplitMix rng_;
  double lossRate_;
  Micros now_ = 0;
  std::uint64_t order_ = 0;
  std::uint64_t events_ = 0;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> queue_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<Link> links_;
  DeliverFn deliver_;
  ByteCounters bytes_;
};

}  // namespace plexus::overlay::sim
