// FrameSealer / FrameOpener (link_frame.h).
#include "plexus/overlay/link_frame.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <limits>

namespace plexus::overlay {
namespace {

constexpr std::size_t kMinCiphertext = 1 + kFrameTagSize;  // an empty payload still has a type

using Nonce = std::array<unsigned char, crypto_aead_chacha20poly1305_ietf_NPUBBYTES>;

Nonce nonceFor(std::uint64_t counter) {
  Nonce nonce{};  // the first four bytes stay zero
  for (std::size_t i = 0; i < 8; ++i) {
    nonce[4 + i] = static_cast<unsigned char>(counter >> (8 * (7 - i)));
  }
  return nonce;
}

std::size_t clampPayload(std::size_t maxPayload) {
  return std::min(maxPayload, kMaxFramePayloadLimit);
}

}  // namespace

FrameSealer::FrameSealer(const LinkKey& key, std::size_t maxPayload, std::uint64_t firstCounter)
    : key_(key), maxPayload_(clampPayload(maxPayload)), counter_(firstCounter) {}

FrameSealer::~FrameSealer() { sodium_memzero(key_.data(), key_.size()); }

Status FrameSealer::seal(std::uint8_t type, std::string_view payload, std::string& out) {
  if (exhausted_) return fail(ErrorCode::kUnavailable, "link send counter exhausted");
  if (payload.size() > maxPayload_) {
    return fail(ErrorCode::kTooLarge, "frame payload of " + std::to_string(payload.size()) +
                                          " bytes exceeds " + std::to_string(maxPayload_));
  }
  const std::size_t ciphertextSize = 1 + payload.size() + kFrameTagSize;
  std::string plaintext;
  plaintext.reserve(1 + payload.size());
  plaintext.push_back(static_cast<char>(type));
  plaintext.append(payload);

  const std::size_t start = out.size();
  out.resize(start + kFrameLengthSize + ciphertextSize);
  auto* record = reinterpret_cast<unsigned char*>(out.data() + start);
  record[0] = static_cast<unsigned char>(ciphertextSize >> 8);
  record[1] = static_cast<unsigned char>(ciphertextSize);
  const Nonce nonce = nonceFor(counter_);
  unsigned long long written = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(
      record + kFrameLengthSize, &written, reinterpret_cast<const unsigned char*>(plaintext.data()),
      plaintext.size(), record, kFrameLengthSize, nullptr, nonce.data(), key_.data());
  sodium_memzero(plaintext.data(), plaintext.size());
  if (counter_ == std::numeric_limits<std::uint64_t>::max()) {
    exhausted_ = true;
  } else {
    ++counter_;
  }
  return {};
}

FrameOpener::FrameOpener(const LinkKey& key, std::size_t maxPayload, std::uint64_t firstCounter)
    : key_(key), maxPayload_(clampPayload(maxPayload)), counter_(firstCounter) {}

FrameOpener::~FrameOpener() { sodium_memzero(key_.data(), key_.size()); }

Error FrameOpener::failWith(Error error) {
  failure_ = error;
  buffer_.clear();
  buffer_.shrink_to_fit();
  return error;
}

Result<std::vector<OpenedFrame>> FrameOpener::consume(std::string_view bytes) {
  if (failure_) return *failure_;
  std::vector<OpenedFrame> frames;
  while (true) {
    if (buffer_.size() < kFrameLengthSize) {
      const std::size_t n = std::min(kFrameLengthSize - buffer_.size(), bytes.size());
      buffer_.append(bytes.substr(0, n));
      bytes.remove_prefix(n);
      if (buffer_.size() < kFrameLengthSize) break;
    }
    const std::size_t length =
        (static_cast<std::size_t>(static_cast<unsigned char>(buffer_[0])) << 8) |
        static_cast<unsigned char>(buffer_[1]);
    // Checked before the record is buffered, so a bogus length costs nothing.
    if (length < kMinCiphertext || length > maxPayload_ + kMinCiphertext) {
      return failWith(makeError(ErrorCode::kTooLarge,
                                "record length " + std::to_string(length) + " out of range"));
    }
    if (exhausted_) {
      return failWith(makeError(ErrorCode::kUnavailable, "link receive counter exhausted"));
    }
    const std::size_t recordSize = kFrameLengthSize + length;
    if (buffer_.capacity() < recordSize) buffer_.reserve(recordSize);
    const std::size_t n = std::min(recordSize - buffer_.size(), bytes.size());
    buffer_.append(bytes.substr(0, n));
    bytes.remove_prefix(n);
    if (buffer_.size() < recordSize) break;

    const auto* record = reinterpret_cast<const unsigned char*>(buffer_.data());
    std::string plaintext(length - kFrameTagSize, '\0');
    unsigned long long plainSize = 0;
    const Nonce nonce = nonceFor(counter_);
    if (crypto_aead_chacha20poly1305_ietf_decrypt(
            reinterpret_cast<unsigned char*>(plaintext.data()), &plainSize, nullptr,
            record + kFrameLengthSize, length, record, kFrameLengthSize, nonce.data(),
            key_.data()) != 0) {
      return failWith(makeError(ErrorCode::kInvalidSignature,
                                "record " + std::to_string(counter_) + " failed to authenticate"));
    }
    if (counter_ == std::numeric_limits<std::uint64_t>::max()) {
      exhausted_ = true;
    } else {
      ++counter_;
    }
    OpenedFrame frame;
    frame.type = static_cast<std::uint8_t>(plaintext[0]);
    frame.payload = plaintext.substr(1);
    frames.push_back(std::move(frame));
    buffer_.clear();
    // Keep a large buffer only while large records keep coming.
    if (buffer_.capacity() > 4096 && bytes.size() < kFrameLengthSize) buffer_.shrink_to_fit();
  }
  return frames;
}

}  // namespace plexus::overlay
