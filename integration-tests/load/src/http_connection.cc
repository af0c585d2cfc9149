// Beast exchange of one request/response over a persistent connection (see the header).
#include "http_connection.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>

namespace plexus::loadgen {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
// Initial /sync answers of rooms with long histories can be large; the node caps them itself.
constexpr std::uint64_t kMaxBody = 64u << 20;
}  // namespace

HttpConnection::HttpConnection(asio::io_context& io, asio::ip::tcp::endpoint endpoint)
    : stream_(io), endpoint_(endpoint) {}

void HttpConnection::close() {
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.socket().close(ignored);
  connected_ = false;
}

asio::awaitable<bool> HttpConnection::ensureConnected(std::string& error) {
  if (connected_ && stream_.socket().is_open()) co_return true;
  beast::error_code ignored;
  stream_.socket().close(ignored);
  buffer_.clear();
  auto [ec] = co_await stream_.async_connect(endpoint_, kAwait);
  if (ec) {
    error = "connect: " + ec.message();
    co_return false;
  }
  stream_.socket().set_option(asio::ip::tcp::no_delay(true), ignored);
  connected_ = true;
  co_return true;
}

asio::awaitable<HttpResult> HttpConnection::request(std::string method, std::string target,
                                                    std::string body, std::string token,
                                                    std::chrono::milliseconds timeout) {
  HttpResult result;
  busy_ = true;
  struct Idle {
    bool& flag;
    ~Idle() { flag = false; }
  } idle{busy_};

  stream_.expires_after(timeout);
  if (!co_await ensureConnected(result.error)) co_return result;

  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.keep_alive(true);
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  if (!body.empty() || method == "POST" || method == "PUT") {
    req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
  }
  req.prepare_payload();

  auto [wec, written] = co_await http::async_write(stream_, req, kAwait);
  (void)written;
  if (wec) {
    result.error = "write: " + wec.message();
    close();
    co_return result;
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxBody);
  auto [rec, read] = co_await http::async_read(stream_, buffer_, parser, kAwait);
  (void)read;
  if (rec) {
    result.error = "read: " + rec.message();
    close();
    co_return result;
  }
  auto& res = parser.get();
  result.status = static_cast<int>(res.result_int());
  result.body = std::move(res.body());
  if (!res.keep_alive()) close();
  stream_.expires_never();
  co_return result;
}

}  // namespace plexus::loadgen
