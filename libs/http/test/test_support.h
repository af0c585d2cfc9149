// Test helpers: a raw TCP connection that sends exact bytes and reads framed responses (every
// wait bounded by a receive timeout), a collector for deferred Responders, and the thread count.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "plexus/http/fields.h"
#include "plexus/http/responder.h"

namespace plexus::http::testing {

struct RawResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() { close(); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }

  // Sends all bytes; false when the peer is gone.
  bool send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Reads one response framed by Content-Length; nullopt on close, timeout or garbage.
  std::optional<RawResponse> readResponse() {
    std::size_t headerEnd;
    while ((headerEnd = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    std::string head = buffer_.substr(0, headerEnd);
    buffer_.erase(0, headerEnd + 4);
    RawResponse r;
    std::size_t lineEnd = head.find("\r\n");
    std::string statusLine = head.substr(0, lineEnd);
    if (statusLine.size() < 12 || statusLine.compare(0, 5, "HTTP/") != 0) return std::nullopt;
    r.status = std::atoi(statusLine.c_str() + 9);
    while (lineEnd != std::string::npos) {
      std::size_t start = lineEnd + 2;
      lineEnd = head.find("\r\n", start);
      std::string line = head.substr(start, lineEnd == std::string::npos ? std::string::npos : lineEnd - start);
      std::size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::size_t valueStart = line.find_first_not_of(' ', colon + 1);
      r.headers.add(line.substr(0, colon), valueStart == std::string::npos ? "" : line.substr(valueStart));
    }
    std::size_t length = 0;
    if (auto cl = r.headers.get("Content-Length")) length = std::stoul(std::string(*cl));
    if (r.status == 100) return r;
    if (skipBody_) {
      skipBody_ = false;
      return r;
    }
    while (buffer_.size() < length) {
      if (!fill()) return std::nullopt;
    }
    r.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return r;
  }

  // The next response belongs to a HEAD request: headers only.
  void expectNoBody() { skipBody_ = true; }

  // True when the peer closes (EOF or reset) before the receive timeout; skips unread data.
  bool waitClosed() {
    buffer_.clear();
    char tmp[4096];
    for (int i = 0; i < 100000; ++i) {
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
    return false;
  }

  void shutdownWrite() { ::shutdown(fd_, SHUT_WR); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  bool fill() {
    char tmp[8192];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buffer_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool skipBody_ = false;
  std::string buffer_;
};

// Collects Responders of deferred requests so tests can answer them from their own thread.
class ParkedRequests {
 public:
  void park(Request request, Responder responder) {
    std::lock_guard lock(mu_);
    requests_.push_back(std::move(request));
    responders_.push_back(std::move(responder));
    cv_.notify_all();
  }
  void noteCancelled() {
    std::lock_guard lock(mu_);
    ++cancelled_;
    cv_.notify_all();
  }
  // Waits until `n` requests are parked; false on timeout.
  bool waitForCount(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return responders_.size() >= n; });
  }
  bool waitForCancelled(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return cancelled_ >= n; });
  }
  std::vector<Responder> take() {
    std::lock_guard lock(mu_);
    return std::move(responders_);
  }
  Request request(std::size_t i) {
    std::lock_guard lock(mu_);
    return requests_.at(i);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Request> requests_;
  std::vector<Responder> responders_;
  std::size_t cancelled_ = 0;
};

inline std::size_t threadCount() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

}  // namespace plexus::http::testing
