// Frame codec (stream_frames.h) and IntervalSet (stream_interval_set.h).
#include "plexus/overlay/stream_frames.h"

#include <gtest/gtest.h>

#include "plexus/overlay/stream_interval_set.h"

namespace plexus::overlay {
namespace {

TEST(StreamFramesTest, RoundTripsEveryFrame) {
  std::string p = "\x05";  // leastUnackedDelta = 5
  encodePing(p);
  AckFrame ack;
  ack.floor = 100;
  ack.maxData = 1 << 20;
  ack.ranges = {{102, 105}, {200, 201}};
  encodeAck(p, ack);
  encodeStream(p, 7, 123456, true, "hello");
  encodeReset(p, ResetFrame{9, 42, 777});
  encodeMaxStreamData(p, MaxStreamDataFrame{7, 99999});
  auto d = decodePayload(p);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->leastUnackedDelta, 5u);
  ASSERT_EQ(d->frames.size(), 5u);
  EXPECT_TRUE(std::holds_alternative<PingFrame>(d->frames[0]));
  const auto& a = std::get<AckFrame>(d->frames[1]);
  EXPECT_EQ(a.floor, 100u);
  EXPECT_EQ(a.maxData, 1u << 20);
  EXPECT_EQ(a.ranges, ack.ranges);
  const auto& s = std::get<StreamFrame>(d->frames[2]);
  EXPECT_EQ(s.streamId, 7u);
  EXPECT_EQ(s.offset, 123456u);
  EXPECT_TRUE(s.fin);
  EXPECT_EQ(s.data, "hello");
  const auto& r = std::get<ResetFrame>(d->frames[3]);
  EXPECT_EQ(r.errorCode, 42u);
  EXPECT_EQ(r.finalSize, 777u);
  EXPECT_EQ(std::get<MaxStreamDataFrame>(d->frames[4]).maxOffset, 99999u);
}

TEST(StreamFramesTest, RejectsMalformedPayloads) {
  EXPECT_FALSE(decodePayload("").has_value());
  EXPECT_FALSE(decodePayload(std::string("\x00\x7f", 2)).has_value());  // unknown frame type
  std::string p(1, '\0');
  encodeStream(p, 1, 0, false, "abcdef");
  EXPECT_FALSE(decodePayload(p.substr(0, p.size() - 1)).has_value());  // truncated data
  std::string flags(1, '\0');
  encodeStream(flags, 1, 0, false, "");
  flags[4] = 2;  // unknown flag bit
  EXPECT_FALSE(decodePayload(flags).has_value());
  // An ACK range with gap 0 would overlap the previous one.
  std::string ack = std::string("\x00\x02\x0a\x00\x01\x00\x00", 7);
  EXPECT_FALSE(decodePayload(ack).has_value());
  // More ranges than allowed.
  std::string many = std::string("\x00\x02\x00\x00", 4) + static_cast<char>(kMaxAckRanges + 1);
  for (std::size_t i = 0; i <= kMaxAckRanges; ++i) many += std::string("\x01\x00", 2);
  EXPECT_FALSE(decodePayload(many).has_value());
}

TEST(StreamIntervalSetTest, MergesAndSplits) {
  IntervalSet s;
  s.add(10, 20);
  s.add(30, 40);
  s.add(20, 30);
  ASSERT_EQ(s.rangeCount(), 1u);
  EXPECT_TRUE(s.contains(10));
  EXPECT_FALSE(s.contains(40));
  s.remove(15, 25);
  ASSERT_EQ(s.rangeCount(), 2u);
  EXPECT_FALSE(s.contains(15));
  EXPECT_TRUE(s.contains(25));
  s.add(5, 12);
  EXPECT_EQ(s.ranges().begin()->first, 5u);
  EXPECT_EQ(s.ranges().begin()->second, 15u);
  s.eraseBelow(35);
  ASSERT_EQ(s.rangeCount(), 1u);
  EXPECT_EQ(s.ranges().begin()->first, 35u);
  s.remove(0, 100);
  EXPECT_TRUE(s.empty());
}

}  // namespace
}  // namespace plexus::overlay
