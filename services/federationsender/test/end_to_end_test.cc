// The federation sender with the real FederationRequester over a fake transport: what leaves
// the process is a correctly signed X-Matrix request (checked with verifyXMatrix as a receiving
// server would) for a queued transaction and for a handshake.
#include <gtest/gtest.h>

#include "plexus/federation/x_matrix.h"
#include "plexus/json/parse.h"
#include "sender_fixture.h"

namespace plexus::federationsender {
namespace {

using testing::eventually;
using testing::RecordedRequest;
using testing::SenderTest;

class EndToEndTest : public SenderTest {
 protected:
  // Verifies `r` as the receiving server `r.destination` would.
  void expectSigned(const RecordedRequest& r) {
    const std::string header = r.header("Authorization");
    auto auth = federation::parseXMatrix(header);
    ASSERT_TRUE(auth.ok()) << header;
    EXPECT_EQ(auth->origin, "ours.test");
    EXPECT_EQ(auth->destination, std::optional<std::string>(r.destination));
    EXPECT_EQ(auth->keyId, "ed25519:t1");
    std::optional<json::Value> content;
    if (!r.request.body.empty()) {
      auto parsed = json::parse(r.request.body);
      ASSERT_TRUE(parsed.ok());
      content = std::move(*parsed);
    }
    auto verified = federation::verifyXMatrix(*auth, r.destination, r.request.method, r.request.uri,
                                              content ? &*content : nullptr, key_.publicKey());
    EXPECT_TRUE(verified.ok()) << (verified.ok() ? "" : verified.error().message);
    // Another server's name as destination must not verify.
    EXPECT_FALSE(federation::verifyXMatrix(*auth, "other.test", r.request.method, r.request.uri,
                                           content ? &*content : nullptr, key_.publicKey())
                     .ok());
  }
};

TEST_P(EndToEndTest, QueuedTransactionIsSignedForItsDestination) {
  rooms_.set("!r:ours.test", {"ours.test", "b.test"});
  start();
  roomserver::OutputRoomEvent out;
  out.roomId = "!r:ours.test";
  out.eventId = "$e";
  out.event = json::Object{{"type", "m.room.message"},
                           {"sender", "@a:ours.test"},
                           {"room_id", "!r:ours.test"},
                           {"content", json::Object{}}};
  ASSERT_TRUE(service_->inputRoomEvents({out}).ok());
  ASSERT_TRUE(eventually([&] { return service_->stats()->totals.transactionsSent == 1; }));
  const RecordedRequest r = transport_.requests().front();
  EXPECT_EQ(r.destination, "b.test");
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  expectSigned(r);
}

TEST_P(EndToEndTest, HandshakeIsSignedWithTheQueryStringAsSent) {
  transport_.respondJson(200, R"({"event":{},"room_version":"10"})");
  ASSERT_TRUE(service_
                  ->performMakeJoin(CallContext{}, "remote.test", "!r:remote.test", "@a:ours.test",
                                    {"9", "10"})
                  .ok());
  expectSigned(transport_.last());
  transport_.respondJson(200, R"({"state":[],"auth_chain":[]})");
  ASSERT_TRUE(service_
                  ->performSendJoin(CallContext{}, "remote.test",
                                    {"!r:remote.test", "$j", json::Object{{"a", 1}}, false})
                  .ok());
  expectSigned(transport_.last());
}

INSTANTIATE_TEST_SUITE_P(Sqlite, EndToEndTest, ::testing::Values(storage::Dialect::kSqlite),
                         storage::testing::dialectParamName);

}  // namespace
}  // namespace plexus::federationsender
