// OverlayNode's public methods, start and stop, and snapshots (overlay_node.h).
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <random>

#include "overlay_node_impl.h"

namespace plexus::overlay {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr auto kStopGrace = std::chrono::milliseconds(1300);  // close frames get out meanwhile
constexpr auto kSnapshotWait = std::chrono::seconds(2);
constexpr auto kPollInterval = std::chrono::milliseconds(10);

}  // namespace

std::string HostPort::toString() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

Result<HostPort> parseHostPort(std::string_view text) {
  HostPort out;
  std::string_view portText;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return fail(ErrorCode::kInvalidParam, "expected [address]:port, got " + std::string(text));
    }
    out.host = std::string(text.substr(1, close - 1));
    portText = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      return fail(ErrorCode::kInvalidParam, "expected host:port, got " + std::string(text));
    }
    out.host = std::string(text.substr(0, colon));
    portText = text.substr(colon + 1);
  }
  if (out.host.empty() || portText.empty() || portText.size() > 5) {
    return fail(ErrorCode::kInvalidParam, "expected host:port, got " + std::string(text));
  }
  unsigned port = 0;
  for (char c : portText) {
    if (c < '0' || c > '9') {
      return fail(ErrorCode::kInvalidParam, "bad port in " + std::string(text));
    }
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port > 65535) return fail(ErrorCode::kInvalidParam, "bad port in " + std::string(text));
  out.port = static_cast<std::uint16_t>(port);
  return out;
}

// ---- OverlayNode ----

OverlayNode::OverlayNode(crypto::SigningKey key, OverlayNodeOptions options)
    : impl_(std::make_shared<Impl>(std::move(key), std::move(options))) {}

OverlayNode::~OverlayNode() { impl_->stop(); }

Status OverlayNode::start() { return impl_->start(); }
void OverlayNode::stop() { impl_->stop(); }
const crypto::PublicKey& OverlayNode::key() const { return impl_->self_; }
std::uint16_t OverlayNode::listenPort() const { return impl_->listenPort_.load(); }
bool OverlayNode::onNodeThread() const { return impl_->onNodeThread(); }
void OverlayNode::post(std::function<void()> task) { impl_->post(std::move(task)); }

void OverlayNode::openStream(const crypto::PublicKey& destination, StreamCallback done) {
  impl_->post([impl = impl_.get(), destination, done = std::move(done)]() mutable {
    impl->openStream(destination, std::move(done));
  });
}

void OverlayNode::onStream(StreamHandlerFn handler) {
  impl_->post([impl = impl_.get(), handler = std::move(handler)]() mutable {
    impl->streamHandler_ = std::move(handler);
  });
}

Status OverlayNode::sendDatagram(std::uint8_t service, const crypto::PublicKey& destination,
                                 std::string_view payload) {
  if (service < 0x10 || service > 0x1f) {
    return fail(ErrorCode::kInvalidParam, "service datagram kinds are 0x10-0x1f");
  }
  if (payload.size() + 1 > impl_->options_.router.maxPayload) {
    return fail(ErrorCode::kTooLarge, "service datagram over the router's payload limit");
  }
  std::string datagram;
  datagram.reserve(payload.size() + 1);
  datagram.push_back(static_cast<char>(service));
  datagram.append(payload);
  impl_->post([impl = impl_.get(), service, destination, datagram = std::move(datagram)]() mutable {
    impl->sendService(service, destination, std::move(datagram));
  });
  return {};
}

void OverlayNode::onServiceDatagram(std::uint8_t service, ServiceHandler handler) {
  impl_->post([impl = impl_.get(), service, handler = std::move(handler)]() mutable {
    impl->serviceHandlers_[service] = std::move(handler);
  });
}

void OverlayNode::connect(HostPort target, std::optional<crypto::PublicKey> expected) {
  impl_->post([impl = impl_.get(), target = std::move(target), expected]() mutable {
    impl->dial(std::move(target), expected, std::nullopt);
  });
}

void OverlayNode::disconnect(const crypto::PublicKey& peer) {
  impl_->post([impl = impl_.get(), peer] { impl->disconnect(peer); });
}

OverlaySnapshot OverlayNode::snapshot() const {
  Impl& impl = *impl_;
  if (impl.onNodeThread()) return impl.snapshot();
  switch (impl.phase()) {
    case Impl::Phase::kNotStarted:
      return impl.snapshot();
    case Impl::Phase::kStopped: {
      // Waits for a stop() in progress to join the node thread; then the state is ours.
      std::unique_lock joined(impl.joinMutex_);
      return impl.snapshot();
    }
    case Impl::Phase::kRunning:
      break;
  }
  auto promise = std::make_shared<std::promise<OverlaySnapshot>>();
  auto future = promise->get_future();
  asio::post(impl.io_, [&impl, promise] { promise->set_value(impl.snapshot()); });
  if (future.wait_for(kSnapshotWait) != std::future_status::ready) {
    OverlaySnapshot partial;
    partial.self = impl.self_;
    partial.listenPort = impl.listenPort_.load();
    return partial;
  }
  return future.get();
}

// ---- Impl: lifecycle ----

OverlayNode::Impl::Impl(crypto::SigningKey key, OverlayNodeOptions options)
    : key_(std::move(key)),
      self_(key_.publicKey()),
      options_(std::move(options)),
      bootstrap_(options_.bootstrapPeers.size(), options_.reconnectInitialUs,
                 options_.reconnectMaxUs, options_.reconnectJitter, std::random_device{}()),
      timer_(io_),
      bootstrapTimer_(io_),
      shutdownTimer_(io_) {
  buildRouterAndSessions();
}

OverlayNode::Impl::~Impl() {
  stop();
  // Before the counters and handlers they may touch.
  sessions_.reset();
  router_.reset();
}

void OverlayNode::Impl::post(std::function<void()> task) {
  asio::post(io_, [this, task = std::move(task)] {
    task();
    settle();
  });
}

Status OverlayNode::Impl::start() {
  std::unique_lock lock(lifecycle_);
  if (started_ || stopped_) return fail(ErrorCode::kInvalidParam, "an overlay node starts once");
  boost::system::error_code ec;
  auto address = asio::ip::make_address(options_.listen.host, ec);
  if (ec) {
    return fail(ErrorCode::kInvalidParam,
                "the overlay listen address must be an IP address: " + options_.listen.host);
  }
  auto onLink = [this](std::shared_ptr<TcpLink> link) {
    if (stopping_) return;
    ++counters_.linksAccepted;
    if (!admitAccepted(*link)) {
      ++counters_.linksRefused;
      return;  // dropping the last reference closes the socket
    }
    startLink(std::move(link), false, std::nullopt, std::nullopt);
    settle();
  };
  auto acceptor =
      TcpLinkAcceptor::listen(io_.get_executor(), tcp::endpoint(address, options_.listen.port),
                              key_, options_.link, onLink);
  if (!acceptor.ok() && address.is_v6() && address.to_v6().is_unspecified()) {
    // A machine without IPv6: fall back to every IPv4 address.
    acceptor = TcpLinkAcceptor::listen(
        io_.get_executor(), tcp::endpoint(asio::ip::address_v4::any(), options_.listen.port), key_,
        options_.link, onLink);
  }
  if (!acceptor.ok()) return acceptor.error();
  acceptor_ = *acceptor;
  listenPort_ = acceptor_->localEndpoint().port();

  if (options_.multicast.enabled) {
    discovery_ = std::make_unique<MulticastDiscoverySocket>(
        io_.get_executor(), key_, options_.multicast, listenPort_.load(),
        [this](const crypto::PublicKey& key) { return haveLink(key); },
        [this](const std::string& from, const Beacon& beacon) { onBeacon(from, beacon); },
        [this](std::string_view level, const std::string& message) { log(level, message); });
    if (!discovery_->start()) log("warn", "LAN discovery is off: no address family worked");
  }

  started_ = true;
  work_.emplace(io_.get_executor());
  asio::post(io_, [this] {
    runBootstrap();
    settle();
  });
  std::promise<std::thread::id> id;
  auto idFuture = id.get_future();
  thread_ = std::thread([this, &id] {
    id.set_value(std::this_thread::get_id());
    io_.run();
  });
  threadId_ = idFuture.get();
  return {};
}

void OverlayNode::Impl::stop() {
  bool first = false;
  if (onNodeThread()) {
    // A thread cannot join itself: shut down and let it end; stop() or the destructor on
    // another thread joins it later.
    {
      std::unique_lock lock(lifecycle_);
      first = !stopped_;
      stopped_ = true;
    }
    if (first) {
      shutdown();
      io_.stop();
    }
    return;
  }
  // Held until the thread is joined, so snapshot() never reads the state while it still runs.
  std::unique_lock joining(joinMutex_);
  {
    std::unique_lock lock(lifecycle_);
    first = !stopped_;
    stopped_ = true;
    if (!started_) return;
  }
  if (!thread_.joinable()) return;
  if (first) {
    auto done = std::make_shared<std::promise<void>>();
    auto doneFuture = done->get_future();
    asio::post(io_, [this, done] {
      shutdown();
      pollShutdown(static_cast<int>(kStopGrace / kPollInterval), done);
    });
    doneFuture.wait_for(kStopGrace + std::chrono::milliseconds(200));
  }
  work_.reset();
  io_.stop();
  thread_.join();
  // The node thread is gone: what it owned is ours now.
  for (auto& [port, entry] : links_) foldCounters(entry.link->counters());
  links_.clear();
  routedByKey_.clear();
  acceptor_.reset();
  discovery_.reset();
}

void OverlayNode::Impl::pollShutdown(int left, std::shared_ptr<std::promise<void>> done) {
  // Waits until every link has written its close frame and let go of its socket.
  if (shutdownDone() || left <= 0) {
    done->set_value();
    return;
  }
  shutdownTimer_.expires_after(kPollInterval);
  shutdownTimer_.async_wait([this, left, done](const boost::system::error_code& ec) {
    if (ec == asio::error::operation_aborted) return;
    pollShutdown(left - 1, done);
  });
}

OverlayNode::Impl::Phase OverlayNode::Impl::phase() {
  std::unique_lock lock(lifecycle_);
  if (!started_) return Phase::kNotStarted;
  return stopped_ ? Phase::kStopped : Phase::kRunning;
}

}  // namespace plexus::overlay
