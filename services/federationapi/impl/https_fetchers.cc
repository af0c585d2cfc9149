// HTTPS key fetching and .well-known lookups over plexus::http::Client.
#include "federationapi/impl/https_fetchers.h"

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

Result<json::Object> HttpsKeyFetcher::call(const federation::ServerName& server,
                                           http::ClientRequest request) {
  Result<federation::ResolvedServer> resolved = [&] {
    std::lock_guard lock(resolverMutex_);
    return resolver_.resolve(server);
  }();
  if (!resolved) return Unexpected{resolved.error()};
  auto response = requestResolved(*resolved, std::move(request), options_);
  if (!response)
    return fail(ErrorCode::kUnavailable, server.str() + ": " + response.error().message);
  if (response->status != 200)
    return fail(ErrorCode::kUnavailable,
                server.str() + ": HTTP " + std::to_string(response->status));
  auto body = json::parseObject(response->body);
  if (!body) return fail(ErrorCode::kUnavailable, server.str() + ": response is not a JSON object");
  return std::move(*body);
}

Result<json::Object> HttpsKeyFetcher::fetchDirect(const federation::ServerName& server) {
  http::ClientRequest request;
  request.target = "/_matrix/key/v2/server";
  return call(server, std::move(request));
}

Result<json::Object> HttpsKeyFetcher::fetchViaNotary(const federation::ServerName& notary,
                                                     const json::Object& body) {
  http::ClientRequest request;
  request.method = "POST";
  request.target = "/_matrix/key/v2/query";
  request.body = json::canonical(body);
  request.headers.set("Content-Type", "application/json");
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
