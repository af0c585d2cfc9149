// Concurrent writers: sends to one room from several threads form a linear DAG with no lost
// events; different rooms proceed side by side.
#include <set>
#include <thread>

#include "roomserver_fixture.h"

namespace plexus::roomserver::testing {
namespace {

class ConcurrencyTest : public RoomserverTest {};

TEST_P(ConcurrencyTest, ConcurrentSendsToOneRoomFormALinearDag) {
  std::string roomId = createRoom(Preset::kPublicChat);
  ASSERT_TRUE(api().performJoin(ctx_, {roomId, kBob, {}, {}}).ok());
  constexpr int kThreads = 4;
  constexpr int kPerThread = 15;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto sent = sendMessage(roomId, t % 2 ? kBob : kAlice, std::to_string(t * 1000 + i));
        if (sent.ok()) ids[t].push_back(sent->eventId);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> all;
  for (const auto& list : ids) {
    EXPECT_EQ(list.size(), static_cast<std::size_t>(kPerThread));
    all.insert(list.begin(), list.end());
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
  auto latest = api().queryLatestEvents(ctx_, roomId);
  ASSERT_TRUE(latest.ok());
  ASSERT_EQ(latest->eventIds.size(), 1u);
  // Walk back from the single extremity: every event has one parent and depths drop by one.
  std::string current = latest->eventIds[0];
  std::int64_t depth = latest->depth;
  std::size_t seen = 0;
  while (!current.empty()) {
    auto e = api().queryEvent(ctx_, current);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->pdu.depth(), depth);
    if (all.count(current)) ++seen;
    auto prev = e->pdu.prevEvents();
    ASSERT_LE(prev.size(), 1u);
    current = prev.empty() ? "" : std::string(prev[0]);
    --depth;
  }
  EXPECT_EQ(depth, 0);
  EXPECT_EQ(seen, all.size());
  // The bus saw every event once, in DAG order.
  auto outputs = waitForOutputs(6 + kThreads * kPerThread);
  EXPECT_EQ(outputs.size(), static_cast<std::size_t>(6 + kThreads * kPerThread));
  for (std::size_t i = 1; i < outputs.size(); ++i) {
    EXPECT_EQ(*outputs[i].event.find("depth"), json::Value(static_cast<std::int64_t>(i + 1)));
  }
}

TEST_P(ConcurrencyTest, DifferentRoomsAcceptWritesInParallel) {
  std::vector<std::string> rooms;
  for (int i = 0; i < 3; ++i) rooms.push_back(createRoom(Preset::kPublicChat));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (const auto& roomId : rooms) {
    threads.emplace_back([&, roomId] {
      for (int i = 0; i < 10; ++i) {
        if (!sendMessage(roomId, kAlice, "x").ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  for (const auto& roomId : rooms) EXPECT_EQ(api().queryLatestEvents(ctx_, roomId)->depth, 15);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(ConcurrencyTest);

}  // namespace
}  // namespace plexus::roomserver::testing
