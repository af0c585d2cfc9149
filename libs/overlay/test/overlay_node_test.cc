// OverlayNode over real loopback sockets: a stream across three hops, a ring that loses a node
// mid-transfer, duplicate links collapsing to one, a bootstrap peer that comes up late, a peer
// sending garbage or the wrong handshake, and service datagrams. Every wait is bounded; nodes
// listen on 127.0.0.1 port 0 and never send multicast.
#include "plexus/overlay/overlay_node.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace plexus::overlay {
namespace {

using namespace std::chrono_literals;
using crypto::SigningKey;

// Polls `done` every 10 ms until it holds or `limit` passes.
bool waitFor(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

std::string pattern(std::size_t size, unsigned seed) {
  std::string out(size, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& c : out) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return out;
}

OverlayNodeOptions testOptions() {
  OverlayNodeOptions options;
  options.listen = HostPort{"127.0.0.1", 0};
  options.multicast.enabled = false;
  options.reconnectInitialUs = 100'000;
  options.reconnectMaxUs = 400'000;
  options.connectTimeoutUs = 1'000'000;
  options.link.handshakeTimeoutUs = 1'000'000;
  options.session.initialRtoUs = 300'000;
  options.session.handshakeRetryUs = 100'000;
  options.session.handshakeRetryMaxUs = 500'000;
  options.session.handshakeAttempts = 20;
  return options;
}

HostPort at(const OverlayNode& node) { return HostPort{"127.0.0.1", node.listenPort()}; }

std::unique_ptr<OverlayNode> startNode(std::vector<HostPort> bootstrap = {},
                                       OverlayNodeOptions options = testOptions()) {
  options.bootstrapPeers = std::move(bootstrap);
  auto node = std::make_unique<OverlayNode>(SigningKey::generate(), std::move(options));
  auto started = node->start();
  EXPECT_TRUE(started.ok()) << started.error().message;
  return node;
}

std::size_t peerCount(const OverlayNode& node) { return node.snapshot().peers.size(); }

bool hasPeer(const OverlayNode& node, const crypto::PublicKey& key) {
  for (const auto& peer : node.snapshot().peers) {
    if (peer.key == key && peer.port != 0) return true;
  }
  return false;
}

// Echoes every stream opened to `node` and remembers who opened them. The state is shared with
// the node's handler, and the stream handlers hold only weak references, so nothing dangles or
// leaks whichever of node and server goes first.
class EchoServer {
 public:
  explicit EchoServer(OverlayNode& node) : state_(std::make_shared<State>()) {
    node.onStream([state = state_](std::shared_ptr<Stream> stream) {
      {
        std::lock_guard lock(state->mutex);
        state->remotes.push_back(stream->remoteKey());
      }
      state->streams.push_back(stream);  // node thread only
      auto pending = std::make_shared<std::string>();
      std::weak_ptr<Stream> weak = stream;
      auto pump = [weak, pending] {
        auto s = weak.lock();
        if (!s) return;
        while (!pending->empty()) {
          const std::size_t n = s->write(*pending);
          if (n == 0) break;
          pending->erase(0, n);
        }
        if (pending->empty() && s->readFinished()) s->finish();
      };
      stream->setHandler(StreamHandler{[weak, pending, pump] {
                                         if (auto s = weak.lock()) *pending += s->read();
                                         pump();
                                       },
                                       pump, nullptr});
    });
  }
  std::vector<crypto::PublicKey> remotes() {
    std::lock_guard lock(state_->mutex);
    return state_->remotes;
  }

 private:
  struct State {
    std::mutex mutex;
    std::vector<crypto::PublicKey> remotes;
    std::vector<std::shared_ptr<Stream>> streams;
  };
  std::shared_ptr<State> state_;
};

// One stream from `node` to `destination`: writes what it is given (from any thread), reads the
// echo. State is read by the test thread under a mutex.
class Client : public std::enable_shared_from_this<Client> {
 public:
  static std::shared_ptr<Client> open(OverlayNode& node, const crypto::PublicKey& destination) {
    auto client = std::shared_ptr<Client>(new Client(node));
    node.openStream(destination, [client](Result<std::shared_ptr<Stream>> stream) {
      ASSERT_TRUE(stream.ok()) << stream.error().message;
      client->stream_ = *stream;
      client->stream_->setHandler(StreamHandler{[client] { client->onReadable(); },
                                                [client] { client->pump(); },
                                                [client](std::uint64_t code) {
                                                  std::lock_guard lock(client->mutex_);
                                                  client->resetCode_ = code;
                                                }});
    });
    return client;
  }

  // Queues `data` (and the end of the stream when `finish`), from any thread.
  void write(std::string data, bool finish) {
    node_.post([self = shared_from_this(), data = std::move(data), finish] {
      self->toWrite_ += data;
      self->finishAfter_ = self->finishAfter_ || finish;
      self->pump();
    });
  }

  std::size_t receivedSize() {
    std::lock_guard lock(mutex_);
    return received_.size();
  }
  bool done() {
    std::lock_guard lock(mutex_);
    return done_;
  }
  std::string received() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  std::optional<std::uint64_t> resetCode() {
    std::lock_guard lock(mutex_);
    return resetCode_;
  }
  // Drops the stream on the node thread (ends the handler cycle).
  void close() {
    node_.post([self = shared_from_this()] {
      if (self->stream_) self->stream_->setHandler({});
      self->stream_.reset();
    });
  }

 private:
  explicit Client(OverlayNode& node) : node_(node) {}

  void pump() {
    if (!stream_) return;
    while (!toWrite_.empty()) {
      const std::size_t n = stream_->write(toWrite_);
      if (n == 0) return;
      toWrite_.erase(0, n);
    }
    if (finishAfter_ && !finished_) {
      finished_ = true;
      stream_->finish();
    }
  }
  void onReadable() {
    std::string data = stream_->read();
    std::lock_guard lock(mutex_);
    received_ += data;
    if (stream_->readFinished()) done_ = true;
  }

  OverlayNode& node_;
  std::shared_ptr<Stream> stream_;  // node thread
  std::string toWrite_;             // node thread
  bool finishAfter_ = false;
  bool finished_ = false;
  std::mutex mutex_;
  std::string received_;
  bool done_ = false;
  std::optional<std::uint64_t> resetCode_;
};

TEST(OverlayNodeTest, ParsesHostPort) {
  auto v4 = parseHostPort("127.0.0.1:8449");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8449);
  auto v6 = parseHostPort("[::1]:0");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->toString(), "[::1]:0");
  EXPECT_TRUE(parseHostPort("example.org:1").ok());
  EXPECT_FALSE(parseHostPort("::1:80").ok());
  EXPECT_FALSE(parseHostPort("host").ok());
  EXPECT_FALSE(parseHostPort("host:65536").ok());
  EXPECT_FALSE(parseHostPort("host:").ok());
  EXPECT_FALSE(parseHostPort("[::1]80").ok());
}

TEST(OverlayNodeTest, StreamCrossesThreeHopsOfALine) {
  auto a = startNode();
  auto b = startNode({at(*a)});
  auto c = startNode({at(*b)});
  auto d = startNode({at(*c)});
  ASSERT_TRUE(waitFor([&] {
    return peerCount(*a) == 1 && peerCount(*b) == 2 && peerCount(*c) == 2 && peerCount(*d) == 1;
  }));
  EchoServer echo(*d);
  const std::string payload = pattern(100 * 1024, 1);
  auto client = Client::open(*a, d->key());
  client->write(payload, true);
  ASSERT_TRUE(waitFor([&] { return client->done(); }, 8s))
      << "received " << client->receivedSize() << " of " << payload.size();
  EXPECT_TRUE(client->received() == payload);
  ASSERT_EQ(echo.remotes().size(), 1u);
  EXPECT_EQ(echo.remotes()[0], a->key());
  const auto snapshot = b->snapshot();
  EXPECT_GT(snapshot.router.forwarded, 0u);
  EXPECT_GT(snapshot.linkBytesOut[static_cast<int>(RouterFrame::kTraffic)], 100'000u);
  EXPECT_EQ(a->snapshot().activeSessions, 1u);
  client->close();
}

TEST(OverlayNodeTest, RingStreamSurvivesLosingTheNodeItCrosses) {
  std::vector<std::unique_ptr<OverlayNode>> ring;
  ring.push_back(startNode());
  for (int i = 1; i < 4; ++i) ring.push_back(startNode({at(*ring.back())}));
  ring.push_back(startNode({at(*ring.back()), at(*ring.front())}));
  ASSERT_TRUE(waitFor([&] {
    for (auto& node : ring) {
      if (peerCount(*node) != 2) return false;
    }
    return true;
  }));
  EchoServer echo(*ring[2]);
  const std::string first = pattern(200 * 1024, 2);
  const std::string second = pattern(200 * 1024, 3);
  auto client = Client::open(*ring[0], ring[2]->key());
  client->write(first, false);
  ASSERT_TRUE(waitFor([&] { return client->receivedSize() >= 100 * 1024; }, 8s));

  // Stop whichever node carries the stream (the path is N0-N1-N2 or N0-N4-N3-N2).
  const bool viaOne = ring[1]->snapshot().router.forwarded > 0;
  const std::size_t cut = viaOne ? 1 : 4;
  ring[cut]->stop();
  client->write(second, true);
  ASSERT_TRUE(waitFor([&] { return client->done(); }, 9s))
      << "received " << client->receivedSize() << " of " << first.size() + second.size()
      << " after stopping node " << cut;
  EXPECT_TRUE(client->received() == first + second);
  EXPECT_FALSE(client->resetCode().has_value());
  // The other way round now carries it.
  EXPECT_GT(ring[viaOne ? 4 : 1]->snapshot().router.forwarded, 0u);
  client->close();
}

TEST(OverlayNodeTest, NodesDiallingEachOtherKeepOneLink) {
  auto a = startNode();
  auto b = startNode();
  for (int round = 0; round < 2; ++round) {
    a->connect(at(*b));
    b->connect(at(*a));
  }
  ASSERT_TRUE(waitFor([&] {
    const auto sa = a->snapshot();
    const auto sb = b->snapshot();
    return sa.node.linksOpened >= 2 && sb.node.linksOpened >= 2 && sa.peers.size() == 1 &&
           sb.peers.size() == 1 && sa.node.linksOpened == sa.node.linksClosed + 1 &&
           sb.node.linksOpened == sb.node.linksClosed + 1;
  })) << "a: "
      << peerCount(*a) << " peers, b: " << peerCount(*b);
  const auto sa = a->snapshot();
  const auto sb = b->snapshot();
  // The survivor is the link the lower key dialled, on both sides.
  const bool aLower = a->key().bytes() < b->key().bytes();
  EXPECT_EQ(sa.peers[0].dialled, aLower);
  EXPECT_EQ(sb.peers[0].dialled, !aLower);
  EXPECT_EQ(sa.routerPeers, 1u);
  EXPECT_EQ(sb.routerPeers, 1u);
  EXPECT_GE(sa.node.duplicateLinksClosed + sb.node.duplicateLinksClosed, 1u);

  EchoServer echo(*b);
  auto client = Client::open(*a, b->key());
  client->write("hello", true);
  ASSERT_TRUE(waitFor([&] { return client->done(); }));
  EXPECT_EQ(client->received(), "hello");
  client->close();
}

TEST(OverlayNodeTest, BootstrapPeerThatStartsLateIsDialledByBackoff) {
  // A port nobody listens on yet.
  std::uint16_t port = 0;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor probe(
        io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }
  auto a = startNode({HostPort{"127.0.0.1", port}});
  ASSERT_TRUE(waitFor([&] { return a->snapshot().node.dialFailures >= 3; }, 3s));
  EXPECT_EQ(peerCount(*a), 0u);

  auto options = testOptions();
  options.listen = HostPort{"127.0.0.1", port};
  auto b = startNode({}, options);
  ASSERT_TRUE(waitFor([&] { return hasPeer(*a, b->key()) && hasPeer(*b, a->key()); }, 3s));
  EXPECT_TRUE(a->snapshot().peers[0].dialled);

  // And again after the peer restarts on the same port (its new key is accepted).
  b->stop();
  ASSERT_TRUE(waitFor([&] { return peerCount(*a) == 0; }, 3s));
  auto c = startNode({}, options);
  ASSERT_TRUE(waitFor([&] { return hasPeer(*a, c->key()); }, 3s));
}

TEST(OverlayNodeTest, GarbageAndWrongHandshakesAreDroppedWhileOthersAreServed) {
  auto a = startNode();
  EchoServer echo(*a);

  // A client speaking HTTP instead of the link handshake.
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket garbage(io);
  garbage.connect(
      boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), a->listenPort()));
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n" + pattern(4096, 9);
  boost::system::error_code ec;
  boost::asio::write(garbage, boost::asio::buffer(request), ec);
  // A client that connects and says nothing (dropped at the handshake deadline).
  boost::asio::ip::tcp::socket silent(io);
  silent.connect(
      boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), a->listenPort()));
  // A node that expects another key at A's address: its handshake fails.
  auto wrong = startNode();
  wrong->connect(at(*a), SigningKey::generate().publicKey());

  ASSERT_TRUE(waitFor(
      [&] {
        return a->snapshot().node.linksFailed >= 2 && wrong->snapshot().node.linksFailed >= 1;
      },
      4s))
      << "failed links: " << a->snapshot().node.linksFailed;
  // The garbage sender's connection was closed by A.
  timeval timeout{2, 0};  // bounds the blocking reads below
  ::setsockopt(garbage.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  char buffer[256];
  for (int i = 0; i < 100 && !ec; ++i) garbage.read_some(boost::asio::buffer(buffer), ec);
  EXPECT_TRUE(ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset)
      << "the connection stayed open: " << ec.message();

  // A still serves a good peer.
  auto b = startNode({at(*a)});
  ASSERT_TRUE(waitFor([&] { return hasPeer(*a, b->key()); }));
  auto client = Client::open(*b, a->key());
  client->write("still here", true);
  ASSERT_TRUE(waitFor([&] { return client->done(); }));
  EXPECT_EQ(client->received(), "still here");
  EXPECT_EQ(peerCount(*wrong), 0u);
  client->close();
}

TEST(OverlayNodeTest, IdleConnectionsBeyondThePendingCapAreClosedAtOnce) {
  OverlayNodeOptions options = testOptions();
  options.maxPendingPerAddress = 8;
  auto a = startNode({}, options);
  boost::asio::io_context io;
  const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                                a->listenPort());
  std::vector<std::unique_ptr<boost::asio::ip::tcp::socket>> idle;
  for (int i = 0; i < 20; ++i) {
    idle.push_back(std::make_unique<boost::asio::ip::tcp::socket>(io));
    idle.back()->connect(endpoint);
    boost::system::error_code ec;
    boost::asio::write(*idle.back(), boost::asio::buffer("P", 1), ec);  // a hello's first byte
  }
  ASSERT_TRUE(waitFor([&] { return a->snapshot().node.linksAccepted >= 20; }));
  EXPECT_EQ(a->snapshot().node.linksRefused, 12u);
  // The refused ones are closed by A (the first eight wait for their handshake deadline).
  timeval timeout{2, 0};
  ::setsockopt(idle.back()->native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  char buffer[16];
  boost::system::error_code ec;
  idle.back()->read_some(boost::asio::buffer(buffer), ec);
  EXPECT_TRUE(ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset)
      << ec.message();

  // Once the idle ones are gone, a real peer from the same address is served.
  idle.clear();
  auto b = startNode({at(*a)});
  ASSERT_TRUE(waitFor([&] { return hasPeer(*a, b->key()); }, 8s));
}

TEST(OverlayNodeTest, ServiceDatagramsReachTheirHandler) {
  auto a = startNode();
  auto b = startNode({at(*a)});
  ASSERT_TRUE(waitFor([&] { return hasPeer(*a, b->key()); }));
  std::mutex mutex;
  std::vector<std::pair<crypto::PublicKey, std::string>> got;
  b->onServiceDatagram(0x11, [&](const crypto::PublicKey& from, std::string_view payload) {
    std::lock_guard lock(mutex);
    got.emplace_back(from, std::string(payload));
  });
  EXPECT_FALSE(a->sendDatagram(0x02, b->key(), "x").ok());  // a session kind
  EXPECT_FALSE(a->sendDatagram(0x11, b->key(), std::string(4000, 'x')).ok());
  // The route to a new peer may take a moment: resend until one arrives.
  ASSERT_TRUE(waitFor([&] {
    EXPECT_TRUE(a->sendDatagram(0x11, b->key(), "gossip").ok());
    std::lock_guard lock(mutex);
    return !got.empty();
  }));
  std::lock_guard lock(mutex);
  EXPECT_EQ(got[0].first, a->key());
  EXPECT_EQ(got[0].second, "gossip");
}

TEST(OverlayNodeTest, StopIsBoundedAndIdempotent) {
  auto a = startNode();
  auto b = startNode({at(*a)});
  ASSERT_TRUE(waitFor([&] { return hasPeer(*a, b->key()); }));
  const auto begin = std::chrono::steady_clock::now();
  a->stop();
  a->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 2s);
  // B hears the close frame rather than waiting for the liveness timeout.
  ASSERT_TRUE(waitFor([&] { return peerCount(*b) == 0; }, 2s));
  EXPECT_EQ(a->snapshot().peers.size(), 0u);
}

}  // namespace
}  // namespace plexus::overlay
