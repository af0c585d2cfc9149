// The overlay federation server: one Conn per incoming stream, reading → handling → writing,
// all on the overlay thread. Work that starts elsewhere (a handler answering from a worker
// thread, a deadline from the deadline thread) reaches a Conn only through a task posted to the
// overlay thread, holding it weakly, and only while the server's Gate is open.
#include "plexus/federation_overlay/overlay_federation_server.h"

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "deadline_thread.h"
#include "http_wire.h"
#include "plexus/federation/server_name.h"
#include "plexus/federation/x_matrix.h"
#include "plexus/http/fields.h"

namespace plexus::federation_overlay {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kReadSlice = 64 * 1024;

// Posts to the overlay thread while the server exists. Callbacks that may outlive the server
// (Responders kept by handlers, deadlines) go through it instead of holding the port.
class Gate {
 public:
  explicit Gate(OverlayStreamPort& port) : port_(&port) {}
  void post(std::function<void()> task) {
    std::lock_guard lock(mutex_);
    if (port_) port_->post(std::move(task));
  }
  void close() {
    std::lock_guard lock(mutex_);
    port_ = nullptr;
  }

 private:
  std::mutex mutex_;
  OverlayStreamPort* port_;
};

// "X-Matrix" as the scheme of an Authorization value (any case, RFC 7235).
bool isXMatrix(std::string_view value) {
  const std::size_t end = value.find(' ');
  return http::equalsIgnoreCase(value.substr(0, end), "X-Matrix");
}

}  // namespace

class OverlayFederationServer::Impl {
 public:
  Impl(OverlayStreamPort& port, http::Handler handler, OverlayFederationServerOptions options)
      : handler_(std::move(handler)),
        options_(std::move(options)),
        gate_(std::make_shared<Gate>(port)) {}

  ~Impl() {
    gate_->close();
    timers_.stop();
    auto conns = std::move(conns_);
    for (auto& [raw, conn] : conns) conn->shutdown();
  }

  void accept(std::shared_ptr<overlay::Stream> stream) {
    if (!stream) return;
    const std::string peer(stream->remoteKey().bytes());
    if (conns_.size() >= options_.maxConcurrentStreams ||
        streamsOf(peer) >= options_.maxStreamsPerPeer) {
      ++counters_.refusedBusy;
      stream->reset(kResetFederationServer);
      return;
    }
    ++counters_.accepted;
    ++perPeer_[peer];
    auto conn = std::make_shared<Conn>(*this, std::move(stream), peer);
    conns_.emplace(conn.get(), conn);
    conn->start(conn);
  }

  std::size_t activeStreams() const { return conns_.size(); }
  OverlayFederationServerCounters counters() const { return counters_; }

 private:
  // One stream: read one request, hand it to the handler, write the answer, finish.
  class Conn {
   public:
    Conn(Impl& server, std::shared_ptr<overlay::Stream> stream, std::string peer)
        : server_(server),
          stream_(std::move(stream)),
          peer_(std::move(peer)),
          origin_(federation::keyNamedServerName(stream_->remoteKey())),
          parser_(server.options_.limits, server.options_.bodyLimitFor) {}

    void start(const std::shared_ptr<Conn>& self) {
      weak_ = self;
      std::weak_ptr<Conn> weak = self;
      stream_->setHandler(overlay::StreamHandler{[weak] {
                                                   if (auto c = weak.lock()) c->onReadable();
                                                 },
                                                 [weak] {
                                                   if (auto c = weak.lock()) c->pump();
                                                 },
                                                 [weak](std::uint64_t) {
                                                   if (auto c = weak.lock()) c->onReset();
                                                 }});
      schedule(server_.options_.readTimeout, Phase::kReading);
      onReadable();
    }

    // The server is going away: abort whatever is in progress. No callbacks into the server.
    void shutdown() {
      if (responder_) responder_->cancel();
      if (!finished_) stream_->reset(kResetFederationServer);
      phase_ = Phase::kDone;
    }

   private:
    enum class Phase { kReading, kHandling, kWriting, kDone };

    void onReadable() {
      if (phase_ != Phase::kReading) return;  // one request per stream; the rest stays unread
      while (stream_->readableBytes() > 0) {
        parser_.feed(stream_->read(kReadSlice));
        if (parser_.takeContinueRequest()) {
          out_.append(detail::kContinueResponse);
          pump();
        }
        auto next = parser_.next();
        if (!next) {
          ++server_.counters_.malformed;
          respond(http::Response::matrixError(next.error()));
          return;
        }
        if (*next) {
          dispatch(std::move(**next));
          return;
        }
      }
      if (stream_->readFinished()) {
        if (parser_.idle() && parser_.bufferedBytes() == 0) {
          finish();  // an empty stream: nothing to answer
          return;
        }
        ++server_.counters_.malformed;
        respond(
            http::Response::matrixError(makeError(ErrorCode::kInvalidParam, "request cut short")));
      }
    }

    void dispatch(http::Request request) {
      // The session proved the peer's key: a request signed as another key-named server is
      // refused before the handler looks up keys for it. A DNS-named origin (a cloud server
      // peering on the overlay) goes on to the handler, which checks its X-Matrix signature
      // with that server's published keys as over HTTPS.
      for (std::string_view value : request.headers.getAll("Authorization")) {
        if (!isXMatrix(value)) continue;
        auto auth = federation::parseXMatrix(value);
        const bool keyNamed = auth && federation::isKeyNamedServer(auth->origin);
        if (!auth || (keyNamed && auth->origin != origin_)) {
          ++server_.counters_.originMismatch;
          respond(
              http::Response::matrixError(401, "M_UNAUTHORIZED",
                                          auth ? "X-Matrix origin is not the overlay session's key"
                                               : "malformed X-Matrix authorization"));
          return;
        }
      }
      phase_ = Phase::kHandling;
      ++server_.counters_.dispatched;
      std::shared_ptr<Gate> gate = server_.gate_;
      std::weak_ptr<Conn> weak = weak_;
      responder_ = http::Responder::detached([gate, weak](http::Response response) {
        gate->post([weak, response = std::move(response)]() mutable {
          if (auto c = weak.lock()) c->onAnswer(std::move(response));
        });
      });
      http::Responder responder = *responder_;
      try {
        server_.handler_(std::move(request), responder);
      } catch (...) {  // as the HTTPS server does: a throwing handler answers 500
        responder.send(
            http::Response::matrixError(makeError(ErrorCode::kUnknown, "internal error")));
      }
    }

    void onAnswer(http::Response response) {
      if (phase_ != Phase::kHandling) return;
      responder_.reset();
      respond(response);
    }

    void respond(const http::Response& response) {
      phase_ = Phase::kWriting;
      out_.append(detail::serializeResponse(response));
      schedule(server_.options_.writeTimeout, Phase::kWriting);
      pump();
    }

    void pump() {
      while (written_ < out_.size()) {
        const std::size_t n = stream_->write(std::string_view(out_).substr(written_));
        if (n == 0) return;  // onWritable resumes
        written_ += n;
      }
      if (phase_ == Phase::kWriting) finish();
    }

    // Our side is complete: the stream delivers what was written after we let go of it.
    void finish() {
      finished_ = true;
      stream_->finish();
      close();
    }

    void onReset() {
      if (phase_ == Phase::kDone) return;
      ++server_.counters_.peerReset;
      if (responder_) responder_->cancel();
      close();
    }

    void onDeadline(Phase phase) {
      if (phase_ != phase) return;
      ++server_.counters_.timedOut;
      if (responder_) responder_->cancel();
      stream_->reset(kResetFederationServer);
      close();
    }

    void schedule(std::chrono::milliseconds delay, Phase phase) {
      std::shared_ptr<Gate> gate = server_.gate_;
      std::weak_ptr<Conn> weak = weak_;
      server_.timers_.at(Clock::now() + delay, [gate, weak, phase] {
        gate->post([weak, phase] {
          if (auto c = weak.lock()) c->onDeadline(phase);
        });
      });
    }

    // Leaves the server's table; the Conn (and our stream handle) goes when the caller's
    // reference does, still on the overlay thread.
    void close() {
      phase_ = Phase::kDone;
      responder_.reset();
      server_.release(this, peer_);
    }

    Impl& server_;
    std::shared_ptr<overlay::Stream> stream_;
    std::string peer_;
    std::string origin_;
    std::weak_ptr<Conn> weak_;
    http::RequestParser parser_;
    std::optional<http::Responder> responder_;
    std::string out_;
    std::size_t written_ = 0;
    Phase phase_ = Phase::kReading;
    bool finished_ = false;
  };

  std::size_t streamsOf(const std::string& peer) const {
    auto it = perPeer_.find(peer);
    return it == perPeer_.end() ? 0 : it->second;
  }

  void release(Conn* conn, const std::string& peer) {
    if (conns_.erase(conn) == 0) return;
    if (auto it = perPeer_.find(peer); it != perPeer_.end() && --it->second == 0)
      perPeer_.erase(it);
  }

  http::Handler handler_;
  OverlayFederationServerOptions options_;
  OverlayFederationServerCounters counters_;
  std::shared_ptr<Gate> gate_;
  std::unordered_map<Conn*, std::shared_ptr<Conn>> conns_;
  std::map<std::string, std::size_t> perPeer_;  // streams in progress by peer key bytes
  detail::DeadlineThread timers_;
};

OverlayFederationServer::OverlayFederationServer(OverlayStreamPort& port, http::Handler handler,
                                                 OverlayFederationServerOptions options)
    : impl_(std::make_unique<Impl>(port, std::move(handler), std::move(options))) {}

OverlayFederationServer::~OverlayFederationServer() = default;

void OverlayFederationServer::accept(std::shared_ptr<overlay::Stream> stream) {
  impl_->accept(std::move(stream));
}

std::size_t OverlayFederationServer::activeStreams() const { return impl_->activeStreams(); }

OverlayFederationServerCounters OverlayFederationServer::counters() const {
  return impl_->counters();
}

}  // namespace plexus::federation_overlay
