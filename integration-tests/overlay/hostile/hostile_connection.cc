// HostileConnection, openLink (hostile_connection.h).
#include "hostile_connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "plexus/overlay/link_handshake.h"

namespace plexus::hostile {
namespace {

int remainingMs(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

}  // namespace

Result<std::unique_ptr<HostileConnection>> HostileConnection::connect(const std::string& host,
                                                                      std::uint16_t port,
                                                                      int timeoutMs) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
    return fail(ErrorCode::kInvalidParam, "not a numeric IPv4 address: " + host);
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(ErrorCode::kUnavailable, std::strerror(errno));
  std::unique_ptr<HostileConnection> connection(new HostileConnection(fd));
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    if (errno != EINPROGRESS) return fail(ErrorCode::kUnavailable, std::strerror(errno));
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, timeoutMs) != 1) return fail(ErrorCode::kUnavailable, "connect timed out");
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) return fail(ErrorCode::kUnavailable, std::strerror(error));
  }
  return connection;
}

HostileConnection::~HostileConnection() { ::close(fd_); }

bool HostileConnection::sendAll(std::string_view bytes, int timeoutMs, std::size_t* written) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeoutMs);
  const std::size_t total = bytes.size();
  if (written) *written = 0;
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      if (written) *written = total - bytes.size();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd_, POLLOUT, 0};
      const int wait = remainingMs(deadline);
      if (wait == 0 || ::poll(&p, 1, wait) < 0) {
        timedOut_ = true;
        return false;
      }
      if ((p.revents & (POLLERR | POLLHUP)) != 0) {
        peerClosed_ = true;
        return false;
      }
      continue;
    }
    peerClosed_ = true;  // EPIPE, ECONNRESET: the node hung up
    return false;
  }
  return true;
}

void HostileConnection::readSome(std::string& received, int timeoutMs) {
  if (peerClosed_) return;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, timeoutMs) <= 0) return;
  char buffer[64 * 1024];
  while (true) {
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n > 0) {
      received.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    peerClosed_ = true;  // 0: end of stream; else ECONNRESET and friends
    return;
  }
}

bool HostileConnection::waitClosed(std::string& received, int timeoutMs) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeoutMs);
  while (!peerClosed_) {
    const int wait = remainingMs(deadline);
    if (wait == 0) break;
    readSome(received, wait);
  }
  return peerClosed_;
}

Result<OpenLink> openLink(const std::string& host, std::uint16_t port,
                          const crypto::SigningKey& identity, const crypto::PublicKey& target,
                          int timeoutMs) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeoutMs);
  auto connection = HostileConnection::connect(host, port, timeoutMs);
  if (!connection.ok()) return connection.error();
  OpenLink link;
  link.connection = std::move(*connection);
  overlay::LinkHandshake handshake(overlay::LinkRole::kInitiator, identity, target);
  if (!link.connection->sendAll(handshake.takeOutput())) {
    return fail(ErrorCode::kUnavailable, "the node closed before our hello was written");
  }
  std::string input;
  while (!handshake.done()) {
    if (handshake.failed()) return fail(ErrorCode::kUnavailable, handshake.failureReason());
    if (link.connection->peerClosed()) {
      return fail(ErrorCode::kUnavailable, "the node closed during the handshake");
    }
    const int wait = remainingMs(deadline);
    if (wait == 0) return fail(ErrorCode::kUnavailable, "handshake timed out");
    link.connection->readSome(input, wait);
    const std::size_t taken = handshake.consume(input);
    input.erase(0, taken);
    const std::string out = handshake.takeOutput();
    if (!out.empty() && !link.connection->sendAll(out)) {
      return fail(ErrorCode::kUnavailable, "the node closed before our proof was written");
    }
  }
  link.sealer = std::make_unique<overlay::FrameSealer>(handshake.keys().send);
  link.opener = std::make_unique<overlay::FrameOpener>(handshake.keys().receive);
  link.received = std::move(input);
  return link;
}

int findCloseCode(overlay::FrameOpener& opener, std::string_view bytes) {
  auto frames = opener.consume(bytes);
  if (!frames.ok()) return -1;
  for (const auto& frame : *frames) {
    if (frame.type == overlay::kFrameClose) {
      return frame.payload.empty() ? 0 : static_cast<unsigned char>(frame.payload[0]);
    }
  }
  return -1;
}

}  // namespace plexus::hostile
