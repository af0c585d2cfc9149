// One keep-alive HTTP/1.1 connection to the node under test, driven from C++20 coroutines on an
// Asio io_context. A connection carries one request at a time; clients that need parallel
// requests (a parked /sync and a send) hold several connections. Loopback load only.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <cstdint>
#include <string>

namespace plexus::loadgen {

struct HttpResult {
  int status = 0;          // 0 when the exchange failed below HTTP
  std::string body;
  std::string error;       // transport error text when status == 0
  bool ok() const { return status >= 200 && status < 300; }
};

class HttpConnection {
 public:
  HttpConnection(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint endpoint);

  // Sends one request and reads its response, (re)connecting first when needed. `token` is sent
  // as a Bearer access token when non-empty. Never throws; a failure comes back as status 0.
  // `timeout` bounds the whole exchange (connect, write, read).
  boost::asio::awaitable<HttpResult> request(std::string method, std::string target,
                                             std::string body, std::string token,
                                             std::chrono::milliseconds timeout);

  // Closes the socket: a pending request() completes with an error. Safe to call any time.
  void close();
  bool busy() const { return busy_; }

 private:
  boost::asio::awaitable<bool> ensureConnected(std::string& error);

  boost::beast::tcp_stream stream_;
  boost::asio::ip::tcp::endpoint endpoint_;
  boost::beast::flat_buffer buffer_;
  bool connected_ = false;
  bool busy_ = false;
};

}  // namespace plexus::loadgen
