// HTTP/1.0 and 1.1 server: keep-alive, pipelining (responses in request order), request size
// limits, timeouts for slow clients, Matrix CORS headers on every response, graceful stop. Each
// connection costs a few KB and no thread while idle or waiting on a deferred response.
// Plain TCP or TLS (ServerOptions::tls); a process that wants both runs two Servers with the
// same handler.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "plexus/core/result.h"
#include "plexus/http/request_parser.h"
#include "plexus/http/responder.h"

namespace plexus::http {

struct ServerTlsOptions {
  // PEM files: the server's certificate followed by its intermediates, and its private key.
  std::string certificateChainFile;
  std::string privateKeyFile;
  // From accept until the handshake is done; a peer that stays silent is dropped after it.
  std::chrono::milliseconds handshakeTimeout{10'000};
};

// One answered request, for ServerOptions::onResponse (request counters and latencies).
struct ResponseRecord {
  std::string_view method;  // as the client sent it (any token)
  int status = 0;
  // The pattern of the route that answered (Router); empty for unrouted answers (404, 405,
  // preflights, timeouts).
  std::string_view route;
  // From the complete request to its response being ready (not including the write).
  std::chrono::steady_clock::duration elapsed{};
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0 picks a free port; Server::port() tells which
  int ioThreads = 2;
  ParserLimits limits;
  // Set: each request's body limit (e.g. Router::bodyLimit with limits.maxBodyBytes as the
  // fallback), so uploads may exceed the general limit on their routes only.
  BodyLimitFor bodyLimitFor;
  // From the end of the previous response (or accept) until a request's header is complete.
  // Also the keep-alive idle timeout.
  std::chrono::milliseconds headerTimeout{30'000};
  // From the end of the header until the body is complete.
  std::chrono::milliseconds bodyTimeout{60'000};
  // For writing one response to a client that does not read.
  std::chrono::milliseconds writeTimeout{30'000};
  // How long stop() lets in-flight requests finish before cancelling them.
  std::chrono::milliseconds stopGrace{5'000};
  // Set: every connection starts with a TLS handshake (TLS 1.2 or newer).
  std::optional<ServerTlsOptions> tls;
  // Set: called on an io thread for every request that was dispatched (preflights included;
  // requests the parser refuses are not). Must be cheap, must not block or throw.
  std::function<void(const ResponseRecord&)> onResponse;
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the io threads. Errors: kUnavailable when the address cannot be
  // bound, kInvalidParam for a bad host or unusable TLS files. Call once.
  Status start();
  // The bound port (after start()).
  std::uint16_t port() const;
  // Stops accepting, closes idle connections, lets in-flight requests finish for at most
  // options.stopGrace, then cancels the rest and joins the io threads. Idempotent; do not call
  // from a handler.
  void stop();
  // Open connections, for tests and metrics.
  std::size_t connectionCount() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace plexus::http
