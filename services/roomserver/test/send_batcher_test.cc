// Group commit of messages across rooms (SendBatcher inside RoomserverService): messages queued
// while a batch is written go out together in the next one, each room keeps a single extremity
// and its order on the bus, and a batch that fails because of one message fails only that one.
#include <set>
#include <thread>

#include "roomserver_fixture.h"

namespace plexus::roomserver::testing {
namespace {

class SendBatcherTest : public RoomserverTest {
 protected:
  // Restarts the service with a hook that holds the first batch until `expected` messages are
  // either in it or queued behind it, so the rest form exactly one second batch.
  void holdFirstBatchUntil(std::size_t expected) {
    service_.reset();
    RoomserverService::Options options;
    options.sendBatching.beforeWrite = [this, expected](std::size_t batchSize) {
      if (held_.exchange(true)) return;
      for (int i = 0; i < 1000 && batchSize + service_->sendBatcher().queued() < expected; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    };
    service_ =
        std::make_unique<RoomserverService>(identity_, db(), *bus_, ProfileLookup{}, options);
    ASSERT_TRUE(service_->start().ok());
  }

  Result<SendEventResponse> sendWithTxn(const std::string& roomId, const std::string& body,
                                        const std::string& txn) {
    return sendMessage(roomId, kAlice, body, txn);
  }

  // Sends body i into rooms[i] from one thread per room: room 0's first, and once it leads a
  // batch (held by the hook) all the others at once.
  std::vector<Result<SendEventResponse>> sendToEachRoom(const std::vector<std::string>& rooms,
                                                        const std::vector<std::string>& txns) {
    std::vector<std::optional<Result<SendEventResponse>>> results(rooms.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < rooms.size(); ++i) {
      threads.emplace_back(
          [&, i] { results[i] = sendWithTxn(rooms[i], "m" + std::to_string(i), txns[i]); });
      for (int wait = 0; i == 0 && !held_ && wait < 1000; ++wait) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
    for (auto& t : threads) t.join();
    std::vector<Result<SendEventResponse>> out;
    for (auto& r : results) out.push_back(std::move(*r));
    return out;
  }

  std::atomic<bool> held_{false};
};

TEST_P(SendBatcherTest, MessagesQueuedBehindABatchCommitTogether) {
  constexpr std::size_t kRooms = 6;
  std::vector<std::string> rooms;
  for (std::size_t i = 0; i < kRooms; ++i) rooms.push_back(createRoom(Preset::kPublicChat));
  holdFirstBatchUntil(kRooms);
  std::vector<std::string> txns;
  for (std::size_t i = 0; i < kRooms; ++i) txns.push_back("t" + std::to_string(i));

  auto results = sendToEachRoom(rooms, txns);

  for (std::size_t i = 0; i < kRooms; ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].error().message;
  }
  // One batch for room 0's message, one for all the rest.
  EXPECT_EQ(service_->sendBatcher().batches(), 2u);
  EXPECT_EQ(service_->sendBatcher().messages(), kRooms);
  for (std::size_t i = 0; i < kRooms; ++i) {
    auto latest = api().queryLatestEvents(ctx_, rooms[i]);
    ASSERT_TRUE(latest.ok());
    ASSERT_EQ(latest->eventIds.size(), 1u) << "room " << i << " kept an old extremity";
    EXPECT_EQ(latest->eventIds[0], results[i]->eventId);
    auto stored = api().queryEvent(ctx_, results[i]->eventId);
    ASSERT_TRUE(stored.ok());
    EXPECT_EQ(*stored->pdu.content().find("body"), json::Value("m" + std::to_string(i)));
    // The transaction ID was recorded with its event.
    auto again = sendWithTxn(rooms[i], "again", txns[i]);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->eventId, results[i]->eventId);
  }
  // Each message reaches the bus once (room creation outputs may still be arriving).
  std::multiset<std::string> announced;
  for (int wait = 0; wait < 1000; ++wait) {
    announced.clear();
    for (const auto& out : waitForOutputs(0)) announced.insert(out.eventId);
    bool all = true;
    for (const auto& r : results) all = all && announced.contains(r->eventId);
    if (all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (const auto& r : results) EXPECT_EQ(announced.count(r->eventId), 1u);

  // A room written after its batched message builds on it: the cached head has the event's nid.
  auto next = sendWithTxn(rooms[0], "next", "n0");
  ASSERT_TRUE(next.ok());
  auto latest = api().queryLatestEvents(ctx_, rooms[0]);
  ASSERT_TRUE(latest.ok());
  ASSERT_EQ(latest->eventIds.size(), 1u);
  EXPECT_EQ(latest->eventIds[0], next->eventId);
  auto nextEvent = api().queryEvent(ctx_, next->eventId);
  ASSERT_TRUE(nextEvent.ok());
  ASSERT_EQ(nextEvent->pdu.prevEvents().size(), 1u);
  EXPECT_EQ(nextEvent->pdu.prevEvents()[0], results[0]->eventId);
}

TEST_P(SendBatcherTest, ABatchThatFailsFailsOnlyTheMessageAtFault) {
  constexpr std::size_t kRooms = 5;
  std::vector<std::string> rooms;
  for (std::size_t i = 0; i < kRooms; ++i) rooms.push_back(createRoom(Preset::kPublicChat));
  // "dup" is recorded already, for an event in room 0.
  auto first = sendWithTxn(rooms[0], "first", "dup");
  ASSERT_TRUE(first.ok());
  std::vector<std::string> headsBefore;
  for (const auto& room : rooms)
    headsBefore.push_back(api().queryLatestEvents(ctx_, room)->eventIds[0]);
  holdFirstBatchUntil(kRooms);
  // Room 3's message reuses "dup": its insert violates the transaction key, failing its batch.
  std::vector<std::string> txns = {"a", "b", "c", "dup", "e"};

  auto results = sendToEachRoom(rooms, txns);

  for (std::size_t i = 0; i < kRooms; ++i) {
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].error().message;
  }
  // Room 0's batch, then the others' (failed, then written one by one).
  EXPECT_EQ(service_->sendBatcher().batches(), 2u);
  EXPECT_EQ(service_->sendBatcher().messages(), kRooms);
  // The reused transaction ID answers with the event it sent before; room 3 is unchanged.
  EXPECT_EQ(results[3]->eventId, first->eventId);
  EXPECT_EQ(api().queryLatestEvents(ctx_, rooms[3])->eventIds,
            std::vector<std::string>{headsBefore[3]});
  // The others were written, each exactly once, on top of their room's head.
  for (std::size_t i : {0u, 1u, 2u, 4u}) {
    auto latest = api().queryLatestEvents(ctx_, rooms[i]);
    ASSERT_TRUE(latest.ok());
    ASSERT_EQ(latest->eventIds.size(), 1u);
    EXPECT_EQ(latest->eventIds[0], results[i]->eventId);
    auto e = api().queryEvent(ctx_, results[i]->eventId);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->pdu.prevEvents()[0], headsBefore[i]);
  }
  // Room 3's cached head was not advanced: its next message follows the old head.
  auto after = sendWithTxn(rooms[3], "after", "f");
  ASSERT_TRUE(after.ok());
  auto e = api().queryEvent(ctx_, after->eventId);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->pdu.prevEvents()[0], headsBefore[3]);
}

}  // namespace

PLEXUS_INSTANTIATE_DATABASE_TESTS(SendBatcherTest);

}  // namespace plexus::roomserver::testing
