// Server: acceptor, io threads, TLS context and graceful stop. Connections live in Session
// (session.cc).
#include "plexus/http/server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <thread>
#include <vector>

#include "session.h"
#include "tls_context.h"

namespace plexus::http {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using detail::Clock;

struct Server::Impl {
  std::shared_ptr<detail::ServerState> state = std::make_shared<detail::ServerState>();
  asio::io_context ioc;
  asio::strand<asio::io_context::executor_type> acceptStrand{asio::make_strand(ioc)};
  tcp::acceptor acceptor{acceptStrand};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::uint16_t port = 0;
  bool started = false;
  bool stopped = false;

  asio::awaitable<void> acceptLoop() {
    asio::steady_timer backoff(acceptStrand);
    while (acceptor.is_open()) {
      error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(
          asio::make_strand(ioc), asio::redirect_error(asio::use_awaitable, ec));
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) {
        // Out of descriptors or a transient error: back off instead of spinning.
        backoff.expires_after(std::chrono::milliseconds(20));
        co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      std::make_shared<detail::Session>(std::move(socket), state)->start();
    }
  }
};

Server::Server(ServerOptions options, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->state->options = std::move(options);
  impl_->state->handler = std::move(handler);
}

Server::~Server() { stop(); }

Status Server::start() {
  Impl& m = *impl_;
  if (m.started) return fail(ErrorCode::kInternal, "server already started");
  const ServerOptions& options = m.state->options;
  if (options.tls) {
    PLEXUS_TRY(m.state->tls, detail::serverTlsContext(*options.tls));
  }
  error_code ec;
  auto address = asio::ip::make_address(options.host, ec);
  if (ec) return fail(ErrorCode::kInvalidParam, "bad listen address: " + options.host);
  tcp::endpoint endpoint(address, options.port);
  m.acceptor.open(endpoint.protocol(), ec);
  if (!ec) m.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) m.acceptor.bind(endpoint, ec);
  if (!ec) m.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    m.acceptor.close(ignored);
    return fail(ErrorCode::kUnavailable, "cannot listen on " + options.host + ":" +
                                             std::to_string(options.port) + ": " + ec.message());
  }
  m.port = m.acceptor.local_endpoint(ec).port();
  m.started = true;
  m.work.emplace(m.ioc.get_executor());
  asio::co_spawn(m.acceptStrand, m.acceptLoop(), [](std::exception_ptr) {});
  int threads = std::max(1, options.ioThreads);
  for (int i = 0; i < threads; ++i) {
    m.threads.emplace_back([&m]() {
      for (;;) {
        try {
          m.ioc.run();
          return;
        } catch (...) {  // a stray exception must not end the io thread; keep serving
        }
      }
    });
  }
  return {};
}

std::uint16_t Server::port() const { return impl_->port; }

std::size_t Server::connectionCount() const {
  std::lock_guard lock(impl_->state->mu);
  return impl_->state->sessions.size();
}

void Server::stop() {
  Impl& m = *impl_;
  if (!m.started || m.stopped) return;
  m.stopped = true;
  detail::ServerState& state = *m.state;
  auto deadline = Clock::now() + state.options.stopGrace;
  std::vector<std::shared_ptr<detail::Session>> sessions;
  {
    std::lock_guard lock(state.mu);
    state.stopping = true;
    state.stopDeadline = deadline;
    for (auto& [raw, weak] : state.sessions) {
      if (auto s = weak.lock()) sessions.push_back(std::move(s));
    }
  }
  asio::post(m.acceptStrand, [&m]() {
    error_code ec;
    m.acceptor.close(ec);
  });
  for (auto& s : sessions) s->beginStop(deadline);
  sessions.clear();
  {
    // Sessions close themselves when idle, answered, or past the deadline; the extra second
    // covers writing the last responses.
    std::unique_lock lock(state.mu);
    state.cv.wait_until(lock, deadline + std::chrono::seconds(1),
                        [&] { return state.sessions.empty(); });
  }
  m.work.reset();
  m.ioc.stop();
  for (auto& t : m.threads) t.join();
  m.threads.clear();
}

}  // namespace plexus::http
