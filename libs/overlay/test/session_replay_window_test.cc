// ReplayWindow (session_replay_window.h): each number once, nothing older than the window.
#include "plexus/overlay/session_replay_window.h"

#include <gtest/gtest.h>

namespace plexus::overlay {
namespace {

TEST(SessionReplayWindowTest, AcceptsEachNumberOnce) {
  ReplayWindow w;
  for (std::uint64_t n : {0u, 1u, 2u, 5u, 3u}) {
    ASSERT_TRUE(w.canAccept(n)) << n;
    w.accept(n);
    EXPECT_FALSE(w.canAccept(n)) << n;
  }
  EXPECT_TRUE(w.canAccept(4));
  EXPECT_FALSE(w.canAccept(2));
}

TEST(SessionReplayWindowTest, RejectsNumbersOlderThanTheWindow) {
  ReplayWindow w;
  w.accept(5000);
  EXPECT_TRUE(w.canAccept(5000 - ReplayWindow::kSize + 1));
  EXPECT_FALSE(w.canAccept(5000 - ReplayWindow::kSize));
  EXPECT_FALSE(w.canAccept(0));
}

TEST(SessionReplayWindowTest, SlidingForwardForgetsOnlyWhatFellOut) {
  ReplayWindow w;
  for (std::uint64_t n = 0; n < 3000; n += 2) w.accept(n);
  // Odd numbers inside the window are still acceptable; even ones are not.
  EXPECT_TRUE(w.canAccept(2999 - 10));
  EXPECT_FALSE(w.canAccept(2998 - 10));
  w.accept(2999 - 10);
  EXPECT_FALSE(w.canAccept(2999 - 10));
  // A big jump clears everything in between.
  w.accept(100000);
  EXPECT_TRUE(w.canAccept(99999));
  EXPECT_FALSE(w.canAccept(2998));
}

}  // namespace
}  // namespace plexus::overlay
