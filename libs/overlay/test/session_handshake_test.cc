// Session handshake (session_handshake.h): keys agree, identities are authenticated, tampering
// and wrong keys fail, and every session gets fresh ephemerals and keys.
#include "plexus/overlay/session_handshake.h"

#include <gtest/gtest.h>

#include "session_sim_network.h"

namespace plexus::overlay {
namespace {

using testing::testKey;

class SessionHandshakeTest : public ::testing::Test {
 protected:
  crypto::SigningKey alice_ = testKey(1);
  crypto::SigningKey bob_ = testKey(2);
  crypto::SigningKey carol_ = testKey(3);
  LocalIdentity a_ = LocalIdentity::fromSigningKey(alice_);
  LocalIdentity b_ = LocalIdentity::fromSigningKey(bob_);
  LocalIdentity c_ = LocalIdentity::fromSigningKey(carol_);
  RandomFn random_ = systemRandom();
};

TEST_F(SessionHandshakeTest, CompletesWithMatchingKeysAndAuthenticatedInitiator) {
  auto init = InitiatorHandshake::start(a_, bob_.publicKey(), 11, 0xA1, random_);
  ASSERT_TRUE(init.ok());
  EXPECT_EQ(init->message().size(), kInitiationSize);
  auto read = ResponderHandshake::read(b_, init->message());
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->initiator(), alice_.publicKey());
  EXPECT_EQ(read->remoteIndex(), 11u);
  EXPECT_EQ(read->remoteConnectionId(), 0xA1u);
  auto resp = read->respond(22, 0xB2, random_);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->message.size(), kResponseSize);
  auto done = init->finish(resp->message);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->remoteIndex, 22u);
  EXPECT_EQ(done->remoteConnectionId, 0xB2u);
  EXPECT_EQ(done->keys.send, resp->keys.recv);
  EXPECT_EQ(done->keys.recv, resp->keys.send);
  EXPECT_NE(done->keys.send, done->keys.recv);
}

TEST_F(SessionHandshakeTest, InitiationForAnotherKeyDoesNotVerify) {
  auto init = InitiatorHandshake::start(a_, bob_.publicKey(), 1, 1, random_);
  ASSERT_TRUE(init.ok());
  // Carol receives what was meant for Bob: she cannot read it, so cannot answer as Bob.
  auto read = ResponderHandshake::read(c_, init->message());
  EXPECT_FALSE(read.ok());
}

TEST_F(SessionHandshakeTest, ResponseFromAnyoneButTheResponderFails) {
  auto init = InitiatorHandshake::start(a_, bob_.publicKey(), 1, 1, random_);
  ASSERT_TRUE(init.ok());
  // Carol answers a handshake Alice aimed at her own key, with Alice's session id: the response
  // has the right shape but is bound to Carol's transcript, not to Alice's handshake with Bob.
  auto toCarol = InitiatorHandshake::start(a_, carol_.publicKey(), 1, 1, random_);
  auto carolRead = ResponderHandshake::read(c_, toCarol->message());
  ASSERT_TRUE(carolRead.ok());
  auto carolResp = carolRead->respond(5, 5, random_);
  ASSERT_TRUE(carolResp.ok());
  EXPECT_FALSE(init->finish(carolResp->message).ok());
}

TEST_F(SessionHandshakeTest, EveryTamperedByteIsRejected) {
  auto init = InitiatorHandshake::start(a_, bob_.publicKey(), 7, 9, random_);
  ASSERT_TRUE(init.ok());
  for (std::size_t i = 0; i < init->message().size(); ++i) {
    std::string bad = init->message();
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    auto read = ResponderHandshake::read(b_, bad);
    EXPECT_FALSE(read.ok()) << "initiation byte " << i;
  }
  auto read = ResponderHandshake::read(b_, init->message());
  ASSERT_TRUE(read.ok());
  auto resp = read->respond(8, 10, random_);
  ASSERT_TRUE(resp.ok());
  for (std::size_t i = 0; i < resp->message.size(); ++i) {
    std::string bad = resp->message;
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    EXPECT_FALSE(init->finish(bad).ok()) << "response byte " << i;
  }
  EXPECT_FALSE(ResponderHandshake::read(b_, init->message().substr(1)).ok());
  EXPECT_FALSE(init->finish(resp->message + "x").ok());
}

TEST_F(SessionHandshakeTest, EphemeralsAndKeysDifferPerSession) {
  auto first = InitiatorHandshake::start(a_, bob_.publicKey(), 1, 1, random_);
  auto second = InitiatorHandshake::start(a_, bob_.publicKey(), 1, 1, random_);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(first->ephemeralPublic(), second->ephemeralPublic());
  auto r1 = ResponderHandshake::read(b_, first->message())->respond(2, 2, random_);
  auto r2 = ResponderHandshake::read(b_, second->message())->respond(2, 2, random_);
  ASSERT_TRUE(r1.ok() && r2.ok());
  EXPECT_NE(r1->keys.send, r2->keys.send);
  EXPECT_NE(r1->keys.recv, r2->keys.recv);
}

TEST_F(SessionHandshakeTest, StaticKeysAndTranscriptDoNotReproduceSessionKeys) {
  // Someone who later steals Bob's static key and recorded message 1 can replay it to a
  // responder holding that key, but gets different transport keys: the originals also depend
  // on both ephemeral secrets, which were never sent (forward secrecy).
  auto init = InitiatorHandshake::start(a_, bob_.publicKey(), 1, 1, random_);
  auto original = ResponderHandshake::read(b_, init->message())->respond(2, 2, random_);
  ASSERT_TRUE(original.ok());
  auto keys = init->finish(original->message);
  ASSERT_TRUE(keys.ok());
  auto replayed = ResponderHandshake::read(b_, init->message())->respond(2, 2, random_);
  ASSERT_TRUE(replayed.ok());
  EXPECT_NE(replayed->keys.recv, keys->keys.send);
  EXPECT_NE(replayed->keys.send, keys->keys.recv);
  // And the replayed response does not complete the original initiator's handshake into
  // anything but a fresh key pair either.
  auto again = init->finish(replayed->message);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->keys.send, keys->keys.send);
}

TEST_F(SessionHandshakeTest, RejectsInitiationFromOurOwnKey) {
  auto init = InitiatorHandshake::start(b_, bob_.publicKey(), 1, 1, random_);
  ASSERT_TRUE(init.ok());
  EXPECT_FALSE(ResponderHandshake::read(b_, init->message()).ok());
}

}  // namespace
}  // namespace plexus::overlay
