// One accepted connection: reads bytes into a RequestParser, dispatches one request at a time,
// waits (holding no thread) for its Responder, writes responses in order. All of a session's
// work runs on its strand. With TLS the same state machine runs over an ssl::stream on the
// socket, after a handshake bounded by handshakeTimeout. Internal to plexus_http.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "exchange.h"
#include "plexus/http/request_parser.h"
#include "plexus/http/server.h"

namespace plexus::http::detail {

class Session;
using Clock = std::chrono::steady_clock;

// What sessions share with their Server; outlives every session (each holds a shared_ptr).
struct ServerState {
  ServerOptions options;
  Handler handler;
  std::shared_ptr<boost::asio::ssl::context> tls;  // set: connections speak TLS
  std::mutex mu;
  std::condition_variable cv;  // signalled when a session goes away
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
  bool stopping = false;
  Clock::time_point stopDeadline;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  using Socket = boost::asio::ip::tcp::socket;

  Session(Socket socket, std::shared_ptr<ServerState> state);
  ~Session();

  // Registers with the server state and starts the connection's coroutine.
  void start();
  // From any thread: stop taking requests; close once idle or at `deadline`.
  void beginStop(Clock::time_point deadline);

 private:
  boost::asio::awaitable<void> run(std::shared_ptr<Session> self);
  // The TLS server handshake within the handshake timeout; false (closed) on failure.
  boost::asio::awaitable<bool> handshake();
  // Waits until woken or `deadline`; false when the deadline passed.
  boost::asio::awaitable<bool> waitUntil(Clock::time_point deadline);
  // Writes all of `data` within the write timeout; false (connection closed) on failure.
  boost::asio::awaitable<bool> writeAll(std::string data);
  // Sends `response` with Connection: close, then closes without resetting the peer.
  boost::asio::awaitable<void> respondAndClose(const Response& response, bool headRequest,
                                               int version);
  // Half-closes, discards what the peer still sends (bounded), then closes.
  boost::asio::awaitable<void> lingerAndClose();

  void startReading();
  void onReadable(const boost::system::error_code& ec);
  void onTlsRead(const boost::system::error_code& ec, std::size_t n);
  // After a read: notes the end of input or reads on, then wakes the coroutine.
  void afterRead(bool eof);
  void wake();
  void closeNow();
  Clock::time_point effectiveDeadline(Clock::time_point deadline) const;
  std::shared_ptr<Exchange> newExchange();
  void armExpiry(std::uint64_t generation, std::chrono::milliseconds delay,
                 std::function<void()> callback);

  Socket socket_;
  std::shared_ptr<ServerState> state_;
  // TLS only: the stream over socket_, and where decrypted bytes land before the parser takes
  // them (the parser's own buffer may move while a read is pending).
  std::unique_ptr<boost::asio::ssl::stream<Socket&>> tls_;
  std::unique_ptr<char[]> tlsReadBuffer_;
  boost::asio::steady_timer wakeTimer_;  // an event: cancel() wakes the coroutine
  boost::asio::steady_timer writeTimer_;
  boost::asio::steady_timer expiryTimer_;  // Responder::expireAfter
  RequestParser parser_;
  std::shared_ptr<Exchange> exchange_;  // the request being handled, if any
  std::uint64_t generation_ = 0;        // counts exchanges, to drop stale expiry timers
  std::string remoteAddress_;
  std::uint16_t remotePort_ = 0;
  std::size_t drainedBytes_ = 0;
  bool handshaking_ = false;
  bool reading_ = false;
  bool readClosed_ = false;
  bool draining_ = false;
  bool closed_ = false;
  bool stopping_ = false;
  Clock::time_point stopDeadline_ = Clock::time_point::max();
};

}  // namespace plexus::http::detail
