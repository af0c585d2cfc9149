// LinkHandshake: both roles learn each other's key and matching link keys; wrong, own and forged
// keys, tampered hellos and proofs, and proofs replayed from another handshake all fail; bytes
// may arrive one at a time, and bytes after the proof are left for the frame layer.
#include "plexus/overlay/link_handshake.h"

#include <gtest/gtest.h>

#include <string>

namespace plexus::overlay {
namespace {

using crypto::SigningKey;

// Moves bytes both ways until neither side has output; `chunk` bytes per consume call.
void pump(LinkHandshake& a, LinkHandshake& b, std::size_t chunk = 1 << 20) {
  for (int round = 0; round < 10; ++round) {
    const std::string toB = a.takeOutput();
    const std::string toA = b.takeOutput();
    if (toA.empty() && toB.empty()) return;
    for (std::size_t i = 0; i < toB.size(); i += chunk)
      b.consume(std::string_view(toB).substr(i, chunk));
    for (std::size_t i = 0; i < toA.size(); i += chunk)
      a.consume(std::string_view(toA).substr(i, chunk));
  }
}

class LinkHandshakeTest : public ::testing::Test {
 protected:
  SigningKey alice_ = SigningKey::generate();
  SigningKey bob_ = SigningKey::generate();
};

TEST_F(LinkHandshakeTest, BothSidesLearnKeysAndAgreeOnLinkKeys) {
  LinkHandshake initiator(LinkRole::kInitiator, alice_, bob_.publicKey());
  LinkHandshake responder(LinkRole::kResponder, bob_);
  pump(initiator, responder);
  ASSERT_TRUE(initiator.done()) << initiator.failureReason();
  ASSERT_TRUE(responder.done()) << responder.failureReason();
  EXPECT_EQ(initiator.remoteKey(), bob_.publicKey());
  EXPECT_EQ(responder.remoteKey(), alice_.publicKey());
  EXPECT_EQ(initiator.keys().send, responder.keys().receive);
  EXPECT_EQ(initiator.keys().receive, responder.keys().send);
  EXPECT_NE(initiator.keys().send, initiator.keys().receive);
}

TEST_F(LinkHandshakeTest, HelloHasTheDocumentedLayout) {
  LinkHandshake initiator(LinkRole::kInitiator, alice_);
  const std::string hello = initiator.takeOutput();
  ASSERT_EQ(hello.size(), kLinkHelloSize);
  EXPECT_EQ(hello.substr(0, 4), "PLXL");
  EXPECT_EQ(hello[4], 1);
  EXPECT_EQ(hello[5], 0);
  EXPECT_EQ(hello.substr(6, 32), alice_.publicKey().bytes());
  EXPECT_TRUE(initiator.takeOutput().empty());  // the proof waits for the peer's hello
}

TEST_F(LinkHandshakeTest, FreshEphemeralsGiveFreshLinkKeys) {
  LinkHandshake i1(LinkRole::kInitiator, alice_), r1(LinkRole::kResponder, bob_);
  LinkHandshake i2(LinkRole::kInitiator, alice_), r2(LinkRole::kResponder, bob_);
  pump(i1, r1);
  pump(i2, r2);
  ASSERT_TRUE(i1.done() && i2.done());
  EXPECT_NE(i1.keys().send, i2.keys().send);
}

TEST_F(LinkHandshakeTest, WorksOneByteAtATime) {
  LinkHandshake initiator(LinkRole::kInitiator, alice_);
  LinkHandshake responder(LinkRole::kResponder, bob_);
  pump(initiator, responder, 1);
  ASSERT_TRUE(initiator.done()) << initiator.failureReason();
  ASSERT_TRUE(responder.done()) << responder.failureReason();
  EXPECT_EQ(initiator.keys().send, responder.keys().receive);
}

TEST_F(LinkHandshakeTest, LeavesBytesAfterTheProofUnconsumed) {
  LinkHandshake initiator(LinkRole::kInitiator, alice_);
  LinkHandshake responder(LinkRole::kResponder, bob_);
  ASSERT_EQ(responder.consume(initiator.takeOutput()), kLinkHelloSize);
  std::string fromResponder = responder.takeOutput();  // hello and proof together
  ASSERT_EQ(fromResponder.size(), kLinkHelloSize + kLinkProofSize);
  fromResponder += "frame bytes";
  EXPECT_EQ(initiator.consume(fromResponder), kLinkHelloSize + kLinkProofSize);
  EXPECT_TRUE(initiator.done()) << initiator.failureReason();
  EXPECT_EQ(initiator.consume("more"), 0u);
}

TEST_F(LinkHandshakeTest, FailsWhenThePeerIsNotTheExpectedKey) {
  const SigningKey carol = SigningKey::generate();
  LinkHandshake initiator(LinkRole::kInitiator, alice_, carol.publicKey());
  LinkHandshake responder(LinkRole::kResponder, bob_);
  pump(initiator, responder);
  EXPECT_TRUE(initiator.failed());
  EXPECT_NE(initiator.failureReason().find("expected"), std::string::npos);
  EXPECT_FALSE(responder.done());
}

TEST_F(LinkHandshakeTest, FailsOnSelfConnection) {
  LinkHandshake initiator(LinkRole::kInitiator, alice_);
  LinkHandshake responder(LinkRole::kResponder, alice_);
  pump(initiator, responder);
  EXPECT_TRUE(initiator.failed());
  EXPECT_TRUE(responder.failed());
  EXPECT_NE(initiator.failureReason().find("ourselves"), std::string::npos);
}

TEST_F(LinkHandshakeTest, FailsOnBadMagicAtOnce) {
  LinkHandshake responder(LinkRole::kResponder, bob_);
  responder.consume("GET / HTTP/1.1\r\n");
  EXPECT_TRUE(responder.failed());
  EXPECT_NE(responder.failureReason().find("magic"), std::string::npos);
  EXPECT_TRUE(responder.takeOutput().empty());
}

TEST_F(LinkHandshakeTest, FailsOnWrongVersionOrFlags) {
  for (std::size_t index : {std::size_t{4}, std::size_t{5}}) {
    LinkHandshake initiator(LinkRole::kInitiator, alice_);
    LinkHandshake responder(LinkRole::kResponder, bob_);
    std::string hello = initiator.takeOutput();
    hello[index] = 2;
    responder.consume(hello);
    EXPECT_TRUE(responder.failed()) << index;
  }
}

TEST_F(LinkHandshakeTest, FailsOnLowOrderEphemeral) {
  LinkHandshake initiator(LinkRole::kInitiator, alice_);
  LinkHandshake responder(LinkRole::kResponder, bob_);
  std::string hello = initiator.takeOutput();
  hello.replace(38, 32, std::string(32, '\0'));  // the identity point: shared secret all zero
  responder.consume(hello);
  EXPECT_TRUE(responder.failed());
  EXPECT_NE(responder.failureReason().find("low-order"), std::string::npos);
}

TEST_F(LinkHandshakeTest, FailsOnTamperedHello) {
  // A man in the middle swaps the ephemeral key in one hello: the two sides hash different
  // transcripts, so whichever side checks a proof first fails.
  for (const bool tamperInitiatorHello : {true, false}) {
    LinkHandshake initiator(LinkRole::kInitiator, alice_);
    LinkHandshake responder(LinkRole::kResponder, bob_);
    LinkHandshake other(LinkRole::kInitiator, SigningKey::generate());
    const std::string otherEphemeral = other.takeOutput().substr(38, 32);
    std::string initiatorHello = initiator.takeOutput();
    if (tamperInitiatorHello) initiatorHello.replace(38, 32, otherEphemeral);
    responder.consume(initiatorHello);
    std::string reply = responder.takeOutput();
    ASSERT_EQ(reply.size(), kLinkHelloSize + kLinkProofSize);
    if (!tamperInitiatorHello) reply.replace(38, 32, otherEphemeral);
    initiator.consume(reply);
    EXPECT_TRUE(initiator.failed()) << tamperInitiatorHello;
    EXPECT_NE(initiator.failureReason().find("proof"), std::string::npos);
    EXPECT_TRUE(initiator.takeOutput().empty());
    EXPECT_FALSE(responder.done());
  }
}

TEST_F(LinkHandshakeTest, FailsOnTamperedProof) {
  LinkHandshake initiator(LinkRole::kInitiator, alice_);
  LinkHandshake responder(LinkRole::kResponder, bob_);
  responder.consume(initiator.takeOutput());
  std::string reply = responder.takeOutput();
  reply.back() = static_cast<char>(reply.back() ^ 1);
  initiator.consume(reply);
  EXPECT_TRUE(initiator.failed());
  EXPECT_NE(initiator.failureReason().find("proof"), std::string::npos);
}

TEST_F(LinkHandshakeTest, FailsOnProofReplayedFromAnotherHandshake) {
  // Record Bob's hello and proof from one handshake with Alice...
  LinkHandshake i1(LinkRole::kInitiator, alice_);
  LinkHandshake r1(LinkRole::kResponder, bob_);
  r1.consume(i1.takeOutput());
  const std::string recorded = r1.takeOutput();
  // ...and replay them into a new one: Alice's new ephemeral changes the transcript.
  LinkHandshake i2(LinkRole::kInitiator, alice_, bob_.publicKey());
  i2.takeOutput();
  i2.consume(recorded);
  EXPECT_TRUE(i2.failed());
  EXPECT_NE(i2.failureReason().find("proof"), std::string::npos);
}

TEST_F(LinkHandshakeTest, FailsOnProofReflectedBackToItsSigner) {
  // A proof sent back to the side that made it fails: it is checked against the peer's key and
  // the peer's role byte.
  LinkHandshake initiator(LinkRole::kInitiator, alice_);
  LinkHandshake responder(LinkRole::kResponder, bob_);
  responder.consume(initiator.takeOutput());
  const std::string reply = responder.takeOutput();
  initiator.consume(std::string_view(reply).substr(0, kLinkHelloSize));
  const std::string aliceProof = initiator.takeOutput();
  ASSERT_EQ(aliceProof.size(), kLinkProofSize);
  initiator.consume(aliceProof);
  EXPECT_TRUE(initiator.failed());
}

}  // namespace
}  // namespace plexus::overlay
