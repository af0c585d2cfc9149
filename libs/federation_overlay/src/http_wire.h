// The bytes of one federation exchange on an overlay stream: the request the transport writes
// and the response the server writes. Both always close after one exchange (Connection: close)
// and frame bodies with Content-Length; nothing the caller or a handler supplies can split a
// message (CR, LF and NUL are refused or dropped).
#pragma once

#include <string>
#include <string_view>

#include "plexus/core/result.h"
#include "plexus/federation/federation_transport.h"
#include "plexus/http/response.h"

namespace plexus::federation_overlay::detail {

// `METHOD uri HTTP/1.1`, Host: `host`, the request's headers (its own Host, Content-Length,
// Connection and Transfer-Encoding are replaced), Content-Length, Connection: close, the body.
// Errors (kInvalidParam): a method that is not a token, a target that is not origin-form
// without spaces or controls, a header name that is not a token or a value with CR, LF or NUL.
Result<std::string> serializeRequest(std::string_view host,
                                     const federation::OutboundRequest& request);

// Status line, the handler's headers (minus framing headers and any with CR, LF or NUL),
// Content-Type and Content-Length when a body is allowed, Connection: close, the body. A status
// outside 200-999 becomes 500.
std::string serializeResponse(const http::Response& response);

// The interim answer to `Expect: 100-continue`.
inline constexpr std::string_view kContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace plexus::federation_overlay::detail
