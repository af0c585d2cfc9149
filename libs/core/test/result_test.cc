// Result<T> and the error table: values and errors travel unchanged, PLEXUS_TRY propagates.
#include <gtest/gtest.h>

#include <string>

#include "plexus/core/result.h"

namespace plexus {
namespace {

Result<int> half(int x) {
  if (x % 2 != 0) return fail(ErrorCode::kInvalidParam, "odd");
  return x / 2;
}

Result<int> quarter(int x) {
  PLEXUS_TRY(int h, half(x));
  PLEXUS_TRY(int q, half(h));
  return q;
}

Status checkEven(int x) {
  PLEXUS_TRY_VOID(half(x));
  return {};
}

TEST(ResultTest, CarriesValue) {
  Result<std::string> r = std::string("abc");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "abc");
  EXPECT_EQ(r->size(), 3u);
}

TEST(ResultTest, TryPropagatesFirstError) {
  EXPECT_EQ(*quarter(8), 2);
  Result<int> r = quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidParam);
  EXPECT_EQ(r.error().message, "odd");
  EXPECT_TRUE(checkEven(4).ok());
  EXPECT_FALSE(checkEven(5).ok());
}

TEST(ErrorTableTest, MapsCodesToMatrixErrcodesAndStatuses) {
  EXPECT_EQ(errorCodeInfo(ErrorCode::kBadJson).errcode, "M_BAD_JSON");
  EXPECT_EQ(errorCodeInfo(ErrorCode::kNotJson).httpStatus, 400);
  EXPECT_EQ(errorCodeInfo(ErrorCode::kTooLarge).httpStatus, 413);
  EXPECT_EQ(errorCodeInfo(ErrorCode::kLimitExceeded).errcode, "M_LIMIT_EXCEEDED");
  EXPECT_EQ(errorCodeInfo(ErrorCode::kUnknownToken).httpStatus, 401);
  EXPECT_EQ(errorCodeInfo(ErrorCode::kForbidden).httpStatus, 403);
  EXPECT_EQ(errorCodeInfo(ErrorCode::kUnrecognized).errcode, "M_UNRECOGNIZED");
  EXPECT_EQ(errorCodeInfo(ErrorCode::kInternal).httpStatus, 500);
  Error e = makeError(ErrorCode::kLimitExceeded, "slow down");
  EXPECT_EQ(e.errcode(), "M_LIMIT_EXCEEDED");
  EXPECT_EQ(e.httpStatus(), 429);
}

}  // namespace
}  // namespace plexus
