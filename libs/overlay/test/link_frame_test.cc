// FrameSealer / FrameOpener: round trips in any chunking; tampering, replay, reordering,
// injection and oversize lengths are fatal; counters cannot wrap.
#include "plexus/overlay/link_frame.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace plexus::overlay {
namespace {

LinkKey keyOf(std::uint8_t fill) {
  LinkKey key;
  key.fill(fill);
  return key;
}

std::string sealOne(FrameSealer& sealer, std::uint8_t type, std::string_view payload) {
  std::string out;
  EXPECT_TRUE(sealer.seal(type, payload, out).ok());
  return out;
}

TEST(LinkFrameTest, RoundTripsFramesInOneBuffer) {
  FrameSealer sealer(keyOf(7));
  FrameOpener opener(keyOf(7));
  std::string wire;
  ASSERT_TRUE(sealer.seal(16, "hello", wire).ok());
  ASSERT_TRUE(sealer.seal(kFrameKeepalive, "", wire).ok());
  ASSERT_TRUE(sealer.seal(255, std::string(kDefaultMaxFramePayload, 'x'), wire).ok());
  auto frames = opener.consume(wire);
  ASSERT_TRUE(frames.ok()) << frames.error().message;
  ASSERT_EQ(frames->size(), 3u);
  EXPECT_EQ((*frames)[0].type, 16);
  EXPECT_EQ((*frames)[0].payload, "hello");
  EXPECT_EQ((*frames)[1].type, kFrameKeepalive);
  EXPECT_EQ((*frames)[1].payload, "");
  EXPECT_EQ((*frames)[2].payload.size(), kDefaultMaxFramePayload);
  EXPECT_EQ(opener.counter(), 3u);
  EXPECT_EQ(opener.buffered(), 0u);
}

TEST(LinkFrameTest, RecordLayoutIsLengthThenCiphertext) {
  FrameSealer sealer(keyOf(1));
  const std::string record = sealOne(sealer, 20, "abc");
  ASSERT_EQ(record.size(), 2u + 1 + 3 + 16);
  EXPECT_EQ(static_cast<unsigned char>(record[0]), 0);
  EXPECT_EQ(static_cast<unsigned char>(record[1]), 1 + 3 + 16);
}

TEST(LinkFrameTest, RoundTripsOneByteAtATime) {
  FrameSealer sealer(keyOf(3));
  FrameOpener opener(keyOf(3));
  std::string wire;
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(sealer.seal(16 + i, std::string(i * 7, 'a' + i), wire).ok());
  std::vector<OpenedFrame> got;
  for (char c : wire) {
    auto frames = opener.consume(std::string_view(&c, 1));
    ASSERT_TRUE(frames.ok());
    for (auto& f : *frames) got.push_back(std::move(f));
  }
  ASSERT_EQ(got.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(got[i].type, 16 + i);
    EXPECT_EQ(got[i].payload, std::string(i * 7, 'a' + i));
  }
}

TEST(LinkFrameTest, TamperedRecordFailsAndStaysFailed) {
  for (std::size_t index : {std::size_t{2}, std::size_t{5}, std::size_t{20}}) {
    FrameSealer s(keyOf(5));
    FrameOpener o(keyOf(5));
    std::string record = sealOne(s, 16, "payload!");
    record[index] = static_cast<char>(record[index] ^ 0x01);
    auto frames = o.consume(record);
    ASSERT_FALSE(frames.ok()) << index;
    EXPECT_EQ(frames.error().code, ErrorCode::kInvalidSignature);
    EXPECT_TRUE(o.failed());
    // Even a good record is refused after a failure.
    EXPECT_FALSE(o.consume(sealOne(s, 16, "next")).ok());
  }
}

TEST(LinkFrameTest, TamperedLengthFailsAuthentication) {
  // The length is associated data: shortening it by changing the ciphertext split fails.
  FrameSealer sealer(keyOf(5));
  FrameOpener opener(keyOf(5));
  std::string record = sealOne(sealer, 16, "payload!");
  record[1] = static_cast<char>(record[1] - 1);
  auto frames = opener.consume(record);
  EXPECT_FALSE(frames.ok());
}

TEST(LinkFrameTest, ReplayedRecordFails) {
  FrameSealer sealer(keyOf(9));
  FrameOpener opener(keyOf(9));
  const std::string first = sealOne(sealer, 16, "pay me once");
  ASSERT_TRUE(opener.consume(first).ok());
  auto replay = opener.consume(first);
  ASSERT_FALSE(replay.ok());
  EXPECT_EQ(replay.error().code, ErrorCode::kInvalidSignature);
}

TEST(LinkFrameTest, ReorderedRecordsFail) {
  FrameSealer sealer(keyOf(9));
  FrameOpener opener(keyOf(9));
  const std::string first = sealOne(sealer, 16, "one");
  const std::string second = sealOne(sealer, 16, "two");
  EXPECT_FALSE(opener.consume(second + first).ok());
}

TEST(LinkFrameTest, InjectedRecordFromAnotherKeyFails) {
  FrameSealer sealer(keyOf(9));
  FrameSealer intruder(keyOf(10));
  FrameOpener opener(keyOf(9));
  ASSERT_TRUE(opener.consume(sealOne(sealer, 16, "ok")).ok());
  EXPECT_FALSE(opener.consume(sealOne(intruder, 16, "evil")).ok());
}

TEST(LinkFrameTest, OversizeLengthFailsBeforeTheBodyArrives) {
  FrameOpener opener(keyOf(2), 1024);
  // Only the two length bytes: 0xFFFF is over the maximum, so the opener fails right there
  // without waiting for (or buffering) 64 KiB.
  auto frames = opener.consume(std::string("\xff\xff", 2));
  ASSERT_FALSE(frames.ok());
  EXPECT_EQ(frames.error().code, ErrorCode::kTooLarge);
  EXPECT_EQ(opener.buffered(), 0u);
}

TEST(LinkFrameTest, UndersizeLengthFails) {
  FrameOpener opener(keyOf(2));
  auto frames = opener.consume(std::string("\x00\x10", 2));  // 16 < type byte + tag
  ASSERT_FALSE(frames.ok());
  EXPECT_EQ(frames.error().code, ErrorCode::kTooLarge);
}

TEST(LinkFrameTest, SealerRefusesOversizePayload) {
  FrameSealer sealer(keyOf(2), 100);
  std::string out;
  auto status = sealer.seal(16, std::string(101, 'x'), out);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kTooLarge);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(sealer.counter(), 0u);
}

TEST(LinkFrameTest, OpenerAcceptsExactlyTheConfiguredMaximum) {
  FrameSealer sealer(keyOf(2), 100);
  FrameOpener opener(keyOf(2), 100);
  auto frames = opener.consume(sealOne(sealer, 16, std::string(100, 'x')));
  ASSERT_TRUE(frames.ok());
  EXPECT_EQ(frames->size(), 1u);
}

TEST(LinkFrameTest, CountersNeverWrap) {
  constexpr auto kLast = std::numeric_limits<std::uint64_t>::max();
  FrameSealer sealer(keyOf(4), kDefaultMaxFramePayload, kLast);
  FrameOpener opener(keyOf(4), kDefaultMaxFramePayload, kLast);
  std::string wire;
  ASSERT_TRUE(sealer.seal(16, "last", wire).ok());
  std::string more;
  auto exhausted = sealer.seal(16, "one too many", more);
  ASSERT_FALSE(exhausted.ok());
  EXPECT_EQ(exhausted.error().code, ErrorCode::kUnavailable);
  auto frames = opener.consume(wire);
  ASSERT_TRUE(frames.ok());
  ASSERT_EQ(frames->size(), 1u);
  // A record sealed with counter 0 (a wrapped sender) is refused.
  FrameSealer wrapped(keyOf(4));
  auto after = opener.consume(sealOne(wrapped, 16, "wrapped"));
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace plexus::overlay
