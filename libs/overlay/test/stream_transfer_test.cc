// Streams over the simulated network (stream.h, session_endpoint.h): bulk transfer through
// loss, reordering and duplication; many concurrent streams; flow control against a slow
// reader; FIN half-close and RST; rekeying in the middle of a transfer.
#include <gtest/gtest.h>

#include "plexus/overlay/session_endpoint.h"
#include "plexus/overlay/stream.h"
#include "session_sim_network.h"

namespace plexus::overlay {
namespace {

using testing::drainInto;
using testing::patternBytes;
using testing::SimNet;
using testing::testConfig;
using testing::testKey;

constexpr std::int64_t kSecond = 1'000'000;

// Writes `data` into a stream as fast as it accepts it, then finishes.
class Writer {
 public:
  Writer(std::shared_ptr<Stream> s, std::string data) : s_(std::move(s)), data_(std::move(data)) {
    s_->setHandler(StreamHandler{nullptr, [this] { pump(); }, nullptr});
    pump();
  }
  void pump() {
    while (pos_ < data_.size()) {
      const std::size_t n = s_->write(std::string_view(data_).substr(pos_, 16 * 1024));
      if (n == 0) return;
      pos_ += n;
    }
    if (!finished_) {
      s_->finish();
      finished_ = true;
    }
  }
  const std::shared_ptr<Stream>& stream() const { return s_; }

 private:
  std::shared_ptr<Stream> s_;
  std::string data_;
  std::size_t pos_ = 0;
  bool finished_ = false;
};

class StreamTransferTest : public ::testing::Test {
 protected:
  StreamTransferTest() : net_(7) {}

  void addPair(SessionConfig cfg = testConfig()) {
    net_.add(alice_, cfg);
    net_.add(bob_, cfg);
  }
  SessionEndpoint& a() { return *net_.node(alice_.publicKey()).endpoint; }
  SessionEndpoint& b() { return *net_.node(bob_.publicKey()).endpoint; }
  std::vector<std::shared_ptr<Stream>>& bobAccepted() {
    return net_.node(bob_.publicKey()).accepted;
  }

  // Sends `data` from Alice to Bob on one stream; returns what Bob read up to FIN.
  std::string transfer(const std::string& data, std::int64_t budgetUs) {
    auto s = a().openStream(bob_.publicKey());
    EXPECT_TRUE(s.ok());
    Writer w(*s, data);
    std::string got;
    std::shared_ptr<Stream> in;
    const bool done = net_.runUntil(
        [&] {
          if (!in && !bobAccepted().empty()) {
            in = bobAccepted().back();
            drainInto(in, got);
          }
          return in && in->readFinished() && w.stream()->writeFinished();
        },
        budgetUs);
    EXPECT_TRUE(done) << "received " << got.size() << " of " << data.size();
    return got;
  }

  SimNet net_;
  crypto::SigningKey alice_ = testKey(1);
  crypto::SigningKey bob_ = testKey(2);
};

TEST_F(StreamTransferTest, OneMegabyteArrivesIntactThroughLossReorderingAndDuplication) {
  addPair();
  net_.conditions.loss = 0.10;
  net_.conditions.duplicate = 0.05;
  net_.conditions.reorder = 0.10;
  net_.conditions.jitterUs = 5'000;
  const std::string data = patternBytes(1 << 20, 99);
  const std::string got = transfer(data, 300 * kSecond);
  ASSERT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data);
  const auto& c = a().counters();
  EXPECT_GT(c.retransmissions, 0u);
  EXPECT_GT(c.fastRetransmits, 0u);
  EXPECT_EQ(c.streamBytesSent, data.size());
  EXPECT_GT(b().counters().dropsReplay, 0u);  // the duplicates
}

TEST_F(StreamTransferTest, CleanNetworkUsesTheCongestionWindow) {
  addPair();
  const std::string data = patternBytes(1 << 20, 5);
  const std::int64_t start = net_.now();
  ASSERT_TRUE(transfer(data, 60 * kSecond) == data);
  const std::int64_t elapsed = net_.now() - start;
  // 20 ms RTT: a stop-and-wait sender would need ~17 s for 1 MiB of 1,200-byte packets.
  EXPECT_LT(elapsed, 3 * kSecond);
  EXPECT_EQ(a().counters().retransmissions, 0u);
  auto info = a().peerInfo(bob_.publicKey());
  ASSERT_TRUE(info.has_value());
  EXPECT_GT(info->congestionWindow, 10u * 1200u);
  EXPECT_NEAR(static_cast<double>(info->srttUs), 20'000.0, 12'000.0);
}

TEST_F(StreamTransferTest, ManyStreamsAtOnceInBothDirections) {
  addPair();
  net_.conditions.loss = 0.05;
  net_.conditions.reorder = 0.05;
  constexpr int kStreams = 40;
  std::vector<std::unique_ptr<Writer>> writers;
  for (int i = 0; i < kStreams; ++i) {
    auto s = a().openStream(bob_.publicKey());
    ASSERT_TRUE(s.ok());
    writers.push_back(std::make_unique<Writer>(*s, patternBytes(30'000, i)));
  }
  // Bob echoes every stream back, reversed, after reading it whole (request/response).
  std::map<std::uint64_t, std::string> requests;
  std::vector<std::unique_ptr<Writer>> replies;
  std::map<std::uint64_t, std::string> responses;
  for (auto& w : writers) drainInto(w->stream(), responses[w->stream()->id()]);
  const bool done = net_.runUntil(
      [&] {
        for (auto& in : bobAccepted()) {
          auto& buf = requests[in->id()];
          buf += in->read();
          if (in->readFinished() && buf.size() == 30'000) {
            replies.push_back(std::make_unique<Writer>(in, std::string(buf.rbegin(), buf.rend())));
            buf.push_back('!');  // answered
          }
        }
        for (auto& w : writers) {
          if (!w->stream()->readFinished()) return false;
        }
        return true;
      },
      120 * kSecond);
  if (!done) {
    int bobFinished = 0, aliceFinished = 0;
    for (auto& in : bobAccepted()) bobFinished += in->readFinished();
    for (auto& w : writers) aliceFinished += w->stream()->readFinished();
    ADD_FAILURE() << "bob accepted " << bobAccepted().size() << " finished " << bobFinished
                  << " replies " << replies.size() << " alice finished " << aliceFinished;
    for (auto& w : writers) {
      auto& st = w->stream();
      if (!st->readFinished()) {
        ADD_FAILURE() << "stream " << st->id() << " got " << responses[st->id()].size()
                      << " writeFinished " << st->writeFinished() << " reset " << st->isReset();
        break;
      }
    }
  }
  ASSERT_TRUE(done);
  for (int i = 0; i < kStreams; ++i) {
    const std::string sent = patternBytes(30'000, i);
    EXPECT_EQ(responses[writers[i]->stream()->id()], std::string(sent.rbegin(), sent.rend()))
        << "stream " << i;
  }
  EXPECT_EQ(b().counters().streamsAccepted, static_cast<std::uint64_t>(kStreams));
}

TEST_F(StreamTransferTest, SlowReaderStopsTheSenderWithBoundedMemory) {
  SessionConfig cfg = testConfig();
  cfg.streamReceiveWindow = 64 * 1024;
  cfg.streamSendBuffer = 128 * 1024;
  addPair(cfg);
  auto s = a().openStream(bob_.publicKey());
  ASSERT_TRUE(s.ok());
  const std::string data = patternBytes(2 << 20, 3);
  Writer w(*s, data);
  net_.runFor(5 * kSecond);
  ASSERT_EQ(bobAccepted().size(), 1u);
  auto in = bobAccepted().front();
  // Nobody read: Bob holds at most one window, Alice at most her send buffer.
  EXPECT_LE(in->bufferedReceiveBytes(), cfg.streamReceiveWindow);
  EXPECT_GE(in->bufferedReceiveBytes(), cfg.streamReceiveWindow / 2);
  // Acknowledged bytes leave the send buffer in 16 KiB steps.
  EXPECT_LE((*s)->bufferedSendBytes(), cfg.streamSendBuffer + 16 * 1024);
  EXPECT_EQ((*s)->writableBytes(), 0u);
  const auto sentBefore = a().counters().streamBytesSent;
  net_.runFor(5 * kSecond);
  EXPECT_EQ(a().counters().streamBytesSent, sentBefore);  // stalled, not spinning
  // Reading 4 KiB every 10 ms lets it all through, in order.
  std::string got;
  std::int64_t lastRead = 0;
  ASSERT_TRUE(net_.runUntil(
      [&] {
        if (net_.now() - lastRead >= 10'000) {
          got += in->read(4096);
          lastRead = net_.now();
          EXPECT_LE(in->bufferedReceiveBytes(), cfg.streamReceiveWindow);
        }
        return in->readFinished();
      },
      1200 * kSecond));
  EXPECT_TRUE(got == data);
}

TEST_F(StreamTransferTest, FinIsAHalfClose) {
  addPair();
  auto s = a().openStream(bob_.publicKey());
  ASSERT_TRUE(s.ok());
  (*s)->write("POST /send HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi");
  (*s)->finish();
  EXPECT_EQ((*s)->write("late"), 0u);  // nothing after FIN
  ASSERT_TRUE(net_.runUntil([&] { return !bobAccepted().empty(); }, 5 * kSecond));
  auto in = bobAccepted().front();
  std::string req = in->read();
  ASSERT_TRUE(net_.runUntil(
      [&] {
        req += in->read();
        return in->readFinished();
      },
      5 * kSecond));
  EXPECT_EQ(req, "POST /send HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi");
  // Bob can still answer after Alice's FIN.
  std::string resp;
  drainInto(*s, resp);
  EXPECT_EQ(in->write("HTTP/1.1 200 OK\r\n\r\n"), 19u);
  in->finish();
  ASSERT_TRUE(
      net_.runUntil([&] { return (*s)->readFinished() && in->writeFinished(); }, 5 * kSecond));
  EXPECT_EQ(resp, "HTTP/1.1 200 OK\r\n\r\n");
  EXPECT_TRUE((*s)->writeFinished());
  EXPECT_FALSE((*s)->isReset());
  // Both directions closed: the streams are forgotten.
  net_.runFor(kSecond);
  EXPECT_EQ(a().peerInfo(bob_.publicKey())->streams, 0u);
  EXPECT_EQ(b().peerInfo(alice_.publicKey())->streams, 0u);
}

TEST_F(StreamTransferTest, ResetAbortsBothDirections) {
  addPair();
  auto s = a().openStream(bob_.publicKey());
  ASSERT_TRUE(s.ok());
  std::uint64_t aliceSaw = 0;
  Writer w(*s, patternBytes(500'000, 8));
  (*s)->setHandler(
      StreamHandler{nullptr, [&w] { w.pump(); }, [&](std::uint64_t c) { aliceSaw = c; }});
  ASSERT_TRUE(net_.runUntil([&] { return !bobAccepted().empty(); }, 5 * kSecond));
  auto in = bobAccepted().front();
  net_.runFor(50'000);
  in->reset(7);
  EXPECT_TRUE(in->isReset());
  EXPECT_EQ(in->write("x"), 0u);
  ASSERT_TRUE(net_.runUntil([&] { return aliceSaw != 0; }, 5 * kSecond));
  EXPECT_EQ(aliceSaw, 7u);
  EXPECT_TRUE((*s)->isReset());
  EXPECT_EQ((*s)->resetCode(), 7u);
  EXPECT_EQ((*s)->write("more"), 0u);
  EXPECT_EQ((*s)->bufferedSendBytes(), 0u);
  // Both RESETs are acknowledged, the streams are forgotten, the session carries on.
  net_.runFor(kSecond);
  EXPECT_EQ(a().peerInfo(bob_.publicKey())->streams, 0u);
  EXPECT_EQ(b().peerInfo(alice_.publicKey())->streams, 0u);
  const std::string after = patternBytes(300'000, 9);
  bobAccepted().clear();
  EXPECT_TRUE(transfer(after, 30 * kSecond) == after);  // session credit was settled exactly
}

TEST_F(StreamTransferTest, RekeyInTheMiddleOfATransferLosesNothing) {
  SessionConfig cfg = testConfig();
  cfg.rekeyAfterPackets = 300;
  addPair(cfg);
  net_.conditions.loss = 0.05;
  net_.conditions.reorder = 0.05;
  const std::string data = patternBytes(1 << 20, 11);
  ASSERT_TRUE(transfer(data, 300 * kSecond) == data);
  EXPECT_GE(a().counters().rekeys + b().counters().rekeys, 2u);
  EXPECT_EQ(a().activeSessionCount(), 1u);
  auto ai = a().peerInfo(bob_.publicKey());
  auto bi = b().peerInfo(alice_.publicKey());
  ASSERT_TRUE(ai && bi);
  EXPECT_EQ(ai->remoteIndex, bi->localIndex);
}

TEST_F(StreamTransferTest, RekeyByAgeKeepsLongStreamsAlive) {
  SessionConfig cfg = testConfig();
  cfg.rekeyAfterUs = 3 * kSecond;
  addPair(cfg);
  auto s = a().openStream(bob_.publicKey());
  ASSERT_TRUE(s.ok());
  (*s)->write("tick");
  ASSERT_TRUE(net_.runUntil([&] { return !bobAccepted().empty(); }, 5 * kSecond));
  auto in = bobAccepted().front();
  std::string got;
  drainInto(in, got);
  const auto firstKey = a().peerInfo(bob_.publicKey())->sendKey;
  for (int i = 0; i < 20; ++i) {
    (*s)->write("tick");
    net_.runFor(kSecond / 2);
  }
  (*s)->finish();
  ASSERT_TRUE(net_.runUntil([&] { return in->readFinished(); }, 5 * kSecond));
  EXPECT_EQ(got.size(), 4u * 21u);
  EXPECT_GE(a().counters().rekeys + b().counters().rekeys, 2u);
  EXPECT_NE(a().peerInfo(bob_.publicKey())->sendKey, firstKey);
}

TEST(StreamTransferSeedsTest, TransfersSurviveManyLossPatterns) {
  // The same hostile network with different seeds, rekeying every 100 packets, both directions.
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    SimNet net(seed);
    net.conditions.loss = 0.15;
    net.conditions.duplicate = 0.05;
    net.conditions.reorder = 0.15;
    net.conditions.jitterUs = 8'000;
    SessionConfig cfg = testConfig();
    cfg.rekeyAfterPackets = 100;
    const auto alice = testKey(1);
    const auto bob = testKey(2);
    auto& a = net.add(alice, cfg);
    auto& b = net.add(bob, cfg);
    auto s = a.endpoint->openStream(bob.publicKey());
    ASSERT_TRUE(s.ok());
    const std::string up = patternBytes(200'000, static_cast<std::uint32_t>(seed));
    const std::string down = patternBytes(150'000, static_cast<std::uint32_t>(seed + 100));
    Writer w(*s, up);
    std::string gotDown;
    drainInto(*s, gotDown);
    (*s)->setHandler(StreamHandler{[&] { gotDown += (*s)->read(); }, [&w] { w.pump(); }, nullptr});
    std::string gotUp;
    std::unique_ptr<Writer> reply;
    const bool done = net.runUntil(
        [&] {
          if (!b.accepted.empty()) {
            gotUp += b.accepted.front()->read();
            if (!reply) reply = std::make_unique<Writer>(b.accepted.front(), down);
          }
          return (*s)->readFinished() && !b.accepted.empty() && b.accepted.front()->readFinished();
        },
        600 * kSecond);
    ASSERT_TRUE(done) << "seed " << seed << ": up " << gotUp.size() << " down " << gotDown.size();
    EXPECT_TRUE(gotUp == up) << "seed " << seed;
    EXPECT_TRUE(gotDown == down) << "seed " << seed;
    EXPECT_GT(a.endpoint->counters().rekeys + b.endpoint->counters().rekeys, 0u);
  }
}

}  // namespace
}  // namespace plexus::overlay
