// TcpLink, dialTcpLink, TcpLinkAcceptor (tcp_link.h).
#include "tcp_link.h"

#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <utility>

namespace plexus::overlay {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr std::size_t kReadBufferSize = 64 * 1024;
constexpr std::size_t kWriteChunk = 64 * 1024;

std::string describe(const tcp::socket& socket) {
  boost::system::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

}  // namespace

std::int64_t TcpLink::nowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::shared_ptr<TcpLink> TcpLink::create(Socket socket, LinkRole role,
                                         const crypto::SigningKey& identity,
                                         std::optional<crypto::PublicKey> expected,
                                         LinkOptions options) {
  return std::shared_ptr<TcpLink>(
      new TcpLink(std::move(socket), role, identity, std::move(expected), std::move(options)));
}

TcpLink::TcpLink(Socket socket, LinkRole role, const crypto::SigningKey& identity,
                 std::optional<crypto::PublicKey> expected, LinkOptions options)
    : session_(role, identity, std::move(expected), std::move(options), nowUs()),
      socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      readBuffer_(new char[kReadBufferSize]),
      remoteAddress_(describe(socket_)) {
  boost::system::error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);  // frames are small and latency matters
}

TcpLink::~TcpLink() = default;

void TcpLink::start(TcpLinkCallbacks callbacks) {
  if (started_) return;
  started_ = true;
  callbacks_ = std::move(callbacks);
  startRead();
  afterChange();
}

bool TcpLink::send(std::uint8_t type, std::string payload, TrafficClass trafficClass,
                   std::uint32_t flow) {
  const bool queued = session_.send(type, std::move(payload), trafficClass, flow);
  if (queued && started_) afterChange();
  return queued;
}

void TcpLink::close(LinkCloseCode code) {
  session_.close(code);
  afterChange();
}

LimitDecision TcpLink::penalise(double points) {
  const LimitDecision decision = session_.penalise(points, nowUs());
  afterChange();
  return decision;
}

void TcpLink::startRead() {
  if (reading_ || session_.closed() || socketClosed_) return;
  reading_ = true;
  socket_.async_read_some(asio::buffer(readBuffer_.get(), kReadBufferSize),
                          [self = shared_from_this()](const boost::system::error_code& ec,
                                                      std::size_t n) { self->onRead(ec, n); });
}

void TcpLink::onRead(const boost::system::error_code& ec, std::size_t n) {
  reading_ = false;
  if (ec) {
    session_.transportClosed(ec == asio::error::eof ? "the peer ended the stream" : ec.message());
    afterChange();
    return;
  }
  auto frames = session_.receive(std::string_view(readBuffer_.get(), n), nowUs());
  // Frames that arrived before the peer's close frame are delivered; but once a callback closes
  // the link, the rest are not.
  const bool closedByPeer = session_.closed();
  if (!openReported_ && session_.remoteKey()) {
    // Also when the same read completed the handshake and closed the link: onOpen always
    // comes before frames and onClosed.
    openReported_ = true;
    if (callbacks_.onOpen) callbacks_.onOpen(*session_.remoteKey());
  }
  for (auto& frame : frames) {
    if (session_.closed() && !closedByPeer) break;
    if (callbacks_.onFrame) callbacks_.onFrame(frame.type, std::move(frame.payload));
  }
  afterChange();
  startRead();
}

void TcpLink::afterChange() {
  if (!started_) return;
  flush();
  if (session_.closed()) reportClosed();
  armTimer();
}

void TcpLink::flush() {
  if (writing_ || socketClosed_) return;
  writeBuffer_ = session_.takeOutput(nowUs(), kWriteChunk);
  if (writeBuffer_.empty()) {
    // Everything, the close frame included, is written: the link is over.
    if (session_.closed()) closeSocket();
    return;
  }
  writing_ = true;
  asio::async_write(socket_, asio::buffer(writeBuffer_),
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                      self->writing_ = false;
                      if (ec) {
                        self->session_.transportClosed(ec.message());
                        self->closeSocket();
                      }
                      self->afterChange();
                    });
}

void TcpLink::armTimer() {
  if (socketClosed_) return;
  std::int64_t deadline = session_.nextDeadlineUs();
  if (session_.closed()) {
    // A closed link still writing its close frame gets a bounded linger, armed once.
    if (lingerArmed_) return;
    lingerArmed_ = true;
    deadline =
        nowUs() + std::chrono::duration_cast<std::chrono::microseconds>(kCloseLinger).count();
  } else if (armedUs_ >= 0 && armedUs_ <= deadline) {
    // The armed wait comes first; when it fires, tick() finds nothing due and re-arms. This
    // keeps a busy link from re-arming the timer on every send.
    return;
  }
  armedUs_ = deadline;
  timer_.expires_at(std::chrono::steady_clock::time_point(std::chrono::microseconds(deadline)));
  timer_.async_wait(
      [self = shared_from_this()](const boost::system::error_code& ec) { self->onTimer(ec); });
}

void TcpLink::onTimer(const boost::system::error_code& ec) {
  if (ec == asio::error::operation_aborted) return;  // re-armed or closed
  armedUs_ = -1;
  if (session_.closed()) {
    closeSocket();  // the close frame did not get out in time
    return;
  }
  session_.tick(nowUs());
  afterChange();
}

void TcpLink::reportClosed() {
  if (reported_) return;
  reported_ = true;
  if (callbacks_.onClosed) callbacks_.onClosed(session_.endReason(), session_.endDetail());
}

void TcpLink::closeSocket() {
  if (socketClosed_) return;
  socketClosed_ = true;
  boost::system::error_code ec;
  timer_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  reportClosed();
}

namespace {

// One dial in flight: resolving, then connecting, bounded by a timer.
struct Dial : std::enable_shared_from_this<Dial> {
  Dial(asio::any_io_executor executor, const crypto::SigningKey& id)
      : resolver(executor), socket(executor), timer(executor), identity(id) {}

  void finish(Result<std::shared_ptr<TcpLink>> result) {
    if (finished) return;
    finished = true;
    timer.cancel();
    resolver.cancel();
    auto callback = std::move(done);
    callback(std::move(result));
  }

  void fail(const std::string& message) {
    boost::system::error_code ec;
    socket.close(ec);
    finish(plexus::fail(ErrorCode::kUnavailable, message));
  }

  tcp::resolver resolver;
  tcp::socket socket;
  asio::steady_timer timer;
  crypto::SigningKey identity;
  std::optional<crypto::PublicKey> expected;
  LinkOptions options;
  std::function<void(Result<std::shared_ptr<TcpLink>>)> done;
  std::string target;
  bool finished = false;
};

}  // namespace

void dialTcpLink(asio::any_io_executor executor, std::string host, std::uint16_t port,
                 const crypto::SigningKey& identity, std::optional<crypto::PublicKey> expected,
                 LinkOptions options, std::function<void(Result<std::shared_ptr<TcpLink>>)> done,
                 std::chrono::milliseconds connectTimeout) {
  auto dial = std::make_shared<Dial>(executor, identity);
  dial->expected = std::move(expected);
  dial->options = std::move(options);
  dial->done = std::move(done);
  dial->target = host + ":" + std::to_string(port);
  dial->timer.expires_after(connectTimeout);
  dial->timer.async_wait([dial](const boost::system::error_code& ec) {
    if (ec == asio::error::operation_aborted) return;
    dial->fail("connecting to " + dial->target + " timed out");
  });
  dial->resolver.async_resolve(
      host, std::to_string(port),
      [dial](const boost::system::error_code& ec, const tcp::resolver::results_type& results) {
        if (dial->finished) return;
        if (ec) return dial->fail("resolving " + dial->target + ": " + ec.message());
        asio::async_connect(
            dial->socket, results,
            [dial](const boost::system::error_code& connectEc, const tcp::endpoint&) {
              if (dial->finished) return;
              if (connectEc) {
                return dial->fail("connecting to " + dial->target + ": " + connectEc.message());
              }
              dial->finish(TcpLink::create(std::move(dial->socket), LinkRole::kInitiator,
                                           dial->identity, dial->expected, dial->options));
            });
      });
}

Result<std::shared_ptr<TcpLinkAcceptor>> TcpLinkAcceptor::listen(asio::any_io_executor executor,
                                                                 const tcp::endpoint& endpoint,
                                                                 const crypto::SigningKey& identity,
                                                                 LinkOptions options,
                                                                 Handler onLink) {
  std::shared_ptr<TcpLinkAcceptor> self(
      new TcpLinkAcceptor(executor, identity, std::move(options), std::move(onLink)));
  boost::system::error_code ec;
  self->acceptor_.open(endpoint.protocol(), ec);
  if (!ec) self->acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) self->acceptor_.bind(endpoint, ec);
  if (!ec) self->acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return plexus::fail(ErrorCode::kUnavailable,
                        "listening for peer links on " + endpoint.address().to_string() + ":" +
                            std::to_string(endpoint.port()) + ": " + ec.message());
  }
  self->acceptNext();
  return self;
}

TcpLinkAcceptor::TcpLinkAcceptor(asio::any_io_executor executor, const crypto::SigningKey& identity,
                                 LinkOptions options, Handler onLink)
    : acceptor_(executor),
      retryTimer_(executor),
      identity_(identity),
      options_(std::move(options)),
      onLink_(std::move(onLink)) {}

TcpLinkAcceptor::~TcpLinkAcceptor() = default;

void TcpLinkAcceptor::acceptNext() {
  acceptor_.async_accept(
      [self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
        if (self->stopped_ || ec == asio::error::operation_aborted) return;
        if (!ec) {
          self->onLink_(TcpLink::create(std::move(socket), LinkRole::kResponder, self->identity_,
                                        std::nullopt, self->options_));
        }
        if (!ec) return self->acceptNext();
        // Errors such as running out of descriptors are transient: retry after a pause rather
        // than spinning.
        self->retryTimer_.expires_after(std::chrono::milliseconds(100));
        self->retryTimer_.async_wait([self](const boost::system::error_code& timerEc) {
          if (!timerEc && !self->stopped_) self->acceptNext();
        });
      });
}

void TcpLinkAcceptor::stop() {
  stopped_ = true;
  retryTimer_.cancel();
  boost::system::error_code ec;
  acceptor_.close(ec);
}

tcp::endpoint TcpLinkAcceptor::localEndpoint() const {
  boost::system::error_code ec;
  return acceptor_.local_endpoint(ec);
}

}  // namespace plexus::overlay
