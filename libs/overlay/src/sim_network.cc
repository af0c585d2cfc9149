// Simulated network (sim_network.h).
#include "sim_network.h"

#include <limits>

namespace plexus::overlay::sim {
namespace {

constexpr Micros kRetransmitTimeout = 200'000;

}  // namespace

struct Network::Host : RouterHost {
  Network* net = nullptr;
  int node = 0;
  void sendFrame(Port port, RouterFrame type, std::string bytes, bool control) override {
    net->transmit(node, port, type, std::move(bytes), control);
  }
  void deliver(const NodeId& source, std::string_view payload, int hops) override {
    if (net->deliver_) net->deliver_(node, source, payload, hops);
  }
};

struct Network::Node {
  NodeId key;
  bool online = true;
  Host host;
  std::unique_ptr<Router> router;
  std::vector<int> links;
  std::unordered_map<Port, int> linkOfPort;
  Port nextPort = 1;
  Micros timerAt = std::numeric_limits<Micros>::max();
};

Network::Network(RouterConfig config, std::uint64_t seed, double lossRate)
    : config_(config), rng_(seed ^ 0x5eed), lossRate_(lossRate) {}
Network::~Network() = default;

int Network::addNode(const NodeId& key) {
  auto n = std::make_unique<Node>();
  n->key = key;
  n->host.net = this;
  n->host.node = static_cast<int>(nodes_.size());
  n->router = std::make_unique<Router>(config_, key, n->host, AnnouncementSigner{});
  nodes_.push_back(std::move(n));
  return static_cast<int>(nodes_.size()) - 1;
}

int Network::addLink(int a, int b, Micros latency) {
  Link l;
  l.a = a;
  l.b = b;
  l.latency = latency;
  auto& na = *nodes_[static_cast<std::size_t>(a)];
  auto& nb = *nodes_[static_cast<std::size_t>(b)];
  l.portA = na.nextPort++;
  l.portB = nb.nextPort++;
  const int id = static_cast<int>(links_.size());
  na.linkOfPort[l.portA] = id;
  nb.linkOfPort[l.portB] = id;
  na.links.push_back(id);
  nb.links.push_back(id);
  links_.push_back(l);
  return id;
}

int Network::otherEnd(int link, int node) const {
  const auto& l = links_[static_cast<std::size_t>(link)];
  return l.a == node ? l.b : l.a;
}

int Network::upLinkCount() const {
  int n = 0;
  for (const auto& l : links_) n += l.up ? 1 : 0;
  return n;
}

bool Network::online(int node) const { return nodes_[static_cast<std::size_t>(node)]->online; }
const NodeId& Network::key(int node) const { return nodes_[static_cast<std::size_t>(node)]->key; }
const std::vector<int>& Network::linksOf(int node) const {
  return nodes_[static_cast<std::size_t>(node)]->links;
}

Router& Network::router(int node) { return *nodes_[static_cast<std::size_t>(node)]->router; }

void Network::setLinkUp(int link, bool up) {
  auto& l = links_[static_cast<std::size_t>(link)];
  auto& na = *nodes_[static_cast<std::size_t>(l.a)];
  auto& nb = *nodes_[static_cast<std::size_t>(l.b)];
  if (up == l.up || (up && (!na.online || !nb.online))) return;
  l.up = up;
  ++l.generation;
  if (up) {
    l.fifo[0] = l.fifo[1] = now_;
    l.lastSent[0] = l.lastSent[1] = now_;
    na.router->addPeer(l.portA, nb.key, now_);
    nb.router->addPeer(l.portB, na.key, now_);
    const auto gen = l.generation;
    at(now_ + kKeepaliveInterval, [this, link, gen] { keepaliveTick(link, gen); });
  } else {
    na.router->removePeer(l.portA, now_);
    nb.router->removePeer(l.portB, now_);
  }
  scheduleTimer(l.a);
  scheduleTimer(l.b);
}

void Network::setNodeOnline(int node, bool online) {
  auto& n = *nodes_[static_cast<std::size_t>(node)];
  if (n.online == online) return;
  if (!online) {
    for (int link : n.links) setLinkUp(link, false);
    n.online = false;
    n.router = std::make_unique<Router>(config_, n.key, n.host, AnnouncementSigner{});
    n.timerAt = std::numeric_limits<Micros>::max();
  } else {
    n.online = true;
    for (int link : n.links) setLinkUp(link, true);
  }
}

void Network::at(Micros time, std::function<void()> fn) {
  queue_.push(Event{std::max(time, now_), order_++, std::move(fn)});
}

void Network::runUntil(Micros time) {
  while (!queue_.empty() && queue_.top().time <= time) {
    Event e = queue_.top();
    queue_.pop();
    now_ = e.time;
    ++events_;
    e.fn();
  }
  now_ = std::max(now_, time);
}

void Network::count(RouterFrame type, std::string_view bytes) {
  const auto size = bytes.size() + kLinkFrameOverhead;
  if (type == RouterFrame::kTraffic) {
    const bool control = !bytes.empty() && bytes[0] != 0;  // TrafficKind::kData is 0
    (control ? bytes_.keyspace : bytes_.traffic) += size;
  } else {
    bytes_.tree += size;
  }
}

void Network::transmit(int node, Port port, RouterFrame type, std::string bytes, bool) {
  auto& n = *nodes_[static_cast<std::size_t>(node)];
  auto it = n.linkOfPort.find(port);
  if (it == n.linkOfPort.end()) return;
  const int link = it->second;
  auto& l = links_[static_cast<std::size_t>(link)];
  if (!l.up) return;
  count(type, bytes);
  const int dir = l.a == node ? 0 : 1;

  Micros arrival = now_ + l.latency;
  if (lossRate_ > 0 && rng_.unit() < lossRate_) arrival += kRetransmitTimeout;
  arrival = std::max(arrival, l.fifo[dir]);
  l.fifo[dir] = arrival;
  l.lastSent[dir] = now_;
  const int to = dir == 0 ? l.b : l.a;
  const Port toPort = dir == 0 ? l.portB : l.portA;
  const auto gen = l.generation;
  at(arrival, [this, link, gen, to, toPort, type, frame = std::move(bytes)] {
    const auto& cur = links_[static_cast<std::size_t>(link)];
    if (!cur.up || cur.generation != gen) return;
    nodes_[static_cast<std::size_t>(to)]->router->onFrame(toPort, type, frame, now_);
    scheduleTimer(to);
  });
  scheduleTimer(node);
}

void Network::scheduleTimer(int node) {
  auto& n = *nodes_[static_cast<std::size_t>(node)];
  if (!n.online) return;
  const Micros next = std::max(n.router->nextTimer(), now_);
  if (next >= n.timerAt) return;
  n.timerAt = next;
  at(next, [this, node, next] {
    auto& m = *nodes_[static_cast<std::size_t>(node)];
    if (!m.online || m.timerAt != next) return;
    m.timerAt = std::numeric_limits<Micros>::max();
    m.router->onTimer(now_);
    scheduleTimer(node);
  });
}

void Network::keepaliveTick(int link, std::uint64_t generation) {
  auto& l = links_[static_cast<std::size_t>(link)];
  if (!l.up || l.generation != generation) return;
  for (int dir = 0; dir < 2; ++dir) {
    if (now_ - l.lastSent[dir] >= kKeepaliveInterval) {
      bytes_.keepalive += kLinkFrameOverhead;  // an empty keepalive frame
      l.lastSent[dir] = now_;
    }
  }
  const Micros nextCheck = std::min(l.lastSent[0], l.lastSent[1]) + kKeepaliveInterval;
  at(std::max(nextCheck, now_ + 1'000'000),
     [this, link, generation] { keepaliveTick(link, generation); });
}

}  // namespace plexus::overlay::sim
