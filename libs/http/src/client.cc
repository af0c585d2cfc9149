// Blocking client: each call drives a private io_context until the step finishes or its
// deadline passes, then closes the socket on timeout so no operation outlives the call. With
// https the TLS stream sits on the same socket, so closing it ends TLS operations too.
#include "plexus/http/client.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>

#include "tls_context.h"

namespace plexus::http {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beasthttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Parser = beasthttp::response_parser<beasthttp::string_body>;

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

// "host:port" with brackets around IPv6 literals.
std::string authorityOf(const std::string& host, std::uint16_t port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// Splits an override value "address", "address:port" or "[v6]:port"; the port stays as given
// when the value has none.
std::pair<std::string, std::string> splitOverride(const std::string& value, std::uint16_t port) {
  if (!value.empty() && value.front() == '[') {
    const std::size_t close = value.find(']');
    if (close != std::string::npos) {
      std::string host = value.substr(1, close - 1);
      if (close + 1 < value.size() && value[close + 1] == ':') {
        return {host, value.substr(close + 2)};
      }
      return {host, std::to_string(port)};
    }
  }
  const std::size_t colon = value.find(':');
  if (colon != std::string::npos && value.find(':', colon + 1) == std::string::npos) {
    return {value.substr(0, colon), value.substr(colon + 1)};
  }
  return {value, std::to_string(port)};  // a name, IPv4 or a bare IPv6 literal
}

template <typename Stream>
asio::awaitable<void> exchangeOn(Stream& stream, boost::beast::flat_buffer& buffer,
                                 const std::string& wire, Parser& parser, error_code& ec,
                                 bool& finished) {
  co_await asio::async_write(stream, asio::buffer(wire),
                             asio::redirect_error(asio::use_awaitable, ec));
  if (!ec)
    co_await beasthttp::async_read(stream, buffer, parser,
                                   asio::redirect_error(asio::use_awaitable, ec));
  finished = true;
}

}  // namespace

struct Client::Impl {
  Scheme scheme = Scheme::kHttp;
  std::string host;
  std::uint16_t port;
  ClientOptions options;
  asio::io_context ioc;
  tcp::socket socket{ioc};
  std::shared_ptr<ssl::context> tlsContext;
  std::unique_ptr<ssl::stream<tcp::socket&>> tls;  // over `socket`, for https; declared after it
  boost::beast::flat_buffer buffer;
  bool connected = false;

  void closeSocket() {
    error_code ec;
    socket.close(ec);
    connected = false;
  }

  // Runs the io_context until the spawned work ends or `timeout` passes; on timeout closes the
  // socket so pending operations finish with an error, and returns false.
  bool runFor(std::chrono::steady_clock::duration timeout) {
    ioc.restart();
    ioc.run_for(std::max(timeout, std::chrono::steady_clock::duration::zero()));
    if (ioc.stopped()) return true;
    closeSocket();
    ioc.run();
    return false;
  }

  // Where to dial: the resolver override for host:port or host, else host:port itself.
  std::pair<std::string, std::string> dialTarget() const {
    const auto& overrides = options.resolveOverrides;
    auto it = overrides.find(authorityOf(host, port));
    if (it == overrides.end()) it = overrides.find(host);
    if (it == overrides.end()) return {host, std::to_string(port)};
    return splitOverride(it->second, port);
  }

  Status connect() {
    const auto deadline = std::chrono::steady_clock::now() + options.connectTimeout;
    const std::string where = authorityOf(host, port);
    tls.reset();
    if (scheme == Scheme::kHttps && !tlsContext) {
      PLEXUS_TRY(tlsContext, detail::clientTlsContext(options.tls));
    }
    auto [dialHost, dialPort] = dialTarget();
    tcp::resolver resolver(ioc);
    error_code ec;
    auto endpoints = resolver.resolve(dialHost, dialPort, ec);
    if (ec)
      return fail(ErrorCode::kUnavailable, "cannot resolve " + dialHost + ": " + ec.message());
    error_code connectError = asio::error::timed_out;
    asio::async_connect(socket, endpoints,
                        [&](const error_code& e, const tcp::endpoint&) { connectError = e; });
    if (!runFor(deadline - std::chrono::steady_clock::now())) {
      return fail(ErrorCode::kUnavailable, "connect to " + where + " timed out");
    }
    if (connectError) {
      closeSocket();
      return fail(ErrorCode::kUnavailable,
                  "cannot connect to " + where + ": " + connectError.message());
    }
    socket.set_option(tcp::no_delay(true), ec);
    buffer.clear();
    if (scheme == Scheme::kHttps) PLEXUS_TRY_VOID(handshake(deadline, where));
    connected = true;
    return {};
  }

  Status handshake(std::chrono::steady_clock::time_point deadline, const std::string& where) {
    tls = std::make_unique<ssl::stream<tcp::socket&>>(socket, *tlsContext);
    auto prepared = detail::prepareClientSsl(tls->native_handle(), host, options.tls.verifyPeer);
    if (!prepared.ok()) {
      closeSocket();
      return prepared;
    }
    error_code handshakeError = asio::error::timed_out;
    tls->async_handshake(ssl::stream_base::client,
                         [&](const error_code& e) { handshakeError = e; });
    if (!runFor(deadline - std::chrono::steady_clock::now())) {
      return fail(ErrorCode::kUnavailable, "TLS handshake with " + where + " timed out");
    }
    if (handshakeError) {
      std::string why = detail::handshakeFailure(tls->native_handle(), handshakeError);
      closeSocket();
      return fail(ErrorCode::kUnavailable, "TLS handshake with " + where + " failed: " + why);
    }
    return {};
  }

  // One exchange on the open connection. `gotBytes` tells whether any response byte arrived.
  Result<ClientResponse> exchange(const std::string& wire, bool head, bool& gotBytes) {
    error_code ec;
    std::optional<Parser> parser;
    parser.emplace();
    parser->body_limit(static_cast<std::uint64_t>(options.maxResponseBytes));
    parser->header_limit(64 * 1024);
    if (head) parser->skip(true);
    bool finished = false;
    auto work = tls ? exchangeOn(*tls, buffer, wire, *parser, ec, finished)
                    : exchangeOn(socket, buffer, wire, *parser, ec, finished);
    asio::co_spawn(ioc, std::move(work), [](std::exception_ptr) {});
    bool inTime = runFor(options.requestTimeout);
    gotBytes = parser->got_some();
    if (!inTime || !finished) {
      return fail(ErrorCode::kUnavailable, "request timed out");
    }
    if (ec) {
      closeSocket();
      if (ec == beasthttp::error::body_limit || ec == beasthttp::error::header_limit) {
        return fail(ErrorCode::kTooLarge, "response too large");
      }
      const auto& httpCategory = error_code(beasthttp::error::end_of_stream).category();
      bool transport = ec == beasthttp::error::end_of_stream || ec.category() != httpCategory;
      return fail(transport ? ErrorCode::kUnavailable : ErrorCode::kInvalidParam,
                  "HTTP exchange failed: " + ec.message());
    }
    auto message = parser->release();
    ClientResponse response;
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) response.headers.add(field.name_string(), field.value());
    response.body = std::move(message.body());
    if (!message.keep_alive()) closeSocket();
    return response;
  }
};

Client::Client(std::string host, std::uint16_t port, ClientOptions options)
    : Client(Scheme::kHttp, std::move(host), port, std::move(options)) {}

Client::Client(Scheme scheme, std::string host, std::uint16_t port, ClientOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->scheme = scheme;
  impl_->host = std::move(host);
  impl_->port = port;
  impl_->options = std::move(options);
}

Client::~Client() { close(); }

void Client::close() { impl_->closeSocket(); }

void Client::setLimits(std::chrono::milliseconds connectTimeout,
                       std::chrono::milliseconds requestTimeout, std::size_t maxResponseBytes) {
  impl_->options.connectTimeout = connectTimeout;
  impl_->options.requestTimeout = requestTimeout;
  impl_->options.maxResponseBytes = maxResponseBytes;
}

Result<ClientResponse> Client::request(const ClientRequest& request) {
  Impl& m = *impl_;
  std::string wire = serializeRequest(request, authorityOf(m.host, m.port));
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

Result<ClientResponse> Client::send(std::string method, std::string target, std::string body,
                                    std::string contentType) {
  ClientRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  r.headers.set("Content-Type", contentType);
  return request(r);
}

}  // namespace plexus::http
