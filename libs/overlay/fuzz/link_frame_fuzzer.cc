// Fuzzes FrameOpener, the first code that touches bytes from an open peer link. Input:
//   byte 0: chunk size - 1 (bytes arrive in TCP-like chunks of this size)
//   byte 1: mode; bit 0 set: the rest is a list of (u8 type, u8 length, payload) frames that a
//           FrameSealer with the same key seals, so authentic records reach the opener (and
//           must come out unchanged); bit 1 set as well: one bit of the sealed stream is flipped
//           (position from the mode's upper bits), which must fail. Bit 0 clear: the rest is
//           fed as raw wire bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plexus/overlay/link_frame.h"

namespace {

using plexus::overlay::FrameOpener;
using plexus::overlay::FrameSealer;
using plexus::overlay::LinkKey;
using plexus::overlay::OpenedFrame;

constexpr std::size_t kMaxPayload = 512;  // small, so the length checks are reachable

LinkKey fixedKey() {
  LinkKey key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t chunk = static_cast<std::size_t>(data[0]) + 1;
  const std::uint8_t mode = data[1];
  std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);

  std::string wire;
  std::vector<std::pair<std::uint8_t, std::string>> sealed;
  const bool authentic = (mode & 1) != 0;
  const bool flip = (mode & 2) != 0;
  if (authentic) {
    FrameSealer sealer(fixedKey(), kMaxPayload);
    while (rest.size() >= 2) {
      const auto type = static_cast<std::uint8_t>(rest[0]);
      const std::size_t length =
          std::min<std::size_t>(static_cast<std::uint8_t>(rest[1]), rest.size() - 2);
      const std::string payload(rest.substr(2, length));
      rest.remove_prefix(2 + length);
      if (!sealer.seal(type, payload, wire).ok()) std::abort();
      sealed.emplace_back(type, payload);
    }
    if (flip && !wire.empty()) {
      const std::size_t bit = (static_cast<std::size_t>(mode >> 2) * 131) % (wire.size() * 8);
      wire[bit / 8] = static_cast<char>(wire[bit / 8] ^ (1 << (bit % 8)));
    }
  } else {
    wire.assign(rest);
  }

  FrameOpener opener(fixedKey(), kMaxPayload);
  std::vector<OpenedFrame> opened;
  bool failed = false;
  std::string_view input(wire);
  while (!input.empty()) {
    const std::size_t n = std::min(chunk, input.size());
    auto frames = opener.consume(input.substr(0, n));
    input.remove_prefix(n);
    if (!frames.ok()) {
      failed = true;
      if (!opener.failed() || opener.consume("x").ok()) std::abort();  // failure is final
      break;
    }
    for (auto& f : *frames) opened.push_back(std::move(f));
  }
  if (authentic && !flip) {
    // Authentic records, however chunked, open to exactly what was sealed.
    if (failed || opened.size() != sealed.size() || opener.buffered() != 0) std::abort();
    for (std::size_t i = 0; i < sealed.size(); ++i) {
      if (opened[i].type != sealed[i].first || opened[i].payload != sealed[i].second) std::abort();
    }
  }
  if (authentic && flip && !wire.empty() && !failed && opener.buffered() == 0) {
    // A flipped bit must never yield a complete, accepted stream... unless it only shortened
    // the last record's length so that the opener is still waiting (buffered() != 0).
    std::abort();
  }
  return 0;
}
