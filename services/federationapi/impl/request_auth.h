// Inbound X-Matrix request authentication (Server-Server API "Request Authentication"): every
// Authorization header is parsed, its destination checked against our name, the origin's key
// looked up (fetched on a miss) and the signature over method, URI, origin, destination and the
// JSON body verified. The first header that verifies authenticates the request.
#pragma once

#include <optional>
#include <string_view>

#include "federationapi/impl/remote_key_cache.h"
#include "plexus/federation/x_matrix.h"
#include "plexus/http/request.h"
#include "plexus/http/response.h"

namespace plexus::federationapi {

struct AuthenticatedRequest {
  federation::XMatrixAuth auth;
  std::optional<json::Value> content;  // the parsed body, when there is one
};

// Authenticates `request` for our server `ourServerName`. Blocking when a key must be fetched.
// Errors: kMissingToken (no X-Matrix header), kInvalidSignature (malformed header, wrong
// destination, unknown key, bad signature), kNotJson (a body that is not JSON).
Result<AuthenticatedRequest> authenticateRequest(const http::Request& request,
                                                 std::string_view ourServerName,
                                                 RemoteKeyCache& keys);

// The HTTP answer to a failed authenticateRequest: 401 M_UNAUTHORIZED for authentication
// failures, 400 M_NOT_JSON for a bad body.
http::Response authErrorResponse(const Error& error);

}  // namespace plexus::federationapi
