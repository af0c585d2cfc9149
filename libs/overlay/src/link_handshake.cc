// LinkHandshake (link_handshake.h).
#include "plexus/overlay/link_handshake.h"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "plexus/overlay/bytes.h"

namespace plexus::overlay {
namespace {

// Label of the key derivation; the direction byte follows it (0: initiator to responder).
constexpr std::string_view kKeyLabel = "plexus-overlay-link-v1 keys";

std::string_view view(const std::array<std::uint8_t, 32>& a) {
  return {reinterpret_cast<const char*>(a.data()), a.size()};
}

const unsigned char* uchars(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

void ensureSodium() {
  // sodium_init() is idempotent and thread-safe; it fails only when no randomness is available.
  if (sodium_init() < 0) std::abort();
}

LinkKey deriveKey(const std::array<std::uint8_t, 32>& shared,
                  const std::array<std::uint8_t, 32>& transcript, std::uint8_t direction) {
  std::string message(kKeyLabel);
  message.push_back(static_cast<char>(direction));
  message.append(view(transcript));
  LinkKey key{};
  crypto_generichash(key.data(), key.size(), uchars(message), message.size(), shared.data(),
                     shared.size());
  return key;
}

}  // namespace

LinkHandshake::LinkHandshake(LinkRole role, const crypto::SigningKey& identity,
                             std::optional<crypto::PublicKey> expected)
    : role_(role), identity_(identity), expected_(std::move(expected)) {
  ensureSodium();
  LinkKey secret{};
  randombytes_buf(secret.data(), secret.size());
  start(secret);
  sodium_memzero(secret.data(), secret.size());
}

LinkHandshake::LinkHandshake(LinkRole role, const crypto::SigningKey& identity,
                             std::optional<crypto::PublicKey> expected,
                             const LinkKey& ephemeralSecret)
    : role_(role), identity_(identity), expected_(std::move(expected)) {
  ensureSodium();
  start(ephemeralSecret);
}

LinkHandshake::~LinkHandshake() {
  sodium_memzero(ephemeralSecret_.data(), ephemeralSecret_.size());
}

void LinkHandshake::start(const LinkKey& ephemeralSecret) {
  ephemeralSecret_ = ephemeralSecret;
  std::array<std::uint8_t, 32> ephemeralPublic{};
  crypto_scalarmult_base(ephemeralPublic.data(), ephemeralSecret_.data());
  ByteWriter w(kLinkHelloSize);
  w.raw(kLinkMagic);
  w.u8(kLinkVersion);
  w.u8(0);  // flags: none defined in version 1
  w.raw(identity_.publicKey().bytes());
  w.raw(view(ephemeralPublic));
  ownHello_ = w.take();
  output_ = ownHello_;
}

void LinkHandshake::fail(std::string reason) {
  state_ = State::kFailed;
  reason_ = std::move(reason);
  output_.clear();
  sodium_memzero(ephemeralSecret_.data(), ephemeralSecret_.size());
}

std::size_t LinkHandshake::consume(std::string_view bytes) {
  std::size_t taken = 0;
  while (state_ == State::kInProgress && taken < bytes.size()) {
    const std::size_t want = input_.size() < kLinkHelloSize
                                 ? kLinkHelloSize - input_.size()
                                 : kLinkHelloSize + kLinkProofSize - input_.size();
    const std::size_t n = std::min(want, bytes.size() - taken);
    const std::size_t before = input_.size();
    input_.append(bytes.substr(taken, n));
    taken += n;
    // Reject anything that is not a Plexus link (an HTTP client, a port scanner) at once.
    if (before < kLinkMagic.size()) {
      const std::size_t have = std::min(input_.size(), kLinkMagic.size());
      if (std::string_view(input_).substr(0, have) != kLinkMagic.substr(0, have)) {
        fail("not a Plexus link (bad magic)");
        break;
      }
    }
    if (before < kLinkHelloSize && input_.size() == kLinkHelloSize) {
      onHello();
    } else if (input_.size() == kLinkHelloSize + kLinkProofSize) {
      onProof();
    }
  }
  return taken;
}

std::string LinkHandshake::takeOutput() { return std::exchange(output_, std::string()); }

void LinkHandshake::onHello() {
  ByteReader r(input_);
  auto magic = r.raw(kLinkMagic.size());
  auto version = r.u8();
  auto flags = r.u8();
  auto nodeKey = r.raw(crypto::PublicKey::kSize);
  auto ephemeral = r.raw(32);
  if (!r.done() || *magic != kLinkMagic) return fail("malformed hello");
  if (*version != kLinkVersion) return fail("unsupported link version " + std::to_string(*version));
  if (*flags != 0) return fail("unknown hello flags");
  auto key = crypto::PublicKey::fromBytes(*nodeKey);
  if (!key) return fail("malformed node key");
  if (*key == identity_.publicKey()) return fail("connected to ourselves");
  if (expected_ && *key != *expected_) return fail("peer key is not the expected one");

  std::array<std::uint8_t, 32> shared{};
  if (crypto_scalarmult(shared.data(), ephemeralSecret_.data(), uchars(*ephemeral)) != 0 ||
      sodium_is_zero(shared.data(), shared.size())) {
    return fail("low-order ephemeral key");
  }
  remoteKey_ = *key;

  const std::string_view peerHello = std::string_view(input_).substr(0, kLinkHelloSize);
  std::string both;
  if (role_ == LinkRole::kInitiator) {
    both = ownHello_ + std::string(peerHello);
  } else {
    both = std::string(peerHello) + ownHello_;
  }
  crypto_generichash(transcript_.data(), transcript_.size(), uchars(both), both.size(), nullptr, 0);

  const LinkKey toResponder = deriveKey(shared, transcript_, 0);
  const LinkKey toInitiator = deriveKey(shared, transcript_, 1);
  sodium_memzero(shared.data(), shared.size());
  sodium_memzero(ephemeralSecret_.data(), ephemeralSecret_.size());
  keys_ = role_ == LinkRole::kInitiator ? LinkKeys{toResponder, toInitiator}
                                        : LinkKeys{toInitiator, toResponder};
  output_ += identity_.sign(proofMessage(role_));
}

void LinkHandshake::onProof() {
  const LinkRole peerRole =
      role_ == LinkRole::kInitiator ? LinkRole::kResponder : LinkRole::kInitiator;
  const std::string_view signature = std::string_view(input_).substr(kLinkHelloSize);
  if (!remoteKey_->verify(proofMessage(peerRole), signature)) {
    return fail("bad handshake proof");
  }
  state_ = State::kDone;
}

std::string LinkHandshake::proofMessage(LinkRole signer) const {
  std::string message(kLinkProofLabel);
  message.push_back(static_cast<char>(signer));
  message.append(view(transcript_));
  return message;
}

}  // namespace plexus::overlay
