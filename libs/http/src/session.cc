// Connection state machine. Reading is a chain of readiness waits that runs beside the main
// coroutine (so a client that disconnects during a long-poll is noticed), and stops when a
// pipelined backlog builds up behind an unanswered request.
#include "session.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstring>

#include "response_writer.h"

namespace plexus::http::detail {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr std::size_t kMaxBacklogBytes = 64 * 1024;  // unparsed bytes held while a request waits
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::size_t kMaxDrainBytes = 1024 * 1024;
constexpr auto kLingerTime = std::chrono::seconds(2);

Response errorResponse(const Error& error) { return Response::matrixError(error); }

}  // namespace

Session::Session(Socket socket, std::shared_ptr<ServerState> state)
    : socket_(std::move(socket)),
      state_(std::move(state)),
      wakeTimer_(socket_.get_executor()),
      writeTimer_(socket_.get_executor()),
      expiryTimer_(socket_.get_executor()),
      parser_(state_->options.limits, state_->options.bodyLimitFor) {
  if (state_->tls) {
    tls_ = std::make_unique<asio::ssl::stream<Socket&>>(socket_, *state_->tls);
    tlsReadBuffer_ = std::make_unique<char[]>(kReadChunk);
  }
  error_code ec;
  auto endpoint = socket_.remote_endpoint(ec);
  if (!ec) {
    remoteAddress_ = endpoint.address().to_string();
    remotePort_ = endpoint.port();
  }
  socket_.non_blocking(true, ec);
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

Session::~Session() {
  if (exchange_) exchange_->cancel();
  std::lock_guard lock(state_->mu);
  state_->sessions.erase(this);
  state_->cv.notify_all();
}

void Session::start() {
  {
    std::lock_guard lock(state_->mu);
    state_->sessions.emplace(this, weak_from_this());
    if (state_->stopping) {
      stopping_ = true;
      stopDeadline_ = state_->stopDeadline;
    }
  }
  auto self = shared_from_this();
  asio::co_spawn(socket_.get_executor(), run(self), [](std::exception_ptr) {});
}

void Session::beginStop(Clock::time_point deadline) {
  asio::post(socket_.get_executor(), [self = shared_from_this(), deadline]() {
    self->stopping_ = true;
    self->stopDeadline_ = std::min(self->stopDeadline_, deadline);
    if (self->handshaking_) self->closeNow();  // nothing was asked yet: no grace needed
    self->wake();
  });
}

void Session::wake() { wakeTimer_.cancel(); }

void Session::closeNow() {
  if (closed_) return;
  closed_ = true;
  if (exchange_) {
    exchange_->cancel();
    exchange_.reset();
  }
  error_code ec;
  socket_.shutdown(Socket::shutdown_both, ec);
  socket_.close(ec);
  wakeTimer_.cancel();
  writeTimer_.cancel();
  expiryTimer_.cancel();
}

Clock::time_point Session::effectiveDeadline(Clock::time_point deadline) const {
  return stopping_ ? std::min(deadline, stopDeadline_) : deadline;
}

void Session::startReading() {
  if (reading_ || readClosed_ || closed_ || handshaking_) return;
  if (!draining_ && exchange_ && parser_.bufferedBytes() > kMaxBacklogBytes) return;
  reading_ = true;
  if (tls_) {
    // TLS records must be decrypted, so no readiness trick here: a pending read per chunk.
    tls_->async_read_some(asio::buffer(tlsReadBuffer_.get(), kReadChunk),
                          [self = shared_from_this()](const error_code& ec, std::size_t n) {
                            self->onTlsRead(ec, n);
                          });
    return;
  }
  socket_.async_wait(Socket::wait_read,
                     [self = shared_from_this()](const error_code& ec) { self->onReadable(ec); });
}

void Session::onReadable(const error_code& ec) {
  reading_ = false;
  if (closed_) return;
  bool eof = static_cast<bool>(ec);
  while (!eof) {
    error_code rec;
    if (draining_) {
      char scratch[4096];
      std::size_t n = socket_.read_some(asio::buffer(scratch), rec);
      if (rec == asio::error::would_block || rec == asio::error::try_again) break;
      if (rec) {
        eof = true;
        break;
      }
      drainedBytes_ += n;
      if (drainedBytes_ > kMaxDrainBytes) eof = true;
      continue;
    }
    std::size_t want = std::max<std::size_t>(socket_.available(rec), 1024);
    want = std::min(want, kReadChunk);
    auto space = parser_.prepare(want);
    std::size_t n = socket_.read_some(asio::buffer(space.data(), space.size()), rec);
    if (rec == asio::error::would_block || rec == asio::error::try_again) {
      parser_.commit(0);
      break;
    }
    if (rec) {
      parser_.commit(0);
      eof = true;
      break;
    }
    parser_.commit(n);
    if (n < want) break;
    if (exchange_ && parser_.bufferedBytes() > kMaxBacklogBytes) break;
  }
  afterRead(eof);
}

void Session::onTlsRead(const error_code& ec, std::size_t n) {
  reading_ = false;
  if (closed_) return;
  bool eof = static_cast<bool>(ec);
  if (!eof && draining_) {
    drainedBytes_ += n;
    if (drainedBytes_ > kMaxDrainBytes) eof = true;
  } else if (!eof) {
    auto space = parser_.prepare(n);
    std::memcpy(space.data(), tlsReadBuffer_.get(), n);
    parser_.commit(n);
  }
  afterRead(eof);
}

void Session::afterRead(bool eof) {
  if (eof) {
    readClosed_ = true;
    // The client went away: a deferred request has nobody to answer to.
    if (exchange_) exchange_->cancel();
  } else {
    startReading();
  }
  wake();
}

asio::awaitable<bool> Session::waitUntil(Clock::time_point deadline) {
  if (Clock::now() >= deadline) co_return false;
  wakeTimer_.expires_at(deadline);
  error_code ec;
  co_await wakeTimer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return ec || Clock::now() < deadline;
}

asio::awaitable<bool> Session::writeAll(std::string data) {
  if (closed_) co_return false;
  writeTimer_.expires_after(state_->options.writeTimeout);
  writeTimer_.async_wait([weak = weak_from_this()](const error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->closeNow();
  });
  error_code ec;
  if (tls_) {
    co_await asio::async_write(*tls_, asio::buffer(data),
                               asio::redirect_error(asio::use_awaitable, ec));
  } else {
    co_await asio::async_write(socket_, asio::buffer(data),
                               asio::redirect_error(asio::use_awaitable, ec));
  }
  writeTimer_.cancel();
  if (ec) {
    closeNow();
    co_return false;
  }
  co_return true;
}

asio::awaitable<void> Session::lingerAndClose() {
  if (closed_) co_return;
  error_code ec;
  socket_.shutdown(Socket::shutdown_send, ec);
  // Reading on after our FIN lets the peer's unread bytes drain instead of making the kernel
  // answer them with a reset that could destroy the response before the client reads it.
  draining_ = true;
  startReading();
  auto deadline = Clock::now() + kLingerTime;
  while (!readClosed_ && !closed_) {
    startReading();
    if (!co_await waitUntil(deadline)) break;
  }
  closeNow();
}

asio::awaitable<void> Session::respondAndClose(const Response& response, bool headRequest,
                                               int version) {
  WireOptions wire{headRequest, false, version};
  if (co_await writeAll(serializeResponse(response, wire))) co_await lingerAndClose();
  closeNow();
}

std::shared_ptr<Exchange> Session::newExchange() {
  std::uint64_t generation = ++generation_;
  // Application threads may keep a Responder after the server is gone, so the callbacks must
  // own neither the session nor its strand: they hop to the plain io_context executor (trivial
  // to destroy) and only there, on an io thread, look the session up and enter its strand.
  auto io =
      static_cast<asio::io_context&>(asio::query(socket_.get_executor(), asio::execution::context))
          .get_executor();
  std::weak_ptr<Session> weak = weak_from_this();
  auto notify = [weak, io]() {
    asio::post(io, [weak]() {
      if (auto self = weak.lock()) {
        asio::post(self->socket_.get_executor(), [self]() { self->wake(); });
      }
    });
  };
  auto scheduler = [weak, io, generation](std::chrono::milliseconds delay,
                                          std::function<void()> callback) {
    asio::post(io, [weak, generation, delay, callback = std::move(callback)]() mutable {
      if (auto self = weak.lock()) {
        asio::post(self->socket_.get_executor(),
                   [self, generation, delay, callback = std::move(callback)]() mutable {
                     self->armExpiry(generation, delay, std::move(callback));
                   });
      }
    });
  };
  return std::make_shared<Exchange>(std::move(notify), std::move(scheduler));
}

void Session::armExpiry(std::uint64_t generation, std::chrono::milliseconds delay,
                        std::function<void()> callback) {
  if (generation != generation_ || !exchange_ || closed_) return;
  expiryTimer_.expires_after(delay);
  std::weak_ptr<Exchange> weakExchange = exchange_;
  expiryTimer_.async_wait([weakExchange, callback = std::move(callback)](const error_code& ec) {
    if (ec) return;
    auto exchange = weakExchange.lock();
    if (!exchange || exchange->done() || exchange->cancelled()) return;
    try {
      callback();
    } catch (...) {  // never let a handler's exception reach the io loop
      exchange->complete(errorResponse(makeError(ErrorCode::kUnknown, "Internal server error")));
    }
  });
}

asio::awaitable<bool> Session::handshake() {
  handshaking_ = true;
  // Bounded so a peer that connects and stays silent cannot hold the connection forever.
  writeTimer_.expires_after(state_->options.tls->handshakeTimeout);
  writeTimer_.async_wait([weak = weak_from_this()](const error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->closeNow();
  });
  error_code ec;
  co_await tls_->async_handshake(asio::ssl::stream_base::server,
                                 asio::redirect_error(asio::use_awaitable, ec));
  writeTimer_.cancel();
  handshaking_ = false;
  if (ec || closed_ || stopping_) {
    closeNow();  // plain HTTP, a bad ClientHello, a timeout or a stop: nothing to answer
    co_return false;
  }
  co_return true;
}

asio::awaitable<void> Session::run(std::shared_ptr<Session> self) {
  (void)self;  // keeps the session alive for the coroutine's lifetime
  const ServerOptions& options = state_->options;
  if (tls_ && !co_await handshake()) co_return;
  startReading();
  while (!closed_) {
    // 1. Wait for the next complete request.
    Clock::time_point deadline = Clock::now() + options.headerTimeout;
    bool inBody = false;
    std::optional<Request> request;
    while (!closed_) {
      auto next = parser_.next();
      if (!next) {
        co_await respondAndClose(errorResponse(next.error()), false, 11);
        co_return;
      }
      if (*next) {
        request = std::move(**next);
        break;
      }
      if (readClosed_ || (stopping_ && parser_.idle())) {
        closeNow();
        co_return;
      }
      if (!inBody && parser_.headerDone()) {
        inBody = true;
        deadline = Clock::now() + options.bodyTimeout;
      }
      if (parser_.takeContinueRequest()) {
        if (!co_await writeAll("HTTP/1.1 100 Continue\r\n\r\n")) co_return;
        continue;  // bytes may have arrived during the write; a wake-up then was not seen
      }
      startReading();
      if (!co_await waitUntil(effectiveDeadline(deadline))) {
        if (parser_.idle() || stopping_) {
          closeNow();
        } else {
          co_await respondAndClose(Response::matrixError(408, "M_UNKNOWN", "Request timed out"),
                                   false, 11);
        }
        co_return;
      }
    }
    if (!request) co_return;

    // 2. Dispatch and wait for the answer.
    const bool head = request->method == "HEAD";
    const bool keepAlive = request->keepAlive;
    const int version = request->version;
    const std::string method = state_->options.onResponse ? request->method : std::string();
    const Clock::time_point dispatched = Clock::now();
    std::optional<Response> response;
    std::string route;
    if (request->method == "OPTIONS") {
      // SPEC: client-server-api "Web Browser Clients" — preflights get the CORS headers, no auth.
      response = preflightResponse();
    } else {
      request->remoteAddress = remoteAddress_;
      request->remotePort = remotePort_;
      auto exchange = newExchange();
      exchange_ = exchange;
      try {
        state_->handler(std::move(*request), Responder(exchange));
      } catch (...) {
        exchange->complete(errorResponse(makeError(ErrorCode::kUnknown, "Internal server error")));
      }
      while (!exchange->done()) {
        if (readClosed_ || closed_ || exchange->cancelled()) {
          closeNow();
          co_return;
        }
        startReading();
        if (!co_await waitUntil(effectiveDeadline(Clock::time_point::max())) && !exchange->done()) {
          closeNow();  // the server is stopping and the grace period is over
          co_return;
        }
      }
      response = exchange->take();
      if (state_->options.onResponse) route = exchange->route();
      exchange_.reset();
      expiryTimer_.cancel();
      if (!response)
        response = errorResponse(makeError(ErrorCode::kInternal, "Internal server error"));
    }

    if (state_->options.onResponse)
      state_->options.onResponse(
          ResponseRecord{method, response->status, route, Clock::now() - dispatched});

    // 3. Write it, in request order.
    bool close = !keepAlive || stopping_;
    if (close) {
      co_await respondAndClose(*response, head, version);
      co_return;
    }
    if (!co_await writeAll(serializeResponse(*response, WireOptions{head, true, version})))
      co_return;
  }
}

}  // namespace plexus::http::detail
