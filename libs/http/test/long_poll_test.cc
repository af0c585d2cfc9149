// A thousand concurrent deferred requests are held by the io threads alone: no thread per
// waiting request, and all of them complete when answered from another thread.
#include <gtest/gtest.h>

#include <thread>

#include "plexus/http/server.h"
#include "test_support.h"

namespace plexus::http {
namespace {

using testing::ParkedRequests;
using testing::RawConnection;

TEST(LongPollTest, ThousandIdleLongPollsUseOnlyTheIoThreads) {
  constexpr std::size_t kPolls = 1000;
  ParkedRequests parked;
  ServerOptions options;
  options.ioThreads = 2;
  Server server(options, [&](Request request, Responder responder) { parked.park(std::move(request), std::move(responder)); });
  ASSERT_TRUE(server.start().ok());
  const std::size_t threadsAfterStart = testing::threadCount();

  std::vector<std::unique_ptr<RawConnection>> clients;
  clients.reserve(kPolls);
  for (std::size_t i = 0; i < kPolls; ++i) {
    auto c = std::make_unique<RawConnection>(server.port());
    ASSERT_TRUE(c->connected()) << i;
    ASSERT_TRUE(c->send("GET /_matrix/client/v3/sync?timeout=30000&n=" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n"));
    clients.push_back(std::move(c));
  }
  ASSERT_TRUE(parked.waitForCount(kPolls, std::chrono::seconds(30)));
  EXPECT_EQ(server.connectionCount(), kPolls);
  EXPECT_EQ(testing::threadCount(), threadsAfterStart);

  std::thread answerer([&] {
    for (auto& responder : parked.take()) responder.send(Response::text("{}", 200, "application/json"));
  });
  answerer.join();
  std::size_t answered = 0;
  for (auto& c : clients) {
    auto r = c->readResponse();
    if (r && r->status == 200 && r->body == "{}") ++answered;
  }
  EXPECT_EQ(answered, kPolls);
  EXPECT_EQ(testing::threadCount(), threadsAfterStart);
  server.stop();
}

}  // namespace
}  // namespace plexus::http
