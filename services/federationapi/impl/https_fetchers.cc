// HTTPS key fetching and .well-known lookups over plexus::http::Client.
#include "federationapi/impl/https_fetchers.h"

#include <mutex>
#include <set>

#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::federationapi {
namespace {

http::ClientOptions clientOptions(const FederationHttpOptions& options) {
  http::ClientOptions out;
  out.connectTimeout = options.connectTimeout;
  out.requestTimeout = options.requestTimeout;
  out.maxResponseBytes = options.maxResponseBytes;
  out.tls = options.tls;
  out.resolveOverrides = options.resolveOverrides;
  return out;
}

std::string addressWithPort(const federation::Endpoint& endpoint) {
  return federation::formatHostPort(endpoint.address.text, endpoint.address.ipv6, endpoint.port);
}

}  // namespace

Result<http::ClientResponse> requestResolved(const federation::ResolvedServer& server,
                                             http::ClientRequest request,
                                             const FederationHttpOptions& options) {
  request.headers.set("Host", server.hostHeader);
  std::string lastError = "no addresses";
  for (const auto& endpoint : server.endpoints) {
    auto clientOpts = clientOptions(options);
    // The client connects to the endpoint but verifies (and sends SNI for) tlsName.
    clientOpts.resolveOverrides[server.tlsName] = addressWithPort(endpoint);
    http::Client client(http::Scheme::kHttps, server.tlsName, endpoint.port, clientOpts);
    auto response = client.request(request);
    if (response) return response;
    if (response.error().code == ErrorCode::kTooLarge) return response;
    lastError = addressWithPort(endpoint) + ": " + response.error().message;
  }
  return fail(ErrorCode::kUnavailable, lastError);
}

namespace {

// The standalone transport: discovery through a shared resolver, one connection per request.
class ResolvedServerTransport : public federation::FederationTransport {
 public:
  ResolvedServerTransport(federation::ServerResolver& resolver, FederationHttpOptions options)
      : resolver_(resolver), options_(std::move(options)) {}

  Result<federation::OutboundResponse> send(std::string_view destination,
                                            const federation::OutboundRequest& outbound) override {
    auto server = federation::ServerName::parse(destination);
    if (!server) return fail(ErrorCode::kUnavailable, std::string(destination) + ": bad name");
    Result<federation::ResolvedServer> resolved = [&] {
      std::lock_guard lock(resolverMutex_);
      return resolver_.resolve(*server);
    }();
    if (!resolved) return Unexpected{resolved.error()};
    http::ClientRequest request;
    request.method = outbound.method;
    request.target = outbound.uri;
    request.body = outbound.body;
    for (const auto& [name, value] : outbound.headers) request.headers.add(name, value);
    FederationHttpOptions options = options_;
    options.requestTimeout = std::chrono::milliseconds(outbound.timeoutMs);
    options.maxResponseBytes = outbound.maxResponseBytes;
    auto response = requestResolved(*resolved, std::move(request), options);
    if (!response)
      return fail(ErrorCode::kUnavailable,
                  std::string(destination) + ": " + response.error().message);
    federation::OutboundResponse out;
    out.status = response->status;
    out.headers = response->headers.fields();
    out.body = std::move(response->body);
    return out;
  }

 private:
  federation::ServerResolver& resolver_;
  FederationHttpOptions options_;
  std::mutex resolverMutex_;
};

}  // namespace

HttpsKeyFetcher::HttpsKeyFetcher(federation::FederationTransport& transport,
                                 FederationHttpOptions options)
    : transport_(transport), options_(std::move(options)) {}

HttpsKeyFetcher::HttpsKeyFetcher(federation::ServerResolver& resolver,
                                 FederationHttpOptions options)
    : owned_(std::make_unique<ResolvedServerTransport>(resolver, options)),
      transport_(*owned_),
      options_(std::move(options)) {}

HttpsKeyFetcher::~HttpsKeyFetcher() = default;

Result<json::Object> HttpsKeyFetcher::call(const federation::ServerName& server,
                                           federation::OutboundRequest request) {
  request.timeoutMs = options_.requestTimeout.count();
  request.maxResponseBytes = options_.maxResponseBytes;
  auto response = transport_.send(server.str(), request);
  if (!response) return fail(ErrorCode::kUnavailable, response.error().message);
  if (response->status != 200)
    return fail(ErrorCode::kUnavailable,
                server.str() + ": HTTP " + std::to_string(response->status));
  auto body = json::parseObject(response->body);
  if (!body) return fail(ErrorCode::kUnavailable, server.str() + ": response is not a JSON object");
  return std::move(*body);
}

Result<json::Object> HttpsKeyFetcher::fetchDirect(const federation::ServerName& server) {
  federation::OutboundRequest request;
  request.method = "GET";
  request.uri = "/_matrix/key/v2/server";
  return call(server, std::move(request));
}

Result<json::Object> HttpsKeyFetcher::fetchViaNotary(const federation::ServerName& notary,
                                                     const json::Object& body) {
  federation::OutboundRequest request;
  request.method = "POST";
  request.uri = "/_matrix/key/v2/query";
  request.body = json::canonical(body);
  request.headers.emplace_back("Content-Type", "application/json");
  return call(notary, std::move(request));
}

federation::WellKnownResponse HttpsWellKnownFetcher::fetch(const std::string& hostname) {
  federation::WellKnownResponse out;
  http::Url url{http::Scheme::kHttps, hostname, 443, "/.well-known/matrix/server"};
  std::set<std::string> visited;
  for (int hop = 0; hop <= maxRedirects_; ++hop) {
    std::string key = url.host + ":" + std::to_string(url.port) + url.target;
    if (!visited.insert(key).second) return out;  // a redirect loop
    http::Client client(http::Scheme::kHttps, url.host, url.port, clientOptions(options_));
    auto response = client.get(url.target);
    if (!response) return out;
    auto location = response->headers.get("Location");
    bool redirect = response->status >= 300 && response->status < 400 && location;
    if (redirect) {
      if (!location->empty() && location->front() == '/') {
        url.target = std::string(*location);
        continue;
      }
      auto next = http::parseUrl(*location);
      // Only https: a redirect must not downgrade the transport.
      if (!next || next->scheme != http::Scheme::kHttps) return out;
      url = std::move(*next);
      continue;
    }
    out.reached = true;
    out.status = response->status;
    out.body = std::move(response->body);
    auto copy = [&](std::string_view name, std::optional<std::string>& field) {
      if (auto value = response->headers.get(name)) field = std::string(*value);
    };
    copy("Cache-Control", out.cacheControl);
    copy("Expires", out.expires);
    copy("Date", out.date);
    return out;
  }
  return out;
}

}  // namespace plexus::federationapi
