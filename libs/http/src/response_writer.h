// Serialises a Response for the wire: status line, the handler's headers, framing headers and the
// Matrix CORS headers every response carries.
#pragma once

#include <string>

#include "plexus/http/response.h"

namespace plexus::http::detail {

struct WireOptions {
  bool headRequest = false;  // send headers only, Content-Length of the body that would be sent
  bool keepAlive = true;
  int requestVersion = 11;
};

std::string serializeResponse(const Response& response, const WireOptions& options);

// 200 answer to a CORS preflight (any OPTIONS request): the handler is not called.
Response preflightResponse();

}  // namespace plexus::http::detail
