// ResponseReader: an HTTP/1.1 response assembled from bytes as they arrive on a stream, with
// limits on the header and the body. A thin adapter over Beast's response parser, the parser
// libs/http's client uses for HTTPS federation, so both transports read answers alike.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "plexus/core/result.h"
#include "plexus/federation/federation_transport.h"

namespace plexus::federation_overlay::detail {

class ResponseReader {
 public:
  // `headRequest`: the answer to a HEAD request has no body whatever its Content-Length says.
  ResponseReader(std::size_t maxHeaderBytes, std::size_t maxBodyBytes, bool headRequest);
  ~ResponseReader();
  ResponseReader(ResponseReader&&) noexcept;
  ResponseReader& operator=(ResponseReader&&) noexcept;

  // Takes the next bytes of the stream. True once a final (non-1xx) response is complete;
  // interim 1xx responses are skipped. Errors: kTooLarge past a limit, kInvalidParam for a
  // malformed response. After an error or completion further bytes are ignored.
  Result<bool> feed(std::string_view bytes);
  // The stream ended. True when that completes the response (one framed by the end of the
  // stream); false when the response was cut short.
  Result<bool> finish();
  // The complete response (call once, after feed() or finish() returned true).
  federation::OutboundResponse take();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace plexus::federation_overlay::detail
