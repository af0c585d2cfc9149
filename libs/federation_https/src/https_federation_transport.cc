// One federation request over HTTPS: a pooled kept-alive connection when the destination has an
// idle one, else discovery (cached) and a new connection to each address in turn.
#include "plexus/federation_https/https_federation_transport.h"

#include <algorithm>

#include "connection_pool.h"
#include "route_cache.h"

namespace plexus::federation_https {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

milliseconds remaining(Clock::time_point deadline) {
  return std::max(std::chrono::duration_cast<milliseconds>(deadline - Clock::now()),
                  milliseconds(0));
}

Unexpected unavailable(std::string_view destination, const std::string& why) {
  return fail(ErrorCode::kUnavailable, std::string(destination) + ": " + why);
}

// Errors after which another attempt cannot help: the answer arrived but is unusable.
bool isFinal(const Error& error) {
  return error.code == ErrorCode::kTooLarge || error.code == ErrorCode::kInvalidParam;
}

federation::OutboundResponse toOutbound(http::ClientResponse response) {
  federation::OutboundResponse out;
  out.status = response.status;
  out.headers = response.headers.fields();
  out.body = std::move(response.body);
  return out;
}

}  // namespace

struct HttpsFederationTransport::Impl {
  Impl(federation::DnsResolver& dns, federation::WellKnownFetcher& wellKnown,
       HttpsFederationTransportOptions opts)
      : options(std::move(opts)),
        routes(dns, wellKnown,
               detail::RouteCacheOptions{options.resolveOverrides, options.resolutionTtl,
                                         options.failedResolutionTtl, options.resolverShards}),
        pool(detail::ConnectionPoolOptions{options.maxConnectionsPerDestination,
                                           options.maxIdleConnections, options.idleTimeout}) {}

  void applyLimits(http::Client& client, Clock::time_point deadline, std::size_t cap) const {
    const milliseconds left = std::max(remaining(deadline), milliseconds(1));
    client.setLimits(std::min(options.connectTimeout, left), left, cap);
  }

  // Sends on a new connection to the route's addresses, the last one that answered first.
  // On success `connection` holds the client to keep.
  Result<http::ClientResponse> sendNew(const std::string& destination,
                                       const federation::ServerName& server,
                                       http::ClientRequest& request, Clock::time_point deadline,
                                       std::size_t cap, detail::Connection& connection) {
    PLEXUS_TRY(detail::Route route, routes.lookup(server));
    request.headers.set("Host", route.hostHeader);
    std::string lastError = "no address";
    const std::size_t count = route.addresses.size();
    for (std::size_t n = 0; n < count; ++n) {
      if (remaining(deadline) <= milliseconds(0)) {
        lastError += " (timed out)";
        break;
      }
      const std::size_t index = (route.preferred + n) % count;
      const detail::RouteAddress& address = route.addresses[index];
      http::ClientOptions clientOptions;
      clientOptions.tls = options.tls;
      // Dial the address while SNI, the certificate check and messages use the TLS name.
      clientOptions.resolveOverrides[route.tlsName] = address.dial;
      auto client = std::make_unique<http::Client>(http::Scheme::kHttps, route.tlsName,
                                                   address.port, std::move(clientOptions));
      applyLimits(*client, deadline, cap);
      auto response = client->request(request);
      if (response) {
        if (index != route.preferred) routes.prefer(destination, index);
        connection = detail::Connection{std::move(client), route.hostHeader};
        return response;
      }
      if (isFinal(response.error())) return response;
      lastError = address.dial + ": " + response.error().message;
    }
    // Nothing answered: discover again next time, the addresses may have moved.
    routes.forget(destination);
    return fail(ErrorCode::kUnavailable, lastError);
  }

  Result<federation::OutboundResponse> send(std::string_view destinationView,
                                            const federation::OutboundRequest& outbound) {
    auto server = federation::ServerName::parse(destinationView);
    if (!server) return unavailable(destinationView, "not a valid server name");
    const std::string destination(destinationView);
    const milliseconds timeout =
        std::clamp(milliseconds(outbound.timeoutMs), milliseconds(1), options.maxRequestTimeout);
    const Clock::time_point deadline = Clock::now() + timeout;
    const std::size_t cap = std::min(outbound.maxResponseBytes, options.maxResponseBytes);

    http::ClientRequest request;
    request.method = outbound.method;
    request.target = outbound.uri;
    request.body = outbound.body;
    for (const auto& [name, value] : outbound.headers) {
      if (http::equalsIgnoreCase(name, "Host") || http::equalsIgnoreCase(name, "Content-Length"))
        continue;
      request.headers.add(name, value);
    }

    auto slot = pool.acquire(destination, deadline);
    if (!slot) return unavailable(destination, "too many requests in flight, timed out waiting");
    detail::Connection connection = std::move(*slot);

    if (connection.client) {
      // A kept-alive connection. http::Client itself reopens it once when the server closed it
      // while idle; another failure with time left means the address is gone or broken, so the
      // other idle connections are dropped and the request goes to a fresh one.
      request.headers.set("Host", connection.hostHeader);
      applyLimits(*connection.client, deadline, cap);
      auto response = connection.client->request(request);
      if (response) {
        pool.release(destination, std::move(connection));
        return toOutbound(std::move(*response));
      }
      connection = {};
      if (isFinal(response.error()) || remaining(deadline) <= milliseconds(0)) {
        pool.release(destination, {});
        return unavailable(destination, response.error().message);
      }
      pool.closeIdle(destination);
    }

    auto response = sendNew(destination, *server, request, deadline, cap, connection);
    pool.release(destination, std::move(connection));
    if (!response) return unavailable(destination, response.error().message);
    return toOutbound(std::move(*response));
  }

  HttpsFederationTransportOptions options;
  detail::RouteCache routes;
  detail::ConnectionPool pool;
};

HttpsFederationTransport::HttpsFederationTransport(federation::DnsResolver& dns,
                                                   federation::WellKnownFetcher& wellKnown,
                                                   HttpsFederationTransportOptions options)
    : impl_(std::make_unique<Impl>(dns, wellKnown, std::move(options))) {}

HttpsFederationTransport::~HttpsFederationTransport() = default;

Result<federation::OutboundResponse> HttpsFederationTransport::send(
    std::string_view destination, const federation::OutboundRequest& request) {
  return impl_->send(destination, request);
}

void HttpsFederationTransport::closeIdleConnections() { impl_->pool.closeAllIdle(); }

}  // namespace plexus::federation_https
