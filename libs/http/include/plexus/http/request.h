// An HTTP request as handlers see it: method, target split into decoded path segments and query
// parameters, headers, the whole body, and the peer address. Built by RequestParser; the Router
// fills pathParams from the matched pattern.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/http/fields.h"

namespace plexus::http {

struct Request {
  std::string method;   // as sent, e.g. "GET"; methods are case-sensitive (RFC 9110 §9.1)
  std::string target;   // raw request-target, e.g. "/_matrix/client/v3/sync?since=s1"
  std::string path;     // raw path of the target, still percent-encoded
  std::vector<std::string> pathSegments;  // percent-decoded segments of `path`
  QueryParams query;    // percent-decoded; '+' means space
  Headers headers;
  std::string body;
  int version = 11;     // 10 for HTTP/1.0, 11 for HTTP/1.1
  bool keepAlive = true;
  std::string remoteAddress;  // peer IP address, empty when unknown
  std::uint16_t remotePort = 0;
  std::map<std::string, std::string, std::less<>> pathParams;  // named segments from the Router

  // Named path segment from the matched route; empty view when absent.
  std::string_view param(std::string_view name) const;
};

// Percent-decodes `in` (RFC 3986 §2.1). Malformed escapes are kept literally, as most servers do.
// With `plusIsSpace`, '+' decodes to a space (application/x-www-form-urlencoded query strings).
std::string percentDecode(std::string_view in, bool plusIsSpace = false);

// Fills path, pathSegments and query from request.target. Accepts origin-form ("/a/b?x=1") and
// absolute-form ("http://host/a/b"); "*" gives an empty path. Other targets are kInvalidParam.
Status parseTarget(Request& request);

}  // namespace plexus::http
