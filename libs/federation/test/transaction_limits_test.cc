// Transaction shape and limits: 50 PDUs, 100 EDUs, 65,536-byte PDUs, origin matching the request.
#include "plexus/federation/transaction_limits.h"

#include <gtest/gtest.h>

namespace plexus::federation {
namespace {

json::Object transaction(std::size_t pdus, std::size_t edus) {
  json::Array p(pdus, json::Value(json::Object{{"type", "m.room.message"}}));
  json::Array e(edus,
                json::Value(json::Object{{"edu_type", "m.typing"}, {"content", json::Object{}}}));
  json::Object t{{"origin", "remote.org"}, {"origin_server_ts", 1234}, {"pdus", std::move(p)}};
  if (edus) t.set("edus", std::move(e));
  return t;
}

TEST(TransactionLimitsTest, AcceptsFullTransaction) {
  EXPECT_TRUE(checkTransaction(transaction(50, 100), "remote.org"));
  EXPECT_TRUE(checkTransaction(transaction(0, 0), "remote.org"));
}

TEST(TransactionLimitsTest, RejectsMoreThan50Pdus) {
  auto st = checkTransaction(transaction(51, 0), "remote.org");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kTooLarge);
}

TEST(TransactionLimitsTest, RejectsMoreThan100Edus) {
  EXPECT_EQ(checkTransaction(transaction(0, 101), "remote.org").error().code, ErrorCode::kTooLarge);
}

TEST(TransactionLimitsTest, RejectsOriginOtherThanTheRequestOrigin) {
  EXPECT_EQ(checkTransaction(transaction(1, 0), "other.org").error().code, ErrorCode::kForbidden);
}

TEST(TransactionLimitsTest, RejectsMissingOrMistypedFields) {
  for (const char* field : {"origin", "origin_server_ts", "pdus"}) {
    json::Object t = transaction(1, 1);
    t.erase(field);
    EXPECT_FALSE(checkTransaction(t, "remote.org")) << field;
  }
  json::Object t = transaction(1, 0);
  t.set("pdus", json::Array{1});
  EXPECT_EQ(checkTransaction(t, "remote.org").error().code, ErrorCode::kBadJson);
  t = transaction(1, 0);
  t.set("edus", json::Array{json::Object{{"content", json::Object{}}}});
  EXPECT_EQ(checkTransaction(t, "remote.org").error().code, ErrorCode::kBadJson);
  t = transaction(1, 0);
  t.set("edus", json::Object{});
  EXPECT_FALSE(checkTransaction(t, "remote.org"));
}

TEST(TransactionLimitsTest, PduSizeLimitIs65536CanonicalBytes) {
  // {"b":"xxx..."} is 8 bytes of framing around the string.
  json::Object exact{{"b", std::string(kMaxPduBytes - 8, 'x')}};
  EXPECT_TRUE(checkPduSize(exact));
  json::Object over{{"b", std::string(kMaxPduBytes - 7, 'x')}};
  EXPECT_EQ(checkPduSize(over).error().code, ErrorCode::kTooLarge);
  EXPECT_EQ(kMaxPduBytes, 65536u);
}

TEST(TransactionLimitsTest, CountsTransactionsNeeded) {
  EXPECT_EQ(transactionsNeeded(0, 0), 0u);
  EXPECT_EQ(transactionsNeeded(50, 100), 1u);
  EXPECT_EQ(transactionsNeeded(51, 0), 2u);
  EXPECT_EQ(transactionsNeeded(10, 250), 3u);
}

}  // namespace
}  // namespace plexus::federation
