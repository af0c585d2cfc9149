// Blocking client: each call drives a private io_context until the exchange finishes or its
// deadline passes, then closes the socket on timeout so no operation outlives the call.
#include "plexus/http/client.h"

#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace plexus::http {
namespace asio = boost::asio;
namespace beasthttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

std::string serializeRequest(const ClientRequest& request, const std::string& hostHeader) {
  std::string out;
  out.append(request.method).append(" ").append(request.target).append(" HTTP/1.1\r\n");
  if (!request.headers.contains("Host")) out.append("Host: ").append(hostHeader).append("\r\n");
  for (const auto& [name, value] : request.headers.fields()) {
    if (equalsIgnoreCase(name, "Content-Length")) continue;
    out.append(name).append(": ").append(value).append("\r\n");
  }
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    out.append("Content-Length: ").append(std::to_string(request.body.size())).append("\r\n");
  }
  out.append("\r\n").append(request.body);
  return out;
}

}  // namespace

struct Client::Impl {
  std::string host;
  std::uint16_t port;
  ClientOptions options;
  asio::io_context ioc;
  tcp::socket socket{ioc};
  boost::beast::flat_buffer buffer;
  bool connected = false;

  // Runs the io_context until the spawned work ends or `timeout` passes; on timeout closes the
  // socket so pending operations finish with an error, and returns false.
  bool runFor(std::chrono::milliseconds timeout) {
    ioc.restart();
    ioc.run_for(timeout);
    if (ioc.stopped()) return true;
    error_code ec;
    socket.close(ec);
    connected = false;
    ioc.run();
    return false;
  }

  Status connect() {
    tcp::resolver resolver(ioc);
    error_code ec;
    auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec) return fail(ErrorCode::kUnavailable, "cannot resolve " + host + ": " + ec.message());
    error_code connectError = asio::error::timed_out;
    asio::async_connect(socket, endpoints, [&](const error_code& e, const tcp::endpoint&) { connectError = e; });
    if (!runFor(options.connectTimeout)) {
      return fail(ErrorCode::kUnavailable, "connect to " + host + ":" + std::to_string(port) + " timed out");
    }
    if (connectError) {
      socket.close(ec);
      return fail(ErrorCode::kUnavailable, "cannot connect to " + host + ":" + std::to_string(port) + ": " +
                                               connectError.message());
    }
    socket.set_option(tcp::no_delay(true), ec);
    buffer.clear();
    connected = true;
    return {};
  }

  // One exchange on the open connection. `gotBytes` tells whether any response byte arrived.
  Result<ClientResponse> exchange(const std::string& wire, bool head, bool& gotBytes) {
    error_code ec;
    std::optional<beasthttp::response_parser<beasthttp::string_body>> parser;
    parser.emplace();
    parser->body_limit(static_cast<std::uint64_t>(options.maxResponseBytes));
    parser->header_limit(64 * 1024);
    if (head) parser->skip(true);
    bool finished = false;
    asio::co_spawn(ioc, [&]() -> asio::awaitable<void> {
      co_await asio::async_write(socket, asio::buffer(wire), asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) {
        co_await beasthttp::async_read(socket, buffer, *parser, asio::redirect_error(asio::use_awaitable, ec));
      }
      finished = true;
    }, [](std::exception_ptr) {});
    bool inTime = runFor(options.requestTimeout);
    gotBytes = parser->got_some();
    if (!inTime || !finished) {
      return fail(ErrorCode::kUnavailable, "request timed out");
    }
    if (ec) {
      error_code ignored;
      socket.close(ignored);
      connected = false;
      if (ec == beasthttp::error::body_limit || ec == beasthttp::error::header_limit) {
        return fail(ErrorCode::kTooLarge, "response too large");
      }
      const auto& httpCategory = error_code(beasthttp::error::end_of_stream).category();
      bool transport = ec == beasthttp::error::end_of_stream || ec.category() != httpCategory;
      return fail(transport ? ErrorCode::kUnavailable : ErrorCode::kInvalidParam, "HTTP exchange failed: " + ec.message());
    }
    auto message = parser->release();
    ClientResponse response;
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) response.headers.add(field.name_string(), field.value());
    response.body = std::move(message.body());
    if (!message.keep_alive()) {
      error_code ignored;
      socket.close(ignored);
      connected = false;
    }
    return response;
  }
};

Client::Client(std::string host, std::uint16_t port, ClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
  impl_->options = options;
}

Client::~Client() { close(); }

void Client::close() {
  error_code ec;
  impl_->socket.close(ec);
  impl_->connected = false;
}

Result<ClientResponse> Client::request(const ClientRequest& request) {
  Impl& m = *impl_;
  std::string wire = serializeRequest(request, m.host + ":" + std::to_string(m.port));
  bool head = request.method == "HEAD";
  bool reused = m.connected;
  if (!m.connected) PLEXUS_TRY_VOID(m.connect());
  bool gotBytes = false;
  auto result = m.exchange(wire, head, gotBytes);
  if (!result && reused && !gotBytes && result.error().code == ErrorCode::kUnavailable) {
    // The server may have closed the idle kept-alive connection; try once on a fresh one.
    close();
    PLEXUS_TRY_VOID(m.connect());
    result = m.exchange(wire, head, gotBytes);
  }
  return result;
}

Result<ClientResponse> Client::get(std::string target) {
  ClientRequest r;
  r.target = std::move(target);
  return request(r);
}

Result<ClientResponse> Client::send(std::string method, std::string target, std::string body, std::string contentType) {
  ClientRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  r.headers.set("Content-Type", contentType);
  return request(r);
}

}  // namespace plexus::http
