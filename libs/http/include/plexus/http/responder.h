// Completion handle for one request. Handlers may answer at once or keep the Responder and answer
// later from any thread (long-polls hold no thread while waiting). The server cancels the
// request when the client disconnects or the server stops; handlers learn it through onCancel.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "plexus/http/request.h"
#include "plexus/http/response.h"

namespace plexus::http {

namespace detail {
class Exchange;
}

class Responder {
 public:
  explicit Responder(std::shared_ptr<detail::Exchange> exchange) : exchange_(std::move(exchange)) {}

  // A Responder not attached to a connection: send() hands the response to `onSend` on the
  // sending thread. For unit tests of handlers and for in-process calls. expireAfter() is not
  // supported on it (the callback never runs).
  static Responder detached(std::function<void(Response)> onSend);
  // Cancels a detached Responder (the "client" went away): runs the onCancel callbacks.
  void cancel() const;

  // Completes the request. Thread-safe; the first call wins. Returns false (and drops the
  // response) when the request was already answered or cancelled.
  bool send(Response response) const;
  // True once send() succeeded.
  bool done() const;
  // True once the client went away or the server gave up on the request.
  bool cancelled() const;
  // Runs `callback` once when the request is cancelled; at once (on this thread) when it already
  // is; never when it completes normally. Callbacks run on an io thread and must not block.
  void onCancel(std::function<void()> callback) const;
  // Runs `callback` on an io thread after `delay` unless the request completed or was cancelled
  // first: the timer for a long-poll's `timeout` parameter. One deadline per request; a second
  // call replaces the first.
  void expireAfter(std::chrono::milliseconds delay, std::function<void()> callback) const;
  // Names the route handling the request ("/_matrix/client/v3/rooms/{roomId}/send/..."), for
  // per-endpoint metrics (ResponseRecord::route). Router::dispatch sets it.
  void setRoute(std::string_view route) const;

 private:
  std::shared_ptr<detail::Exchange> exchange_;
};

// A handler answers through the Responder, now or later. It runs on an io thread and must not
// block; an exception it throws before answering becomes 500 M_UNKNOWN.
using Handler = std::function<void(Request request, Responder responder)>;
// A handler that answers immediately.
using SyncHandler = std::function<Response(const Request& request)>;

}  // namespace plexus::http
