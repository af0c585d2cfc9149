// TcpLink over real loopback sockets: two links exchange frames; garbage instead of a hello, a
// silent peer and a wrong key are dropped; keepalives hold an idle link up; a close reaches the
// other side. Everything runs on one io_context in the test thread, every wait is bounded.
#include "tcp_link.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace plexus::overlay {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using crypto::SigningKey;
using namespace std::chrono_literals;

// What one side of a link saw.
struct Observed {
  bool opened = false;
  std::optional<crypto::PublicKey> openedKey;
  std::vector<std::pair<std::uint8_t, std::string>> frames;
  std::optional<LinkEndReason> closed;
  std::string closedDetail;

  TcpLinkCallbacks callbacks() {
    return TcpLinkCallbacks{[this](const crypto::PublicKey& key) {
                              opened = true;
                              openedKey = key;
                            },
                            [this](std::uint8_t type, std::string payload) {
                              frames.emplace_back(type, std::move(payload));
                            },
                            [this](LinkEndReason reason, const std::string& detail) {
                              closed = reason;
                              closedDetail = detail;
                            }};
  }
};

class TcpLinkTest : public ::testing::Test {
 protected:
  // Runs the io_context until `done` holds or `limit` passes; false on timeout.
  bool runUntil(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      io_.run_for(5ms);
      if (io_.stopped()) io_.restart();
    }
    return true;
  }

  // Listens as Bob; accepted links start with `server_`'s callbacks.
  void listen(LinkOptions options = {}) {
    auto acceptor = TcpLinkAcceptor::listen(io_.get_executor(),
                                            tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0),
                                            bob_, options, [this](std::shared_ptr<TcpLink> link) {
                                              serverLink_ = link;
                                              link->start(server_.callbacks());
                                            });
    ASSERT_TRUE(acceptor.ok()) << acceptor.error().message;
    acceptor_ = *acceptor;
    port_ = acceptor_->localEndpoint().port();
  }

  // Dials Bob as Alice and starts the link with `client_`'s callbacks.
  void dial(std::optional<crypto::PublicKey> expected, LinkOptions options = {}) {
    bool dialled = false;
    dialTcpLink(io_.get_executor(), "127.0.0.1", port_, alice_, std::move(expected), options,
                [&](Result<std::shared_ptr<TcpLink>> link) {
                  dialled = true;
                  ASSERT_TRUE(link.ok()) << link.error().message;
                  clientLink_ = *link;
                  clientLink_->start(client_.callbacks());
                });
    ASSERT_TRUE(runUntil([&] { return dialled; }));
  }

  void TearDown() override {
    if (acceptor_) acceptor_->stop();
    if (clientLink_) clientLink_->close();
    if (serverLink_) serverLink_->close();
    runUntil([] { return false; }, 20ms);
  }

  asio::io_context io_;
  SigningKey alice_ = SigningKey::generate();
  SigningKey bob_ = SigningKey::generate();
  std::shared_ptr<TcpLinkAcceptor> acceptor_;
  std::uint16_t port_ = 0;
  std::shared_ptr<TcpLink> clientLink_, serverLink_;
  Observed client_, server_;
};

TEST_F(TcpLinkTest, TwoLinksExchangeFrames) {
  listen();
  dial(bob_.publicKey());
  ASSERT_TRUE(runUntil([&] { return client_.opened && server_.opened; }));
  EXPECT_EQ(client_.openedKey, bob_.publicKey());
  EXPECT_EQ(server_.openedKey, alice_.publicKey());
  EXPECT_EQ(serverLink_->remoteKey(), alice_.publicKey());

  ASSERT_TRUE(clientLink_->send(16, "ping"));
  ASSERT_TRUE(clientLink_->send(40, std::string(10000, 'z'), TrafficClass::kTraffic, 3));
  ASSERT_TRUE(runUntil([&] { return server_.frames.size() == 2; }));
  EXPECT_EQ(server_.frames[0], std::make_pair(std::uint8_t{16}, std::string("ping")));
  EXPECT_EQ(server_.frames[1].second.size(), 10000u);
  ASSERT_TRUE(serverLink_->send(17, "pong", TrafficClass::kControl));
  ASSERT_TRUE(runUntil([&] { return client_.frames.size() == 1; }));
  EXPECT_EQ(client_.frames[0].second, "pong");
  EXPECT_EQ(clientLink_->counters().framesOut[16], 1u);
  EXPECT_EQ(serverLink_->counters().payloadBytesIn[40], 10000u);
  EXPECT_FALSE(client_.closed);
}

TEST_F(TcpLinkTest, ManyFramesArriveInOrder) {
  listen();
  dial(bob_.publicKey());
  ASSERT_TRUE(runUntil([&] { return client_.opened && server_.opened; }));
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(clientLink_->send(16, std::to_string(i)));
  ASSERT_TRUE(runUntil([&] { return server_.frames.size() == 500; }));
  for (int i = 0; i < 500; ++i) EXPECT_EQ(server_.frames[i].second, std::to_string(i));
}

TEST_F(TcpLinkTest, WrongExpectedKeyIsRefused) {
  listen();
  dial(SigningKey::generate().publicKey());
  ASSERT_TRUE(runUntil([&] { return client_.closed.has_value(); }));
  EXPECT_EQ(*client_.closed, LinkEndReason::kHandshakeFailed);
  EXPECT_FALSE(client_.opened);
  // Bob sees the connection end without a handshake.
  ASSERT_TRUE(runUntil([&] { return server_.closed.has_value(); }));
  EXPECT_FALSE(server_.opened);
}

TEST_F(TcpLinkTest, PeerSendingGarbageIsDropped) {
  listen();
  tcp::socket raw(io_);
  raw.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  asio::write(raw, asio::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
  ASSERT_TRUE(runUntil([&] { return server_.closed.has_value(); }));
  EXPECT_EQ(*server_.closed, LinkEndReason::kHandshakeFailed);
  // The raw peer reads Bob's hello at most, then end of stream.
  std::string received;
  bool ended = false;
  std::array<char, 512> buffer{};
  std::function<void()> readMore = [&] {
    raw.async_read_some(asio::buffer(buffer),
                        [&](const boost::system::error_code& ec, std::size_t n) {
                          received.append(buffer.data(), n);
                          if (ec) {
                            ended = true;
                            return;
                          }
                          readMore();
                        });
  };
  readMore();
  ASSERT_TRUE(runUntil([&] { return ended; }));
  EXPECT_LE(received.size(), kLinkHelloSize);
}

TEST_F(TcpLinkTest, SilentPeerIsDroppedAtTheHandshakeDeadline) {
  LinkOptions options;
  options.handshakeTimeoutUs = 200'000;
  listen(options);
  tcp::socket raw(io_);
  raw.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(runUntil([&] { return server_.closed.has_value(); }, 3s));
  EXPECT_EQ(*server_.closed, LinkEndReason::kHandshakeTimeout);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
}

TEST_F(TcpLinkTest, PeerSilentAfterTheHandshakeIsDeclaredDead) {
  LinkOptions options;
  options.keepaliveIntervalUs = 50'000;
  options.deadAfterUs = 300'000;
  listen(options);
  // A raw peer that completes the handshake by hand and then never sends again.
  tcp::socket raw(io_);
  raw.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  LinkHandshake handshake(LinkRole::kInitiator, alice_, bob_.publicKey());
  asio::write(raw, asio::buffer(handshake.takeOutput()));
  std::string reply(kLinkHelloSize + kLinkProofSize, '\0');
  // Bob answers once the io_context runs his side; read only what is already there.
  ASSERT_TRUE(runUntil([&] { return raw.available() >= reply.size(); }));
  asio::read(raw, asio::buffer(reply));
  handshake.consume(reply);
  ASSERT_TRUE(handshake.done()) << handshake.failureReason();
  asio::write(raw, asio::buffer(handshake.takeOutput()));
  ASSERT_TRUE(runUntil([&] { return server_.opened; }));
  const auto opened = std::chrono::steady_clock::now();
  ASSERT_TRUE(runUntil([&] { return server_.closed.has_value(); }, 3s));
  EXPECT_EQ(*server_.closed, LinkEndReason::kPeerDead);
  EXPECT_GE(std::chrono::steady_clock::now() - opened, 250ms);
}

TEST_F(TcpLinkTest, KeepalivesKeepAnIdleLinkUp) {
  LinkOptions options;
  options.keepaliveIntervalUs = 50'000;
  options.deadAfterUs = 500'000;
  listen(options);
  dial(bob_.publicKey(), options);
  ASSERT_TRUE(runUntil([&] { return client_.opened && server_.opened; }));
  // Three times the dead interval without any user traffic.
  EXPECT_FALSE(runUntil([&] { return client_.closed || server_.closed; }, 1500ms));
  EXPECT_TRUE(clientLink_->isOpen());
  EXPECT_TRUE(serverLink_->isOpen());
  EXPECT_GE(serverLink_->counters().framesIn[kFrameKeepalive], 5u);
  EXPECT_GE(clientLink_->counters().framesIn[kFrameKeepalive], 5u);
}

TEST_F(TcpLinkTest, CloseIsSeenByTheOtherSide) {
  listen();
  dial(bob_.publicKey());
  ASSERT_TRUE(runUntil([&] { return client_.opened && server_.opened; }));
  clientLink_->close(LinkCloseCode::kShutdown);
  ASSERT_TRUE(runUntil([&] { return server_.closed && client_.closed; }));
  EXPECT_EQ(*client_.closed, LinkEndReason::kLocalClose);
  EXPECT_EQ(*server_.closed, LinkEndReason::kPeerClosed);
  EXPECT_FALSE(clientLink_->send(16, "after close"));
}

TEST_F(TcpLinkTest, FramesSentJustBeforeCloseAreDelivered) {
  listen();
  dial(bob_.publicKey());
  ASSERT_TRUE(runUntil([&] { return client_.opened && server_.opened; }));
  ASSERT_TRUE(clientLink_->send(16, "last words"));
  clientLink_->close();
  ASSERT_TRUE(runUntil([&] { return server_.closed.has_value(); }));
  ASSERT_EQ(server_.frames.size(), 1u);
  EXPECT_EQ(server_.frames[0].second, "last words");
  EXPECT_EQ(*server_.closed, LinkEndReason::kPeerClosed);
}

TEST_F(TcpLinkTest, PenalisedPeerIsDisconnectedWithTheReason) {
  listen();
  dial(bob_.publicKey());
  ASSERT_TRUE(runUntil([&] { return client_.opened && server_.opened; }));
  // The router found a malformed frame bad enough to reach the threshold at once.
  EXPECT_EQ(serverLink_->penalise(1e9), LimitDecision::kDisconnect);
  ASSERT_TRUE(runUntil([&] { return server_.closed && client_.closed; }));
  EXPECT_EQ(*server_.closed, LinkEndReason::kMisbehaviour);
  EXPECT_EQ(*client_.closed, LinkEndReason::kPeerClosed);
  EXPECT_EQ(clientLink_->counters().framesIn[kFrameClose], 1u);
}

TEST_F(TcpLinkTest, DialToAClosedPortFails) {
  listen();
  acceptor_->stop();
  acceptor_.reset();
  std::optional<Error> error;
  dialTcpLink(io_.get_executor(), "127.0.0.1", port_, alice_, std::nullopt, {},
              [&](Result<std::shared_ptr<TcpLink>> link) {
                ASSERT_FALSE(link.ok());
                error = link.error();
              });
  ASSERT_TRUE(runUntil([&] { return error.has_value(); }));
  EXPECT_EQ(error->code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace plexus::overlay
