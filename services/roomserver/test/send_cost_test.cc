// The database cost of one local send (a message with a client transaction ID, on the room's
// cached head): PostgreSQL round trips per send, which must stay few (each is a loopback or
// network wait in the cluster), and the mean time per send on each backend, printed for
// docs/benchmarks.md. No bus consumer runs here, so every round trip counted is the send's.
#include <chrono>
#include <cstdio>

#include "plexus/bus/outbox.h"
#include "plexus/storage/postgres_database.h"
#include "plexus/storage/testing/database_test.h"
#include "roomserver/impl/roomserver_service.h"

namespace plexus::roomserver {
namespace {

const std::string kAlice = "@alice:test.local";

class SendCostTest : public storage::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto outbox = bus::Outbox::open(db());
    ASSERT_TRUE(outbox.ok()) << outbox.error().message;
    bus_ = std::move(*outbox);
    events::ServerIdentity identity{"test.local", "ed25519:test", crypto::SigningKey::generate()};
    service_ = std::make_unique<RoomserverService>(identity, db(), *bus_, ProfileLookup{},
                                                   RoomserverService::Options{});
    ASSERT_TRUE(service_->start().ok());
    CreateRoomRequest create;
    create.creator = kAlice;
    create.preset = Preset::kPublicChat;
    auto created = service_->performCreateRoom(ctx_, create);
    ASSERT_TRUE(created.ok()) << created.error().message;
    roomId_ = created->roomId;
  }
  void TearDown() override {
    service_.reset();
    bus_.reset();
  }

  Result<SendEventResponse> send(int i, const std::string& txn) {
    SendEventRequest r;
    r.roomId = roomId_;
    r.sender = kAlice;
    r.type = "m.room.message";
    r.content = json::Object{{"msgtype", "m.text"}, {"body", "message " + std::to_string(i)}};
    r.transaction = TransactionRef{kAlice, "DEVICE", txn};
    return service_->performSendEvent(ctx_, r);
  }

  CallContext ctx_;
  std::unique_ptr<bus::Outbox> bus_;
  std::unique_ptr<RoomserverService> service_;
  std::string roomId_;
};

TEST_P(SendCostTest, ASendCostsFewRoundTripsAndARepeatedTransactionAnswersTheSameEvent) {
  // Warm up: the head is cached and every statement prepared on the pooled connections.
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(send(i, "warm" + std::to_string(i)).ok());
  constexpr int kSends = 200;
  std::uint64_t trips = storage::postgresRoundTrips();
  auto start = std::chrono::steady_clock::now();
  std::string firstId;
  for (int i = 0; i < kSends; ++i) {
    auto sent = send(i, "txn" + std::to_string(i));
    ASSERT_TRUE(sent.ok()) << sent.error().message;
    if (i == 0) firstId = sent->eventId;
  }
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  double perSend = static_cast<double>(storage::postgresRoundTrips() - trips) / kSends;
  std::printf("[send cost] %s: %.3f ms per send, %.2f PostgreSQL round trips per send (%d sends)\n",
              std::string(storage::dialectName(dialect())).c_str(), ms / kSends, perSend, kSends);
  if (dialect() == storage::Dialect::kPostgres) {
    // BEGIN + the event row (its nid is needed); then extremities, transaction ID, room
    // snapshot, the outbox's lock and row + COMMIT.
    EXPECT_LE(perSend, 2.0);
  }
  auto again = send(0, "txn0");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->eventId, firstId);
}

}  // namespace

PLEXUS_INSTANTIATE_DATABASE_TESTS(SendCostTest);

}  // namespace plexus::roomserver
