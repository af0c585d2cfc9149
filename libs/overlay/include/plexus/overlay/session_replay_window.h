// Sliding replay window over transport packet numbers (docs/overlay.md §Transport): accepts each
// number at most once and rejects numbers more than kSize behind the highest seen, in the spirit
// of RFC 6479's bitmap window. One per session key, fed only after a datagram authenticates.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace plexus::overlay {

class ReplayWindow {
 public:
  static constexpr std::uint64_t kSize = 1024;

  // True when `number` is new and not too old; does not record it.
  bool canAccept(std::uint64_t number) const;
  // Records `number`; call only after canAccept() and a successful decrypt.
  void accept(std::uint64_t number);

 private:
  bool bit(std::uint64_t n) const { return (bits_[(n / 64) % kWords] >> (n % 64)) & 1U; }

  static constexpr std::size_t kWords = kSize / 64;
  std::array<std::uint64_t, kWords> bits_{};
  std::uint64_t highest_ = 0;
  bool any_ = false;
};

}  // namespace plexus::overlay
