// Incremental HTTP/1.x request parser: bytes from a connection go in, complete requests come
// out in order (pipelining). Separate from the sockets so it can be fuzzed and tested alone.
// Parse errors are terminal: the connection answers with the error's status and closes.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "plexus/core/result.h"
#include "plexus/http/request.h"

namespace plexus::http {

struct ParserLimits {
  std::size_t maxHeaderBytes = 16 * 1024;   // request line plus header fields
  std::size_t maxBodyBytes = 1024 * 1024;
};

// The body limit of one request, chosen from its request line before the body is read (`head`
// has method, target, path, pathSegments and query; no headers, no body). Lets a server take
// large uploads on a few routes and keep the small limit everywhere else (Router::bodyLimit).
using BodyLimitFor = std::function<std::size_t(const Request& head)>;

class RequestParser {
 public:
  // Without `bodyLimitFor`, limits.maxBodyBytes holds for every request.
  explicit RequestParser(ParserLimits limits = {}, BodyLimitFor bodyLimitFor = {});
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Appends bytes received from the peer.
  void feed(std::string_view bytes);
  // Space for up to `n` bytes to be read directly into; commit() says how many arrived.
  std::span<char> prepare(std::size_t n);
  void commit(std::size_t n);

  // The next complete request; nullopt when more bytes are needed. Errors: kTooLarge when the
  // header or body is over its limit, kInvalidParam for malformed input. After an error every
  // call returns the same error.
  Result<std::optional<Request>> next();

  // True when a request's header has been parsed but its body is still arriving.
  bool headerDone() const;
  // True once per request whose header asked for "Expect: 100-continue" and whose body has not
  // started to arrive: the server should send an interim 100 response.
  bool takeContinueRequest();
  // Bytes received but not yet consumed by the parser.
  std::size_t bufferedBytes() const;
  // True when no partial request is buffered (a clean point to close an idle connection).
  bool idle() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace plexus::http
