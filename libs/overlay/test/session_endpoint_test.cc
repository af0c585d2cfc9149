// SessionEndpoint (session_endpoint.h) over the simulated network: authenticated sessions,
// bad datagrams dropped and counted, handshake duplicates, replays and floods, rekeying and
// expiry.
#include "plexus/overlay/session_endpoint.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "plexus/overlay/session_handshake.h"
#include "plexus/overlay/session_wire.h"
#include "session_sim_network.h"

namespace plexus::overlay {
namespace {

using testing::drainInto;
using testing::keyId;
using testing::patternBytes;
using testing::SimNet;
using testing::testConfig;
using testing::testKey;

constexpr std::int64_t kSecond = 1'000'000;

class SessionEndpointTest : public ::testing::Test {
 protected:
  SessionEndpointTest() : net_(42) {}

  SimNet::Node& a() { return net_.node(alice_.publicKey()); }
  SimNet::Node& b() { return net_.node(bob_.publicKey()); }

  // Opens a stream from Alice to Bob, sends `text` with FIN and waits until Bob read it all.
  std::shared_ptr<Stream> exchange(const std::string& text, std::string& received) {
    auto s = a().endpoint->openStream(bob_.publicKey());
    EXPECT_TRUE(s.ok());
    EXPECT_EQ((*s)->write(text), text.size());
    (*s)->finish();
    const std::size_t before = b().accepted.size();
    EXPECT_TRUE(net_.runUntil([&] { return b().accepted.size() > before; }, 10 * kSecond));
    if (b().accepted.size() <= before) return nullptr;
    auto in = b().accepted.back();
    drainInto(in, received);
    EXPECT_TRUE(net_.runUntil([&] { return in->readFinished(); }, 10 * kSecond));
    return in;
  }

  SimNet net_;
  crypto::SigningKey alice_ = testKey(1);
  crypto::SigningKey bob_ = testKey(2);
  crypto::SigningKey mallory_ = testKey(3);
};

TEST_F(SessionEndpointTest, HandshakeAuthenticatesTheRemoteKey) {
  net_.add(alice_);
  net_.add(bob_);
  std::string got;
  auto in = exchange("GET /_matrix/federation/v1/version HTTP/1.1\r\n\r\n", got);
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(got, "GET /_matrix/federation/v1/version HTTP/1.1\r\n\r\n");
  EXPECT_EQ(in->remoteKey(), alice_.publicKey());
  EXPECT_TRUE(a().endpoint->hasSession(bob_.publicKey()));
  EXPECT_TRUE(b().endpoint->hasSession(alice_.publicKey()));
  EXPECT_EQ(a().endpoint->counters().handshakesCompleted, 1u);
  EXPECT_EQ(b().endpoint->counters().handshakesConfirmed, 1u);
  auto ai = a().endpoint->peerInfo(bob_.publicKey());
  auto bi = b().endpoint->peerInfo(alice_.publicKey());
  ASSERT_TRUE(ai && bi);
  EXPECT_EQ(ai->remoteIndex, bi->localIndex);
  EXPECT_EQ(bi->remoteIndex, ai->localIndex);
}

TEST_F(SessionEndpointTest, ClaimedSourceIsNotTrusted) {
  net_.add(alice_);
  net_.add(bob_);
  net_.add(mallory_);
  // The router lies about every source: Bob must still learn Alice's real key.
  net_.tap = [&](const crypto::PublicKey& from, const crypto::PublicKey& to, std::string& bytes) {
    if (from == alice_.publicKey()) {
      net_.inject(mallory_.publicKey(), to, bytes, 10'000);
      return false;
    }
    return true;
  };
  std::string got;
  auto in = exchange("hi", got);
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(in->remoteKey(), alice_.publicKey());
  EXPECT_FALSE(b().endpoint->hasSession(mallory_.publicKey()));
}

TEST_F(SessionEndpointTest, SomeoneElseAnsweringForTheResponderFails) {
  net_.add(alice_);
  net_.add(mallory_);
  // Everything addressed to Bob reaches Mallory, who does not hold Bob's key.
  net_.redirect[keyId(bob_.publicKey())] = keyId(mallory_.publicKey());
  auto s = a().endpoint->openStream(bob_.publicKey());
  ASSERT_TRUE(s.ok());
  (*s)->write("secret");
  std::uint64_t resetCode = 0;
  (*s)->setHandler(StreamHandler{nullptr, nullptr, [&](std::uint64_t c) { resetCode = c; }});
  EXPECT_TRUE(net_.runUntil([&] { return resetCode != 0; }, 30 * kSecond));
  EXPECT_EQ(resetCode, kResetHandshakeFailed);
  EXPECT_FALSE(a().endpoint->hasSession(bob_.publicKey()));
  EXPECT_GT(net_.node(mallory_.publicKey()).endpoint->counters().dropsHandshakeInvalid, 0u);
  EXPECT_EQ(a().endpoint->counters().handshakeFailures, 1u);
  EXPECT_EQ(a().endpoint->counters().handshakeRetransmits,
            static_cast<std::uint64_t>(testConfig().handshakeAttempts - 1));
}

TEST_F(SessionEndpointTest, TamperedReplayedAndUnknownDatagramsAreDroppedAndCounted) {
  net_.add(alice_);
  net_.add(bob_);
  std::string got;
  ASSERT_NE(exchange("warm-up", got), nullptr);

  // Record a data-bearing transport datagram, then flip bits in the next ones for a while.
  net_.record = true;
  int tampered = 0;
  net_.tap = [&](const crypto::PublicKey& from, const crypto::PublicKey&, std::string& bytes) {
    if (from == alice_.publicKey() && bytes[0] == 0x03 && tampered < 5) {
      bytes[bytes.size() - 3] ^= 0x01;
      ++tampered;
    }
    return true;
  };
  std::string got2;
  const std::string payload = patternBytes(20'000, 1);
  auto in = exchange(payload, got2);
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(got2, payload);  // the stream recovered the tampered packets by retransmission
  EXPECT_EQ(b().endpoint->counters().dropsAuth, 5u);

  // Replay everything Alice sent: all of it is dropped, nothing is delivered twice.
  const auto before = b().endpoint->counters();
  std::size_t replayedTransport = 0;
  for (const auto& d : net_.log) {
    if (d.from == alice_.publicKey() && d.bytes[0] == 0x03) {
      net_.inject(d.from, d.to, d.bytes);
      ++replayedTransport;
    }
  }
  net_.runFor(kSecond);
  EXPECT_EQ(b().endpoint->counters().dropsReplay - before.dropsReplay +
                (b().endpoint->counters().dropsAuth - before.dropsAuth),
            replayedTransport);
  EXPECT_EQ(got2, payload);

  // A transport datagram for a session id nobody has.
  std::string unknown = encodeTransportHeader(TransportHeader{0xdeadbeef, 1});
  unknown += std::string(40, 'x');
  net_.inject(alice_.publicKey(), bob_.publicKey(), unknown);
  net_.inject(alice_.publicKey(), bob_.publicKey(), std::string("\x7f junk"));
  net_.runFor(kSecond);
  EXPECT_EQ(b().endpoint->counters().dropsUnknownSession, before.dropsUnknownSession + 1);
  EXPECT_EQ(b().endpoint->counters().dropsMalformed, before.dropsMalformed + 1);
}

TEST_F(SessionEndpointTest, DuplicateAndReplayedInitiationsDoNotCreateSessions) {
  net_.add(alice_);
  net_.add(bob_);
  net_.record = true;
  net_.conditions.duplicate = 1.0;  // every datagram arrives twice
  std::string got;
  ASSERT_NE(exchange("once", got), nullptr);
  EXPECT_EQ(got, "once");
  EXPECT_EQ(b().endpoint->counters().handshakesConfirmed, 1u);
  EXPECT_GE(b().endpoint->counters().handshakeDuplicates, 1u);
  EXPECT_EQ(b().endpoint->halfOpenCount(), 0u);
  const auto bobView = b().endpoint->peerInfo(alice_.publicKey());
  ASSERT_TRUE(bobView.has_value());

  // Later, an attacker replays Alice's message 1: no work, no new state, same session.
  net_.conditions.duplicate = 0;
  for (const auto& d : net_.log) {
    if (d.from == alice_.publicKey() && d.bytes[0] == 0x01) net_.inject(d.from, d.to, d.bytes);
  }
  for (const auto& d : net_.log) {
    if (d.from == bob_.publicKey() && d.bytes[0] == 0x02) net_.inject(d.from, d.to, d.bytes);
  }
  net_.runFor(kSecond);
  EXPECT_GE(b().endpoint->counters().dropsHandshakeReplay, 1u);
  EXPECT_GE(a().endpoint->counters().dropsHandshakeReplay, 1u);  // replayed message 2
  EXPECT_EQ(a().endpoint->counters().handshakesCompleted, 1u);
  EXPECT_EQ(b().endpoint->halfOpenCount(), 0u);
  EXPECT_EQ(b().endpoint->counters().handshakesConfirmed, 1u);
  EXPECT_EQ(b().endpoint->peerInfo(alice_.publicKey())->localIndex, bobView->localIndex);
}

TEST_F(SessionEndpointTest, ReplayedInitiationAfterForgettingCannotCompleteASession) {
  SessionConfig cfg = testConfig();
  cfg.ephemeralMemoryUs = 1;  // Bob forgets ephemerals at once: the worst case for replays
  net_.add(alice_);
  net_.add(bob_, cfg);
  net_.record = true;
  std::string got;
  ASSERT_NE(exchange("first", got), nullptr);
  net_.record = false;
  const auto bobView = b().endpoint->peerInfo(alice_.publicKey());
  for (const auto& d : net_.log) {
    if (d.from == alice_.publicKey() && d.bytes[0] == 0x01) net_.inject(d.from, d.to, d.bytes);
  }
  net_.runFor(kSecond);
  // Bob answered (the replay looked new) but the half-open state never confirms: only the
  // holder of the initiation's ephemeral secret could send the first transport packet.
  EXPECT_EQ(b().endpoint->counters().handshakesConfirmed, 1u);
  EXPECT_EQ(b().endpoint->peerInfo(alice_.publicKey())->localIndex, bobView->localIndex);
  net_.runFor(6 * kSecond);
  EXPECT_EQ(b().endpoint->halfOpenCount(), 0u);  // expired
  EXPECT_TRUE(b().endpoint->hasSession(alice_.publicKey()));
}

TEST_F(SessionEndpointTest, HandshakeFloodStaysBounded) {
  SessionConfig cfg = testConfig();
  cfg.maxHalfOpen = 32;
  cfg.handshakesPerSecond = 100;
  cfg.handshakeBurst = 50;
  net_.add(alice_);
  net_.add(bob_, cfg);
  // 2,000 valid initiations from 500 keys within 100 ms.
  RandomFn random = systemRandom();
  for (int i = 0; i < 2000; ++i) {
    const auto key = testKey(static_cast<std::uint8_t>(10 + i % 200));
    auto id = LocalIdentity::fromSigningKey(key);
    auto init = InitiatorHandshake::start(id, bob_.publicKey(), static_cast<std::uint32_t>(i + 1),
                                          1, random);
    ASSERT_TRUE(init.ok());
    net_.inject(key.publicKey(), bob_.publicKey(), init->message(), i * 50);
  }
  std::size_t maxHalfOpen = 0;
  net_.runUntil(
      [&] {
        maxHalfOpen = std::max(maxHalfOpen, b().endpoint->halfOpenCount());
        return false;
      },
      200'000);
  const auto& c = b().endpoint->counters();
  EXPECT_LE(maxHalfOpen, cfg.maxHalfOpen);
  EXPECT_GT(c.dropsHandshakeRateLimited, 1500u);
  EXPECT_LE(c.dropsHandshakeRateLimited + c.halfOpenEvicted, 2000u);
  EXPECT_GT(c.halfOpenEvicted, 0u);
  // A real peer still gets through once the bucket refills (its retries back off meanwhile).
  std::string got;
  auto in = exchange("still reachable", got);
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(got, "still reachable");
}

TEST_F(SessionEndpointTest, IdleSessionsExpireAndReconnect) {
  net_.add(alice_);
  net_.add(bob_);
  std::string got;
  auto in = exchange("hello", got);
  ASSERT_NE(in, nullptr);
  in->finish();
  in.reset();
  b().accepted.clear();
  net_.runFor(kSecond);
  EXPECT_EQ(a().endpoint->peerInfo(bob_.publicKey())->streams, 0u);
  const auto firstKey = a().endpoint->peerInfo(bob_.publicKey())->sendKey;
  net_.runFor(testConfig().idleTimeoutUs + kSecond);
  EXPECT_EQ(a().endpoint->activeSessionCount(), 0u);
  EXPECT_EQ(b().endpoint->activeSessionCount(), 0u);
  EXPECT_GE(a().endpoint->counters().sessionsExpired, 1u);
  std::string again;
  ASSERT_NE(exchange("hello again", again), nullptr);
  EXPECT_EQ(again, "hello again");
  EXPECT_NE(a().endpoint->peerInfo(bob_.publicKey())->sendKey, firstKey);
  EXPECT_EQ(a().endpoint->counters().handshakesCompleted, 2u);
}

TEST_F(SessionEndpointTest, LostPeerResetsOpenStreams) {
  net_.add(alice_);
  net_.add(bob_);
  std::string got;
  ASSERT_NE(exchange("hello", got), nullptr);
  auto s = a().endpoint->openStream(bob_.publicKey());
  ASSERT_TRUE(s.ok());
  std::uint64_t code = 0;
  (*s)->setHandler(StreamHandler{nullptr, nullptr, [&](std::uint64_t c) { code = c; }});
  net_.remove(bob_.publicKey());
  (*s)->write("anyone there?");
  EXPECT_TRUE(net_.runUntil([&] { return code != 0; }, 2 * testConfig().idleTimeoutUs));
  EXPECT_EQ(code, kResetConnectionLost);
  EXPECT_TRUE((*s)->isReset());
  EXPECT_EQ((*s)->write("more"), 0u);
  EXPECT_GT(a().endpoint->counters().retransmissionTimeouts, 0u);
}

TEST_F(SessionEndpointTest, SimultaneousOpensShareOneConnection) {
  net_.add(alice_);
  net_.add(bob_);
  auto fromAlice = a().endpoint->openStream(bob_.publicKey());
  auto fromBob = b().endpoint->openStream(alice_.publicKey());
  ASSERT_TRUE(fromAlice.ok() && fromBob.ok());
  (*fromAlice)->write("ping from alice");
  (*fromAlice)->finish();
  (*fromBob)->write("ping from bob");
  (*fromBob)->finish();
  ASSERT_TRUE(
      net_.runUntil([&] { return !a().accepted.empty() && !b().accepted.empty(); }, 10 * kSecond));
  std::string atAlice;
  std::string atBob;
  drainInto(a().accepted.front(), atAlice);
  drainInto(b().accepted.front(), atBob);
  ASSERT_TRUE(net_.runUntil(
      [&] { return a().accepted.front()->readFinished() && b().accepted.front()->readFinished(); },
      10 * kSecond));
  EXPECT_EQ(atAlice, "ping from bob");
  EXPECT_EQ(atBob, "ping from alice");
  // Stream ids never collide: one side uses even ids, the other odd.
  EXPECT_NE((*fromAlice)->id() % 2, (*fromBob)->id() % 2);
  EXPECT_EQ(a().endpoint->counters().connectionRestarts, 0u);
  EXPECT_EQ(b().endpoint->counters().connectionRestarts, 0u);
}

TEST_F(SessionEndpointTest, PeerRestartIsNoticedBeforeTheIdleTimeout) {
  net_.add(alice_);
  net_.add(bob_);
  std::string got;
  ASSERT_NE(exchange("before", got), nullptr);
  b().accepted.clear();
  net_.remove(bob_.publicKey());
  net_.add(bob_);  // same key, no memory of Alice
  auto s = a().endpoint->openStream(bob_.publicKey());
  ASSERT_TRUE(s.ok());
  std::uint64_t code = 0;
  (*s)->setHandler(StreamHandler{nullptr, nullptr, [&](std::uint64_t c) { code = c; }});
  (*s)->write("are you still there?");
  const std::int64_t start = net_.now();
  ASSERT_TRUE(net_.runUntil([&] { return code != 0; }, testConfig().idleTimeoutUs));
  EXPECT_EQ(code, kResetConnectionLost);
  EXPECT_LT(net_.now() - start, testConfig().idleTimeoutUs / 2);
  EXPECT_EQ(a().endpoint->counters().connectionRestarts, 1u);
  EXPECT_GT(b().endpoint->counters().dropsUnknownSession, 0u);
  // The application retries on the new connection.
  std::string again;
  ASSERT_NE(exchange("after", again), nullptr);
  EXPECT_EQ(again, "after");
}

TEST_F(SessionEndpointTest, EveryPairOfSeveralNodesTalks) {
  std::vector<crypto::SigningKey> keys;
  for (std::uint8_t i = 1; i <= 5; ++i) keys.push_back(testKey(i));
  for (const auto& k : keys) net_.add(k);
  net_.conditions.loss = 0.05;
  std::vector<std::shared_ptr<Stream>> opened;
  for (const auto& from : keys) {
    for (const auto& to : keys) {
      if (from.publicKey() == to.publicKey()) continue;
      auto s = net_.node(from.publicKey()).endpoint->openStream(to.publicKey());
      ASSERT_TRUE(s.ok());
      (*s)->write(from.publicKey().toHex());
      (*s)->finish();
      opened.push_back(*s);
    }
  }
  // Each node reads every accepted stream to the end; the text must name the stream's
  // authenticated remote key.
  std::map<Stream*, std::string> texts;
  const bool done = net_.runUntil(
      [&] {
        std::size_t finished = 0;
        for (const auto& k : keys) {
          for (auto& in : net_.node(k.publicKey()).accepted) {
            texts[in.get()] += in->read();
            if (in->readFinished()) ++finished;
          }
        }
        return finished == keys.size() * (keys.size() - 1);
      },
      30 * kSecond);
  ASSERT_TRUE(done);
  for (const auto& k : keys) {
    EXPECT_EQ(net_.node(k.publicKey()).endpoint->activeSessionCount(), keys.size() - 1);
    for (auto& in : net_.node(k.publicKey()).accepted) {
      EXPECT_EQ(texts[in.get()], in->remoteKey().toHex());
    }
  }
}

TEST_F(SessionEndpointTest, RefusesOwnKey) {
  net_.add(alice_);
  EXPECT_FALSE(a().endpoint->openStream(alice_.publicKey()).ok());
}

}  // namespace
}  // namespace plexus::overlay
