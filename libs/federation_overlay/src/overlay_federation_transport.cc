// One federation request over one overlay stream. The caller's thread waits on an Exchange
// while the overlay thread drives the stream; the Exchange is shared between them, and the
// stream's handlers hold it weakly, so a caller that gave up leaves nothing behind but a reset.
// Stream handles are only ever dropped on the overlay thread.
#include "plexus/federation_overlay/overlay_federation_transport.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <utility>

#include "http_wire.h"
#include "plexus/federation/server_name.h"
#include "response_reader.h"

namespace plexus::federation_overlay {
namespace {

using Clock = std::chrono::steady_clock;
using federation::OutboundResponse;

// Reset code for a stream we abandon (timeout, an unusable answer). Below 2^32 (stream.h).
constexpr std::uint64_t kResetClientGaveUp = 0x46'45'43;  // "FEC"
// Read in slices so one readable event cannot make us buffer a whole window at once twice.
constexpr std::size_t kReadSlice = 64 * 1024;

Unexpected unavailable(std::string_view destination, std::string_view why) {
  return fail(ErrorCode::kUnavailable, std::string(destination) + ": " + std::string(why));
}

class Exchange {
 public:
  Exchange(std::string wire, detail::ResponseReader reader)
      : wire_(std::move(wire)), reader_(std::move(reader)) {}

  // --- overlay thread ---

  // The stream from OverlayStreamPort::openStream (nullptr when none could be opened).
  void start(const std::shared_ptr<Exchange>& self, std::shared_ptr<overlay::Stream> stream) {
    if (abandoned_) {
      if (stream) stream->reset(kResetClientGaveUp);
      return;
    }
    if (!stream) {
      complete(fail(ErrorCode::kUnavailable, "cannot open an overlay stream"), false);
      return;
    }
    stream_ = std::move(stream);
    std::weak_ptr<Exchange> weak = self;
    stream_->setHandler(overlay::StreamHandler{[weak] {
                                                 if (auto e = weak.lock()) e->onReadable();
                                               },
                                               [weak] {
                                                 if (auto e = weak.lock()) e->pump();
                                               },
                                               [weak](std::uint64_t code) {
                                                 if (auto e = weak.lock()) e->onReset(code);
                                               }});
    pump();
  }

  // The caller stopped waiting: abort the stream, if any is still ours.
  void abandon() {
    abandoned_ = true;
    if (auto stream = std::move(stream_)) stream->reset(kResetClientGaveUp);
  }

  // --- caller thread ---

  // The outcome, or nullopt when `deadline` passed first.
  std::optional<Result<OutboundResponse>> wait(Clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    done_.wait_until(lock, deadline, [this] { return result_.has_value(); });
    return std::move(result_);
  }

 private:
  void pump() {
    if (!stream_) return;
    while (written_ < wire_.size()) {
      const std::size_t n = stream_->write(std::string_view(wire_).substr(written_));
      if (n == 0) return;  // onWritable resumes
      written_ += n;
    }
    if (!finished_) {
      finished_ = true;
      stream_->finish();
      std::string().swap(wire_);
    }
  }

  void onReadable() {
    // Bounded by the stream's receive window: each slice takes bytes out of it.
    while (stream_ && stream_->readableBytes() > 0) {
      auto done = reader_.feed(stream_->read(kReadSlice));
      if (!done) {
        complete(Unexpected{std::move(done).takeError()}, true);
        return;
      }
      if (*done) {
        complete(reader_.take(), false);
        return;
      }
    }
    if (stream_ && stream_->readFinished()) {
      auto done = reader_.finish();
      if (done && *done) {
        complete(reader_.take(), false);
      } else {
        complete(done ? fail(ErrorCode::kUnavailable, "stream ended before the response did")
                      : Unexpected{std::move(done).takeError()},
                 false);
      }
    }
  }

  void onReset(std::uint64_t code) {
    complete(
        fail(ErrorCode::kUnavailable, code == overlay::kResetHandshakeFailed
                                          ? std::string("no session with the node (unreachable?)")
                                          : "stream reset (code " + std::to_string(code) + ")"),
        false);
  }

  // Hands the outcome to the caller and lets go of the stream (reset when `abort`; otherwise
  // our finished side is still delivered if unacknowledged).
  void complete(Result<OutboundResponse> result, bool abort) {
    if (auto stream = std::move(stream_); stream && abort) stream->reset(kResetClientGaveUp);
    {
      std::lock_guard lock(mutex_);
      if (result_) return;
      result_ = std::move(result);
    }
    done_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable done_;
  std::optional<Result<OutboundResponse>> result_;  // guarded by mutex_

  // Overlay thread only (set up before the first post, which orders them).
  std::shared_ptr<overlay::Stream> stream_;
  std::string wire_;
  std::size_t written_ = 0;
  bool finished_ = false;
  bool abandoned_ = false;
  detail::ResponseReader reader_;
};

}  // namespace

OverlayFederationTransport::OverlayFederationTransport(OverlayStreamPort& port,
                                                       OverlayFederationTransportOptions options)
    : port_(port), options_(options) {}

Result<OutboundResponse> OverlayFederationTransport::send(
    std::string_view destination, const federation::OutboundRequest& request) {
  const auto key = federation::keyNamedServerKey(destination);
  if (!key) return unavailable(destination, "not a key-named server");
  if (port_.onOverlayThread())
    return unavailable(destination, "send() called on the overlay thread, which it would block");
  auto wire = detail::serializeRequest(destination, request);
  if (!wire) return unavailable(destination, wire.error().message);

  using std::chrono::milliseconds;
  const milliseconds timeout =
      std::clamp(milliseconds(request.timeoutMs), milliseconds(1), options_.maxRequestTimeout);
  const Clock::time_point deadline = Clock::now() + timeout;
  auto exchange = std::make_shared<Exchange>(
      std::move(*wire),
      detail::ResponseReader(options_.maxResponseHeaderBytes,
                             std::min(request.maxResponseBytes, options_.maxResponseBytes),
                             request.method == "HEAD"));

  std::weak_ptr<Exchange> weak = exchange;
  port_.openStream(*key, [weak](std::shared_ptr<overlay::Stream> stream) {
    if (auto e = weak.lock()) {
      e->start(e, std::move(stream));
    } else if (stream) {
      stream->reset(kResetClientGaveUp);
    }
  });

  auto outcome = exchange->wait(deadline);
  if (!outcome) {
    // The overlay thread owns the stream: reset it there. The task keeps the Exchange alive.
    port_.post([exchange] { exchange->abandon(); });
    return unavailable(destination, "timed out after " + std::to_string(timeout.count()) + " ms");
  }
  if (!*outcome) return unavailable(destination, outcome->error().message);
  return std::move(**outcome);
}

}  // namespace plexus::federation_overlay
