// A blocking TCP connection to one overlay node, for the hostile-peer tool
// (overlay_hostile_peer, see hostile_peer_main.cc). Plain POSIX sockets with bounded waits, so an
// attack can write exactly the bytes it wants and watch for the node hanging up. openLink() runs
// the real link handshake (libs/overlay LinkHandshake) as the dialling side and hands back the
// record sealer and opener, so an attack can misbehave *after* a valid handshake.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "plexus/core/result.h"
#include "plexus/crypto/ed25519.h"
#include "plexus/overlay/link_frame.h"

namespace plexus::hostile {

using Clock = std::chrono::steady_clock;

class HostileConnection {
 public:
  // Connects to host:port (numeric IPv4) within timeoutMs; kUnavailable otherwise.
  static Result<std::unique_ptr<HostileConnection>> connect(const std::string& host,
                                                            std::uint16_t port, int timeoutMs);
  ~HostileConnection();
  HostileConnection(const HostileConnection&) = delete;
  HostileConnection& operator=(const HostileConnection&) = delete;

  // Writes all bytes, waiting at most timeoutMs for buffer space. False once the node closed
  // the connection (EPIPE, ECONNRESET) or the wait ran out (timedOut() says which); `written`,
  // when given, receives how many bytes went out.
  bool sendAll(std::string_view bytes, int timeoutMs = 2000, std::size_t* written = nullptr);
  // Appends whatever arrives within timeoutMs (returns early after the first read, or at end of
  // stream) to `received`.
  void readSome(std::string& received, int timeoutMs);
  // Reads until the node closes the connection or timeoutMs passes; true when it closed.
  bool waitClosed(std::string& received, int timeoutMs);

  bool peerClosed() const { return peerClosed_; }
  bool timedOut() const { return timedOut_; }

 private:
  explicit HostileConnection(int fd) : fd_(fd) {}

  int fd_;
  bool peerClosed_ = false;
  bool timedOut_ = false;
};

// A link whose handshake completed: the records to and from the node, sealed with the real keys.
struct OpenLink {
  std::unique_ptr<HostileConnection> connection;
  std::unique_ptr<overlay::FrameSealer> sealer;
  std::unique_ptr<overlay::FrameOpener> opener;
  std::string received;  // record bytes the node sent after its proof, not yet opened
};

// Dials the node and completes the link handshake with `identity`, expecting `target` to answer.
// kUnavailable when the connection or the handshake failed or took longer than timeoutMs.
Result<OpenLink> openLink(const std::string& host, std::uint16_t port,
                          const crypto::SigningKey& identity, const crypto::PublicKey& target,
                          int timeoutMs);

// The close code of the first close frame in `bytes` (records of an open link), or -1.
int findCloseCode(overlay::FrameOpener& opener, std::string_view bytes);

}  // namespace plexus::hostile
