// A peer link over TCP: the thin Asio adapter around LinkSession (link_session.h). It moves
// bytes between the socket and the session, runs the session's timers (handshake deadline,
// keepalive, liveness) on one steady_timer, and reports frames and the end of the link through
// callbacks. Plus a dial helper and an acceptor that produce links. Internal to plexus_overlay.
//
// Threading: a TcpLink lives on its socket's executor (use a strand, or an io_context run by one
// thread). Every method except executor() must be called on that executor, and every callback
// runs on it; from elsewhere, boost::asio::post(link->executor(), ...). The dial helper and the
// acceptor follow the same rule with the executor they were given. Handlers keep the link alive
// while I/O is pending; after onClosed the link releases its socket.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "plexus/core/result.h"
#include "plexus/crypto/ed25519.h"
#include "plexus/overlay/link_session.h"

namespace plexus::overlay {

struct TcpLinkCallbacks {
  // The handshake completed; the peer proved `remoteKey`.
  std::function<void(const crypto::PublicKey& remoteKey)> onOpen;
  // A user frame (type >= 16) arrived.
  std::function<void(std::uint8_t type, std::string payload)> onFrame;
  // The link ended; called once, and no callback follows it.
  std::function<void(LinkEndReason reason, const std::string& detail)> onClosed;
};

class TcpLink : public std::enable_shared_from_this<TcpLink> {
 public:
  using Socket = boost::asio::ip::tcp::socket;
  // How long a closing link may take to write its close frame before the socket is dropped.
  static constexpr std::chrono::milliseconds kCloseLinger{1000};

  // A link over a connected socket; nothing happens until start(). The handshake deadline
  // counts from here.
  static std::shared_ptr<TcpLink> create(Socket socket, LinkRole role,
                                         const crypto::SigningKey& identity,
                                         std::optional<crypto::PublicKey> expected,
                                         LinkOptions options);
  ~TcpLink();

  // Sends the hello and starts reading and the timers.
  void start(TcpLinkCallbacks callbacks);
  // Queues a user frame (type >= 16); see LinkSession::send.
  bool send(std::uint8_t type, std::string payload,
            TrafficClass trafficClass = TrafficClass::kTraffic, std::uint32_t flow = 0);
  // Sends a close frame (when open), then closes the socket; onClosed(kLocalClose) follows.
  void close(LinkCloseCode code = LinkCloseCode::kNormal);
  // Misbehaviour points for a malformed router frame; may close the link.
  LimitDecision penalise(double points);

  bool isOpen() const { return session_.open(); }
  bool isClosed() const { return session_.closed(); }
  const std::optional<crypto::PublicKey>& remoteKey() const { return session_.remoteKey(); }
  const LinkCounters& counters() const { return session_.counters(); }
  const LinkFairQueue& queue() const { return session_.queue(); }
  LinkRole role() const { return session_.role(); }
  // "address:port" of the peer as the socket saw it at creation.
  const std::string& remoteAddress() const { return remoteAddress_; }
  boost::asio::any_io_executor executor() { return socket_.get_executor(); }

  // Monotonic microseconds, the clock this adapter feeds the session.
  static std::int64_t nowUs();

 private:
  TcpLink(Socket socket, LinkRole role, const crypto::SigningKey& identity,
          std::optional<crypto::PublicKey> expected, LinkOptions options);

  void startRead();
  void onRead(const boost::system::error_code& ec, std::size_t n);
  // After anything changed the session: write what it has, re-arm the timer, report the end.
  void afterChange();
  void flush();
  void armTimer();
  void onTimer(const boost::system::error_code& ec);
  void reportClosed();
  void closeSocket();

  LinkSession session_;
  Socket socket_;
  boost::asio::steady_timer timer_;
  TcpLinkCallbacks callbacks_;
  std::unique_ptr<char[]> readBuffer_;
  std::string writeBuffer_;
  std::string remoteAddress_;
  std::int64_t armedUs_ = -1;
  bool started_ = false;
  bool openReported_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool reported_ = false;
  bool socketClosed_ = false;
  bool lingerArmed_ = false;
};

// Connects to host:port and hands over an initiator link, not yet started, or an error
// (kUnavailable) when resolving or connecting failed or took longer than `connectTimeout`.
// `expected`, when set, is the only key the link will accept.
void dialTcpLink(boost::asio::any_io_executor executor, std::string host, std::uint16_t port,
                 const crypto::SigningKey& identity, std::optional<crypto::PublicKey> expected,
                 LinkOptions options, std::function<void(Result<std::shared_ptr<TcpLink>>)> done,
                 std::chrono::milliseconds connectTimeout = std::chrono::seconds(10));

// Accepts TCP connections and hands each over as a responder link, not yet started: the
// handler decides whether to start() it (with its callbacks) or drop it.
class TcpLinkAcceptor : public std::enable_shared_from_this<TcpLinkAcceptor> {
 public:
  using Handler = std::function<void(std::shared_ptr<TcpLink>)>;

  // Binds, listens on `endpoint` (port 0 picks one) and starts accepting; kUnavailable when
  // binding fails.
  static Result<std::shared_ptr<TcpLinkAcceptor>> listen(
      boost::asio::any_io_executor executor, const boost::asio::ip::tcp::endpoint& endpoint,
      const crypto::SigningKey& identity, LinkOptions options, Handler onLink);
  ~TcpLinkAcceptor();

  // Stops accepting; links already handed over are unaffected.
  void stop();
  boost::asio::ip::tcp::endpoint localEndpoint() const;

 private:
  TcpLinkAcceptor(boost::asio::any_io_executor executor, const crypto::SigningKey& identity,
                  LinkOptions options, Handler onLink);
  void acceptNext();

  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retryTimer_;
  crypto::SigningKey identity_;
  LinkOptions options_;
  Handler onLink_;
  bool stopped_ = false;
};

}  // namespace plexus::overlay
