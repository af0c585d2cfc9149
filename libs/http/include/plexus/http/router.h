// Routes requests by method and path pattern. Patterns are literal segments and named segments
// ("/_matrix/client/{version}/rooms/{roomId}/send/{eventType}/{txnId}"); a named segment may be
// restricted to a set of values (the API version: r0, v3). A path no route matches gets
// 404 M_UNRECOGNIZED (or the fallback handler); a path some route matches with another method
// gets 405 M_UNRECOGNIZED with an Allow header (SPEC: client-server-api "Standard error response"
// — unknown endpoints are 404 M_UNRECOGNIZED, unsupported methods 405 M_UNRECOGNIZED).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/http/responder.h"

namespace plexus::http {

class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  // Restricts the named segment `name` to `values` in every pattern that uses it.
  void restrictParam(std::string name, std::vector<std::string> values);

  // Adds a route. Patterns start with '/'; a segment "{name}" captures one decoded path segment
  // into Request::pathParams. Literal segments take precedence over named ones. HEAD requests
  // fall back to GET routes.
  void add(std::string_view method, std::string_view pattern, Handler handler);
  void addSync(std::string_view method, std::string_view pattern, SyncHandler handler);
  // A route whose request bodies may be up to `maxBodyBytes` rather than the server's limit
  // (uploads): wire bodyLimit() into ServerOptions::bodyLimitFor.
  void add(std::string_view method, std::string_view pattern, Handler handler,
           std::size_t maxBodyBytes);

  // The body limit of the route `head` (method and path; see BodyLimitFor) is
  // dispatched to, when that route has its own; nullopt otherwise. Thread-safe once routes are
  // added. Cheap when no route has a limit of its own.
  std::optional<std::size_t> bodyLimit(const Request& head) const;

  // Replaces the 404 answer for paths no route matches.
  void setFallback(Handler handler);

  // Routes one request. Never throws: a throwing handler gives 500 M_UNKNOWN.
  void dispatch(Request request, Responder responder) const;

  // Moves the router into a Handler for the Server.
  Handler toHandler() &&;
  // A Handler that routes through `router` (shared with bodyLimitFor, for instance).
  static Handler sharedHandler(std::shared_ptr<const Router> router);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace plexus::http
