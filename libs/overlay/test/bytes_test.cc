// ByteWriter / ByteReader: round trips, minimal varints, soft failure on short input.
#include "plexus/overlay/bytes.h"

#include <gtest/gtest.h>

namespace plexus::overlay {
namespace {

TEST(BytesTest, RoundTripsEveryFieldKind) {
  ByteWriter w;
  w.u8(7);
  w.u16(0xBEEF);
  w.u32(0xDEADBEEF);
  w.u64(0x0123456789ABCDEFull);
  w.varint(300);
  w.varint(~0ull);
  w.blob("hello");
  ByteReader r(w.bytes());
  EXPECT_EQ(r.u8(), 7);
  EXPECT_EQ(r.u16(), 0xBEEF);
  EXPECT_EQ(r.u32(), 0xDEADBEEFu);
  EXPECT_EQ(r.u64(), 0x0123456789ABCDEFull);
  EXPECT_EQ(r.varint(), 300u);
  EXPECT_EQ(r.varint(), ~0ull);
  EXPECT_EQ(r.blob(16), "hello");
  EXPECT_TRUE(r.done());
}

TEST(BytesTest, VarintUsesSevenBitGroupsLowFirst) {
  ByteWriter w;
  w.varint(300);
  EXPECT_EQ(w.bytes(), std::string("\xac\x02", 2));
}

TEST(BytesTest, RejectsNonMinimalAndOverlongVarints) {
  ByteReader padded(std::string_view("\x81\x00", 2));
  EXPECT_FALSE(padded.varint());
  std::string overlong(10, '\xff');
  overlong += '\x01';
  ByteReader tooLong(overlong);
  EXPECT_FALSE(tooLong.varint());
  std::string topBits(9, '\xff');
  topBits += '\x02';  // 2^64 would need a second bit in the tenth byte
  ByteReader overflow(topBits);
  EXPECT_FALSE(overflow.varint());
}

TEST(BytesTest, ShortInputFailsAndStaysFailed) {
  ByteReader r(std::string_view("\x01", 1));
  EXPECT_FALSE(r.u16());
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.u8());  // the byte is still there, but the reader has failed
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(BytesTest, BlobLongerThanItsLimitFails) {
  ByteWriter w;
  w.blob(std::string(100, 'x'));
  ByteReader r(w.bytes());
  EXPECT_FALSE(r.blob(99));
  ByteReader lying(
      std::string_view("\x05"
                       "abc",
                       4));  // claims 5, has 3
  EXPECT_FALSE(lying.blob(16));
}

}  // namespace
}  // namespace plexus::overlay
