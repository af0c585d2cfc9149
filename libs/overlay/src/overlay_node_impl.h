// OverlayNode::Impl: the state behind OverlayNode (overlay_node.h), all of it owned by the node
// thread. overlay_node.cc has the public methods, start and stop; overlay_node_links.cc the
// peer links (accept, dial, bootstrap, one link per key); overlay_node_traffic.cc the router
// host, datagrams, sessions and timers.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "multicast_discovery_socket.h"
#include "peer_manager.h"
#include "plexus/overlay/overlay_node.h"
#include "plexus/overlay/session_endpoint.h"
#include "tcp_link.h"

namespace plexus::overlay {

class OverlayNode::Impl : public RouterHost {
 public:
  Impl(crypto::SigningKey key, OverlayNodeOptions options);
  ~Impl() override;

  Status start();
  void stop();
  bool onNodeThread() const { return std::this_thread::get_id() == threadId_; }
  // Runs `task` on the node thread, then settles (deliveries, timers).
  void post(std::function<void()> task);
  OverlaySnapshot snapshot();  // node thread (or no thread running)
  enum class Phase { kNotStarted, kRunning, kStopped };
  Phase phase();
  // Held by stop() from before it marks the node stopped until the thread is joined.
  std::mutex joinMutex_;

  // --- node thread: links (overlay_node_links.cc) ---
  void dial(HostPort target, std::optional<crypto::PublicKey> expected,
            std::optional<std::size_t> bootstrap);
  void disconnect(const crypto::PublicKey& peer);
  bool haveLink(const crypto::PublicKey& key) const;

  // --- node thread: traffic (overlay_node_traffic.cc) ---
  void openStream(const crypto::PublicKey& destination, StreamCallback done);
  void sendService(std::uint8_t service, const crypto::PublicKey& destination,
                   std::string datagram);
  // After every event: hands queued deliveries to their consumers and re-arms the timer.
  void settle();

  // RouterHost
  void sendFrame(Port port, RouterFrame type, std::string bytes, bool control) override;
  void deliver(const NodeId& source, std::string_view payload, int hops) override;
  void penalise(Port port, int points) override;

  const crypto::SigningKey key_;
  const crypto::PublicKey self_;
  const OverlayNodeOptions options_;

  // Declared first: destroyed last, after every object that uses its executor.
  boost::asio::io_context io_;

  StreamHandlerFn streamHandler_;
  std::map<std::uint8_t, ServiceHandler> serviceHandlers_;
  std::atomic<std::uint16_t> listenPort_{0};

 private:
  struct LinkEntry {
    std::shared_ptr<TcpLink> link;
    bool dialled = false;
    std::optional<std::size_t> bootstrap;  // index in options_.bootstrapPeers
    std::optional<crypto::PublicKey> key;  // expected before the handshake, proven after
    bool open = false;
    bool routed = false;  // registered with the router (the one link for its key)
    std::int64_t openedUs = 0;
  };
  struct Delivery {
    NodeId source;
    std::string payload;
  };

  // Links (overlay_node_links.cc).
  // Whether an accepted connection fits under the caps on handshakes in progress.
  bool admitAccepted(const TcpLink& link) const;
  void startLink(std::shared_ptr<TcpLink> link, bool dialled,
                 std::optional<crypto::PublicKey> expected, std::optional<std::size_t> bootstrap);
  void onLinkOpen(Port port, const crypto::PublicKey& key);
  void onLinkFrame(Port port, std::uint8_t type, std::string payload);
  void onLinkClosed(Port port, LinkEndReason reason, const std::string& detail);
  void route(Port port);
  void unroute(Port port);
  void closeLink(Port port, LinkCloseCode code);
  void runBootstrap();
  void armBootstrap();
  void onBeacon(const std::string& address, const Beacon& beacon);
  void shutdown();
  bool shutdownDone() const;
  void pollShutdown(int left, std::shared_ptr<std::promise<void>> done);
  void foldCounters(const LinkCounters& counters);

  // Traffic (overlay_node_traffic.cc).
  void buildRouterAndSessions();
  void armTimer();
  void runTimers();
  void deliverOne(Delivery delivery);

  void log(std::string_view level, const std::string& message) const;

  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
  std::thread::id threadId_;
  std::mutex lifecycle_;
  bool started_ = false;
  bool stopped_ = false;
  bool stopping_ = false;  // node thread: shutdown() ran

  std::unique_ptr<Router> router_;
  std::unique_ptr<SessionEndpoint> sessions_;
  std::shared_ptr<TcpLinkAcceptor> acceptor_;
  std::unique_ptr<MulticastDiscoverySocket> discovery_;
  PeerManager bootstrap_;

  std::map<Port, LinkEntry> links_;
  std::map<std::string, Port> routedByKey_;  // key bytes -> the routed link
  Port nextPort_ = 1;
  Port currentFlow_ = 0;  // the link whose frame the router is handling (fair-queue flow)
  std::deque<Delivery> deliveries_;
  bool settling_ = false;

  boost::asio::steady_timer timer_;
  std::int64_t armedUs_ = -1;
  std::uint64_t timerGeneration_ = 0;
  bool wakePosted_ = false;
  boost::asio::steady_timer bootstrapTimer_;
  boost::asio::steady_timer shutdownTimer_;

  OverlayNodeCounters counters_;
  LinkCounters closedLinks_;  // folded in from links that ended
};

}  // namespace plexus::overlay
