// ReplayWindow (session_replay_window.h).
#include "plexus/overlay/session_replay_window.h"

namespace plexus::overlay {

bool ReplayWindow::canAccept(std::uint64_t number) const {
  if (!any_ || number > highest_) return true;
  if (highest_ - number >= kSize) return false;
  return !bit(number);
}

void ReplayWindow::accept(std::uint64_t number) {
  if (!any_ || number > highest_) {
    if (!any_ || number - highest_ >= kSize) {
      bits_.fill(0);
    } else {
      // Clear the slots of the numbers we skipped over; they now stand for newer numbers.
      for (std::uint64_t n = highest_ + 1; n < number; ++n) {
        bits_[(n / 64) % kWords] &= ~(std::uint64_t{1} << (n % 64));
      }
      bits_[(number / 64) % kWords] &= ~(std::uint64_t{1} << (number % 64));
    }
    highest_ = number;
    any_ = true;
  }
  bits_[(number / 64) % kWords] |= std::uint64_t{1} << (number % 64);
}

}  // namespace plexus::overlay
