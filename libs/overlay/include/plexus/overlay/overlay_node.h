// OverlayNode: the overlay running in a live process (docs/overlay.md). It owns the TCP peer
// links (accepted, dialled from bootstrap peers and from LAN discovery beacons), the Router
// they feed, and the SessionEndpoint that turns routed datagrams into encrypted sessions and
// reliable streams. Asio stays behind the pimpl in src/.
//
// Threading: one internal thread (the node thread) runs everything: links, router, sessions,
// streams, discovery. Every public method may be called from any thread; it posts its work onto
// the node thread. Callbacks (stream and datagram handlers) run on the node thread and must not
// block. A Stream handed out by openStream()/onStream() belongs to the node thread: a caller on
// another thread uses it only inside post(), e.g.
//     node.post([stream, data] { stream->write(data); });
// and reads it from the stream's StreamHandler callbacks (which already run on the node thread).
//
// Datagram kinds: the first byte of a routed datagram says who gets it. 0x01-0x03 are session
// messages (SessionEndpoint); 0x10-0x1f are other overlay services (gossip, lookups), reached
// through sendDatagram()/onServiceDatagram(). The source key of a service datagram is only the
// router's claim: a service must authenticate its payloads itself (sign them).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/crypto/ed25519.h"
#include "plexus/overlay/link_session.h"
#include "plexus/overlay/multicast_discovery.h"
#include "plexus/overlay/router.h"
#include "plexus/overlay/session_config.h"
#include "plexus/overlay/stream.h"

namespace plexus::overlay {

// The TCP port peer links listen on unless configured (UDP beacons use the same number).
inline constexpr std::uint16_t kDefaultOverlayPort = 8449;

// A peer address: "host:port" or "[v6-address]:port"; the host may be a name.
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
  std::string toString() const;
};
// kInvalidParam when the text is not HOST:PORT with a port in 0..65535.
Result<HostPort> parseHostPort(std::string_view text);

struct OverlayNodeOptions {
  // Where peer links are accepted; port 0 picks one (listenPort() tells which).
  HostPort listen{"::", kDefaultOverlayPort};
  // Peers dialled at start and kept up: redialled with exponential backoff (doubling from
  // reconnectInitialUs up to reconnectMaxUs, +-reconnectJitter) whenever no link to them exists.
  std::vector<HostPort> bootstrapPeers;
  std::int64_t reconnectInitialUs = 1'000'000;
  std::int64_t reconnectMaxUs = 60'000'000;
  double reconnectJitter = 0.2;
  std::int64_t connectTimeoutUs = 10'000'000;
  // Accepted connections still in their handshake (each holds a socket until it completes or
  // times out): beyond these, new ones are closed at once, so a flood of idle connections
  // cannot use up the process's file descriptors.
  std::size_t maxPendingAccepted = 64;
  std::size_t maxPendingPerAddress = 8;  // from one remote IP address
  MulticastDiscoveryOptions multicast;  // off unless enabled (see multicast_discovery.h)
  RouterConfig router;
  LinkOptions link;
  SessionConfig session;
  // Optional sink for the few events worth a log line (links up and down, discovery problems,
  // each logged once). Called on the node thread; level is "info" or "warn".
  std::function<void(std::string_view level, std::string_view message)> log;
};

// One peer link as seen by snapshot().
struct OverlayPeer {
  crypto::PublicKey key;
  std::string address;           // the peer's "ip:port" as the socket saw it
  bool dialled = false;          // we dialled it (else it was accepted)
  Port port = 0;                 // the router's port number for this link
  std::int64_t connectedUs = 0;  // how long it has been open
  std::uint64_t wireBytesIn = 0;
  std::uint64_t wireBytesOut = 0;
};

struct OverlayNodeCounters {
  std::uint64_t linksAccepted = 0;  // accepted TCP connections (before the handshake)
  std::uint64_t linksDialled = 0;   // dials started
  std::uint64_t dialFailures = 0;   // connect or resolve failed
  std::uint64_t linksOpened = 0;    // handshakes completed
  std::uint64_t linksClosed = 0;    // links that had opened and then ended
  std::uint64_t linksFailed = 0;    // links that ended before opening (bad handshake, garbage)
  std::uint64_t linksRefused = 0;   // accepted connections closed at once: too many pending
  std::uint64_t duplicateLinksClosed = 0;
  std::uint64_t datagramsNoRoute = 0;      // router.send refused (no route yet, too large)
  std::uint64_t datagramsUnknownKind = 0;  // delivered with a first byte nobody handles
  std::uint64_t serviceDatagramsSent = 0;
  std::uint64_t serviceDatagramsReceived = 0;
  std::uint64_t discoveryDials = 0;  // dials started because of a beacon
};

// Everything snapshot() reports: a value, safe to keep and read on any thread.
struct OverlaySnapshot {
  crypto::PublicKey self;
  std::uint16_t listenPort = 0;
  std::vector<OverlayPeer> peers;
  // Link payload bytes per frame type, over every link since start (types 16-19: router).
  std::array<std::uint64_t, 256> linkBytesIn{};
  std::array<std::uint64_t, 256> linkBytesOut{};
  std::uint64_t wireBytesIn = 0;
  std::uint64_t wireBytesOut = 0;
  OverlayNodeCounters node;
  RouterCounters router;
  std::size_t routerPeers = 0;
  std::size_t keyspaceEntries = 0;
  std::size_t cachedCoordinates = 0;
  std::vector<TreePosition> trees;
  SessionCounters session;
  std::size_t activeSessions = 0;
  std::size_t halfOpenSessions = 0;
  MulticastDiscoveryCounters discovery;
};

class OverlayNode {
 public:
  using StreamCallback = std::function<void(Result<std::shared_ptr<Stream>>)>;
  using StreamHandlerFn = std::function<void(std::shared_ptr<Stream>)>;
  using ServiceHandler =
      std::function<void(const crypto::PublicKey& claimedSource, std::string_view payload)>;

  OverlayNode(crypto::SigningKey key, OverlayNodeOptions options);
  // Stops the node (see stop()).
  ~OverlayNode();
  OverlayNode(const OverlayNode&) = delete;
  OverlayNode& operator=(const OverlayNode&) = delete;

  // Binds the listener, starts the node thread, dials the bootstrap peers and starts discovery.
  // kUnavailable when the listener cannot bind; kInvalidParam on a bad option. Call once.
  Status start();
  // Closes every link (a close frame each), stops discovery and joins the node thread, within
  // about a second and a half. Idempotent; the node cannot be started again. From the node
  // thread it only shuts down (the thread is joined by a later stop() or the destructor, which
  // must then run on another thread).
  void stop();

  const crypto::PublicKey& key() const;
  // The TCP port peer links are accepted on (valid after start()).
  std::uint16_t listenPort() const;

  // Opens a stream to `destination`; `done` runs on the node thread with the stream (data
  // written before the session is up is queued) or kInvalidParam (own key, not a curve point).
  void openStream(const crypto::PublicKey& destination, StreamCallback done);
  // Streams opened by peers. Without a handler they are reset. Runs on the node thread.
  void onStream(StreamHandlerFn handler);

  // Service datagrams (first byte 0x10-0x1f). kInvalidParam for another service byte,
  // kTooLarge over the router's payload limit; otherwise sent best-effort (no route: dropped
  // and counted).
  Status sendDatagram(std::uint8_t service, const crypto::PublicKey& destination,
                      std::string_view payload);
  void onServiceDatagram(std::uint8_t service, ServiceHandler handler);

  // Dials host:port now (and not again if it fails); `expected`, when set, is the only key the
  // link accepts. For tests and operator commands; bootstrap peers are redialled by themselves.
  void connect(HostPort target, std::optional<crypto::PublicKey> expected = std::nullopt);
  // Closes the link(s) to `peer`, if any (tests: cut a link).
  void disconnect(const crypto::PublicKey& peer);

  // Runs `task` on the node thread (for Stream calls from other threads).
  void post(std::function<void()> task);
  // True on the node thread.
  bool onNodeThread() const;

  // A copy of the node's state and counters. From the node thread it is computed inline;
  // elsewhere it waits (at most two seconds) for the node thread; before start() or after
  // stop() it returns what is known.
  OverlaySnapshot snapshot() const;

  class Impl;  // src/overlay_node_impl.h

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace plexus::overlay
