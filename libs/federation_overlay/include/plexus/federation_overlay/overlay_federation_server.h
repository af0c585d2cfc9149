// OverlayFederationServer: answers federation requests that arrive on overlay streams
// (DESIGN.md §5). Each incoming stream carries one HTTP/1.1 request; it is parsed with
// libs/http's RequestParser under the same limits as the HTTPS federation listener, handed to
// the same http::Handler through a detached Responder, and answered on the stream, which is
// then finished. The overlay session has authenticated the peer's key, so a key-named X-Matrix
// origin naming another server is refused here (401 M_UNAUTHORIZED) before any handler sees it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "plexus/federation_overlay/overlay_stream_port.h"
#include "plexus/http/request_parser.h"
#include "plexus/http/responder.h"
#include "plexus/overlay/stream.h"

namespace plexus::federation_overlay {

// Reset code for streams this server aborts (over the concurrency bound, read or write
// deadline passed, server stopping). Application codes stay below 2^32 (stream.h).
inline constexpr std::uint64_t kResetFederationServer = 0x46'45'44;  // "FED"

struct OverlayFederationServerOptions {
  // As the HTTPS listener's: header and default body limit, and per-route body limits
  // (Router::bodyLimit with limits.maxBodyBytes as the fallback).
  http::ParserLimits limits;
  http::BodyLimitFor bodyLimitFor;
  // From accept until the whole request has arrived; then the stream is reset.
  std::chrono::milliseconds readTimeout{30'000};
  // From the handler's answer until the response is written into the stream (the peer reads
  // too slowly for the stream's flow control); then the stream is reset.
  std::chrono::milliseconds writeTimeout{30'000};
  // Streams being read, handled or written at once, in all and from one peer key; more are
  // reset at once (the peer's transport sees kUnavailable and may retry later).
  std::size_t maxConcurrentStreams = 256;
  std::size_t maxStreamsPerPeer = 32;
};

struct OverlayFederationServerCounters {
  std::uint64_t accepted = 0;        // streams taken on
  std::uint64_t refusedBusy = 0;     // reset: maxConcurrentStreams or maxStreamsPerPeer reached
  std::uint64_t malformed = 0;       // answered 400/413 by the parser
  std::uint64_t originMismatch = 0;  // answered 401: X-Matrix origin is not the session key
  std::uint64_t dispatched = 0;      // handed to the handler
  std::uint64_t timedOut = 0;        // reset at the read or write deadline
  std::uint64_t peerReset = 0;       // reset by the peer or by session loss before we finished
};

class OverlayFederationServer {
 public:
  // `port` must outlive this. `handler` is the federation handler the HTTPS listener serves
  // (e.g. a Router's dispatch); it runs on the overlay thread, must not block, and may answer
  // later from any thread through its Responder.
  OverlayFederationServer(OverlayStreamPort& port, http::Handler handler,
                          OverlayFederationServerOptions options = {});
  // Resets the streams in progress and cancels their Responders (handlers see onCancel).
  // Destroy it on the overlay thread or after the overlay thread has stopped: it drops Streams.
  ~OverlayFederationServer();
  OverlayFederationServer(const OverlayFederationServer&) = delete;
  OverlayFederationServer& operator=(const OverlayFederationServer&) = delete;

  // Takes an incoming stream (call from the overlay's onStream handler). Overlay thread only.
  // Never fails: malformed requests get 400 (413 when too large) and the stream is finished; a
  // stream over the concurrency bound is reset.
  void accept(std::shared_ptr<overlay::Stream> stream);

  // Streams in progress, and the counters. Overlay thread only.
  std::size_t activeStreams() const;
  OverlayFederationServerCounters counters() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace plexus::federation_overlay
