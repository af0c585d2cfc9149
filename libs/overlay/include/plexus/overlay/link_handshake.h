// The authenticated handshake that opens a peer link (docs/overlay.md §Link). Sans-IO: bytes go
// in through consume(), bytes to send come out of takeOutput(). Each side sends a hello (magic,
// version, node key, fresh X25519 ephemeral), then a proof: an ed25519 signature over a label,
// its role and the hash of both hellos, so a proof is bound to this one handshake and direction.
// The link keys come from the ephemeral shared secret and the same transcript hash, which gives
// forward secrecy: the node keys only authenticate.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "plexus/crypto/ed25519.h"

namespace plexus::overlay {

enum class LinkRole : std::uint8_t {
  kInitiator = 0,  // the side that dialled
  kResponder = 1,
};

using LinkKey = std::array<std::uint8_t, 32>;

// The two directional ChaCha20-Poly1305 keys of an open link.
struct LinkKeys {
  LinkKey send;
  LinkKey receive;
};

inline constexpr std::string_view kLinkMagic = "PLXL";
inline constexpr std::uint8_t kLinkVersion = 1;
inline constexpr std::size_t kLinkHelloSize = 70;  // magic 4, version 1, flags 1, key 32, eph 32
inline constexpr std::size_t kLinkProofSize = 64;
inline constexpr std::string_view kLinkProofLabel = "plexus-overlay-link-v1";

class LinkHandshake {
 public:
  enum class State { kInProgress, kDone, kFailed };

  // `expected`: the key the dialler means to reach (an
  // initiator may name it; the link fails when the peer proves another key).
  LinkHandshake(LinkRole role, const crypto::SigningKey& identity,
                std::optional<crypto::PublicKey> expected = std::nullopt);
  // Same, with a given X25519 ephemeral secret instead of a random one (tests, fuzzers).
  LinkHandshake(LinkRole role, const crypto::SigningKey& identity,
                std::optional<crypto::PublicKey> expected, const LinkKey& ephemeralSecret);
  ~LinkHandshake();
  LinkHandshake(const LinkHandshake&) = delete;
  LinkHandshake& operator=(const LinkHandshake&) = delete;

  // Feeds bytes from the peer. Returns how many were taken: the handshake reads exactly one
  // hello and one proof, and whatever follows belongs to the frame layer. Takes nothing once
  // done or failed.
  std::size_t consume(std::string_view bytes);
  // Bytes to send now (the hello right away, the proof once the peer's hello arrived); empties
  // the pending output.
  std::string takeOutput();

  State state() const { return state_; }
  bool done() const { return state_ == State::kDone; }
  bool failed() const { return state_ == State::kFailed; }
  // Why it failed; empty otherwise.
  const std::string& failureReason() const { return reason_; }
  LinkRole role() const { return role_; }
  // The peer's node key, once its hello was accepted.
  const std::optional<crypto::PublicKey>& remoteKey() const { return remoteKey_; }
  // Valid once done().
  const LinkKeys& keys() const { return keys_; }

 private:
  void start(const LinkKey& ephemeralSecret);
  void fail(std::string reason);
  void onHello();
  void onProof();
  std::string proofMessage(LinkRole signer) const;

  LinkRole role_;
  crypto::SigningKey identity_;
  std::optional<crypto::PublicKey> expected_;
  State state_ = State::kInProgress;
  std::string reason_;
  std::string output_;
  std::string input_;  // the peer's hello and proof as they arrive (at most 134 bytes)
  std::string ownHello_;
  LinkKey ephemeralSecret_{};
  std::array<std::uint8_t, 32> transcript_{};
  std::optional<crypto::PublicKey> remoteKey_;
  LinkKeys keys_{};
};

}  // namespace plexus::overlay
