// OverlayFederationTransport and OverlayFederationServer end to end: node 0's transport sends
// through real SessionEndpoints (test/overlay_loop.h) to node 1's server and its handler. Covers
// GET and a 200 KB PUT both ways, the X-Matrix origin check, response limits, timeouts, malformed
// requests, the read deadline, the concurrency bound, answers from other threads, many callers
// at once, and refusing destinations and threads the transport cannot serve.
#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "overlay_loop.h"
#include "plexus/federation/server_name.h"
#include "plexus/federation/x_matrix.h"
#include "plexus/federation_overlay/overlay_federation_server.h"
#include "plexus/federation_overlay/overlay_federation_transport.h"

namespace plexus::federation_overlay {
namespace {

using federation::OutboundRequest;
using std::chrono::milliseconds;
using testing::OverlayLoop;
using Clock = std::chrono::steady_clock;

constexpr auto kWait = std::chrono::seconds(10);

std::string nameOf(const crypto::SigningKey& key) {
  return federation::keyNamedServerName(key.publicKey());
}

std::string letters(std::size_t n) {
  std::string out(n, 'a');
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<char>('a' + (i * 7 + i / 26) % 26);
  return out;
}

std::string xMatrix(const std::string& origin, const std::string& destination) {
  return federation::formatXMatrix(
      federation::XMatrixAuth{origin, destination, "ed25519:test", "c2lnbmF0dXJl"});
}

// What a raw stream received: its bytes, and whether it ended with FIN or a reset.
struct RawOutcome {
  std::string bytes;
  bool finished = false;
  bool reset = false;
};

class OverlayFederationTest : public ::testing::Test {
 protected:
  OverlayFederationTest() {
    loop_.onStream(1,
                   [this](std::shared_ptr<overlay::Stream> s) { server_->accept(std::move(s)); });
  }
  // Stop the overlay first: the server and transport are destroyed after it stopped.
  ~OverlayFederationTest() override { loop_.stop(); }

  void startServer(OverlayFederationServerOptions options = {}) {
    server_ = std::make_unique<OverlayFederationServer>(
        loop_.port(1),
        [this](http::Request request, http::Responder responder) {
          ++handlerCalls_;
          handler_(std::move(request), std::move(responder));
        },
        std::move(options));
  }

  std::string serverName() const { return nameOf(loop_.key(1)); }
  std::string clientName() const { return nameOf(loop_.key(0)); }

  OverlayFederationServerCounters serverCounters() {
    OverlayFederationServerCounters out;
    loop_.runOnLoop([&] { out = server_->counters(); });
    return out;
  }
  std::size_t activeStreams() {
    std::size_t out = 0;
    loop_.runOnLoop([&] { out = server_->activeStreams(); });
    return out;
  }

  // Opens a stream from node 0 to node 1, writes `bytes` (and FIN when `finish`), and returns
  // what comes back once the stream ends or `wait` passes.
  RawOutcome rawExchange(const std::string& bytes, bool finish,
                         std::chrono::milliseconds wait = kWait) {
    struct State {
      std::mutex mutex;
      RawOutcome outcome;
      std::promise<void> ended;
      std::shared_ptr<overlay::Stream> stream;
    };
    auto state = std::make_shared<State>();
    auto ended = state->ended.get_future();
    const crypto::PublicKey to = loop_.key(1).publicKey();
    loop_.post([this, state, to, bytes, finish] {
      auto opened = loop_.endpoint(0).openStream(to);
      ASSERT_TRUE(opened.ok());
      state->stream = *opened;
      overlay::Stream* raw = opened->get();
      auto drain = [state, raw] {
        std::lock_guard lock(state->mutex);
        state->outcome.bytes += raw->read();
        if (raw->readFinished() && !state->outcome.finished && !state->outcome.reset) {
          state->outcome.finished = true;
          state->ended.set_value();
        }
      };
      auto onReset = [state](std::uint64_t) {
        std::lock_guard lock(state->mutex);
        if (state->outcome.finished || state->outcome.reset) return;
        state->outcome.reset = true;
        state->ended.set_value();
      };
      raw->setHandler(overlay::StreamHandler{drain, nullptr, onReset});
      EXPECT_EQ(raw->write(bytes), bytes.size());
      if (finish) raw->finish();
    });
    ended.wait_for(wait);
    RawOutcome out;
    loop_.runOnLoop([&] {
      std::lock_guard lock(state->mutex);
      out = state->outcome;
      if (state->stream) state->stream->setHandler({});
      state->stream.reset();
    });
    return out;
  }

  OverlayLoop loop_;
  OverlayFederationTransport transport_{loop_.port(0)};
  std::atomic<int> handlerCalls_{0};
  http::Handler handler_;
  std::unique_ptr<OverlayFederationServer> server_;
};

TEST_F(OverlayFederationTest, GetRoundTripsToTheHandler) {
  http::Request seen;
  handler_ = [&](http::Request request, http::Responder responder) {
    seen = request;
    responder.send(
        http::Response::text(R"({"server":{"name":"plexus"}})", 200, "application/json"));
  };
  startServer();
  OutboundRequest request;
  request.method = "GET";
  request.uri = "/_matrix/federation/v1/version";
  auto response = transport_.send(serverName(), request);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"({"server":{"name":"plexus"}})");
  bool typed = false;
  for (const auto& [name, value] : response->headers)
    if (http::equalsIgnoreCase(name, "Content-Type")) typed = value == "application/json";
  EXPECT_TRUE(typed);
  EXPECT_EQ(handlerCalls_, 1);
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.path, "/_matrix/federation/v1/version");
  EXPECT_EQ(seen.headers.get("Host").value_or(""), serverName());
  EXPECT_FALSE(seen.headers.contains("Authorization"));
}

TEST_F(OverlayFederationTest, PutWith200KilobyteBodiesRoundTrips) {
  const std::string body = letters(200 * 1024);
  std::string seenBody;
  std::string seenAuth;
  handler_ = [&](http::Request request, http::Responder responder) {
    seenBody = request.body;
    seenAuth = std::string(request.headers.get("Authorization").value_or(""));
    std::string reply(request.body.rbegin(), request.body.rend());
    responder.send(http::Response::text(std::move(reply), 200, "application/octet-stream"));
  };
  startServer();
  OutboundRequest request;
  request.method = "PUT";
  request.uri = "/_matrix/federation/v1/send/txn1";
  request.headers = {{"Authorization", xMatrix(clientName(), serverName())},
                     {"Content-Type", "application/json"}};
  request.body = body;
  auto response = transport_.send(serverName(), request);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(seenBody, body);
  EXPECT_EQ(seenAuth, xMatrix(clientName(), serverName()));
  EXPECT_EQ(response->body, std::string(body.rbegin(), body.rend()));
}

TEST_F(OverlayFederationTest, OriginOtherThanTheSessionKeyIsRefusedBeforeTheHandler) {
  handler_ = [](http::Request, http::Responder responder) {
    responder.send(http::Response::text("{}", 200, "application/json"));
  };
  startServer();
  OutboundRequest request;
  request.method = "PUT";
  request.uri = "/_matrix/federation/v1/send/txn2";
  request.body = "{}";
  request.headers = {{"Authorization", xMatrix(nameOf(testing::testKey(3)), serverName())}};
  auto response = transport_.send(serverName(), request);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 401);
  EXPECT_NE(response->body.find("M_UNAUTHORIZED"), std::string::npos) << response->body;
  // A malformed X-Matrix header is refused the same way.
  request.headers = {{"Authorization", "X-Matrix origin=\"unterminated"}};
  response = transport_.send(serverName(), request);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 401);
  EXPECT_EQ(handlerCalls_, 0);
  EXPECT_EQ(serverCounters().originMismatch, 2u);
}

TEST_F(OverlayFederationTest, DnsNamedOriginIsLeftToTheHandlersSignatureCheck) {
  // A cloud server peering on the overlay signs as its DNS name; the session key cannot match
  // that name, so the federation handler verifies the X-Matrix signature as over HTTPS.
  handler_ = [](http::Request, http::Responder responder) {
    responder.send(http::Response::text("{}", 200, "application/json"));
  };
  startServer();
  OutboundRequest request;
  request.method = "PUT";
  request.uri = "/_matrix/federation/v1/send/txn3";
  request.body = "{}";
  request.headers = {{"Authorization", xMatrix("example.org", serverName())}};
  auto response = transport_.send(serverName(), request);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(handlerCalls_, 1);
  EXPECT_EQ(serverCounters().originMismatch, 0u);
}

TEST_F(OverlayFederationTest, ResponseOverTheLimitIsUnavailable) {
  handler_ = [](http::Request, http::Responder responder) {
    responder.send(http::Response::text(letters(100 * 1024), 200, "application/json"));
  };
  startServer();
  OutboundRequest request;
  request.method = "GET";
  request.uri = "/_matrix/key/v2/server";
  request.maxResponseBytes = 10 * 1024;
  auto response = transport_.send(serverName(), request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message.find("too large"), std::string::npos)
      << response.error().message;
  // The same answer fits a larger limit.
  request.maxResponseBytes = 200 * 1024;
  EXPECT_TRUE(transport_.send(serverName(), request).ok());
}

TEST_F(OverlayFederationTest, UnresponsiveServerTimesOutAndTheHandlerSeesTheCancel) {
  std::promise<void> cancelled;
  std::vector<http::Responder> kept;
  handler_ = [&](http::Request, http::Responder responder) {
    responder.onCancel([&] { cancelled.set_value(); });
    kept.push_back(responder);  // never answered
  };
  startServer();
  OutboundRequest request;
  request.method = "GET";
  request.uri = "/_matrix/federation/v1/query/profile";
  request.timeoutMs = 300;
  const auto start = Clock::now();
  auto response = transport_.send(serverName(), request);
  const auto elapsed = Clock::now() - start;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message.find("timed out"), std::string::npos);
  EXPECT_GE(elapsed, milliseconds(300));
  EXPECT_LT(elapsed, milliseconds(1500));
  // The transport reset the stream, which cancels the request on the server.
  EXPECT_EQ(cancelled.get_future().wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(activeStreams(), 0u);
  loop_.runOnLoop([&] { kept.clear(); });
}

TEST_F(OverlayFederationTest, MalformedRequestGets400AndTheStreamIsFinished) {
  handler_ = [](http::Request, http::Responder responder) {
    responder.send(http::Response::text("{}"));
  };
  startServer();
  for (const std::string& garbage :
       {std::string("NOT AN HTTP REQUEST\r\n\r\n"),
        std::string("GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
        std::string("GET /x HTTP/1.1\r\nHost: a\r\n")}) {  // cut short by FIN
    RawOutcome out = rawExchange(garbage, true);
    EXPECT_TRUE(out.finished);
    EXPECT_EQ(out.bytes.rfind("HTTP/1.1 400 ", 0), 0u) << out.bytes;
    EXPECT_NE(out.bytes.find("Connection: close"), std::string::npos);
  }
  EXPECT_EQ(handlerCalls_, 0);
  EXPECT_EQ(serverCounters().malformed, 3u);
  EXPECT_EQ(activeStreams(), 0u);
}

TEST_F(OverlayFederationTest, MutatedRequestsAlwaysGetAnAnswer) {
  handler_ = [](http::Request, http::Responder responder) {
    responder.send(http::Response::text("{}", 200, "application/json"));
  };
  startServer();
  const std::string valid =
      "PUT /_matrix/federation/v1/send/t HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n"
      "Content-Type: application/json\r\n\r\n{}";
  std::mt19937 rng(11);
  for (int round = 0; round < 150; ++round) {
    std::string bytes = valid;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng() % bytes.size();
      switch (rng() % 4) {
        case 0:
          bytes[at] = static_cast<char>(rng());
          break;
        case 1:
          bytes.erase(at, 1 + rng() % 8);
          break;
        case 2:
          bytes = bytes.substr(0, at) + (rng() % 2 ? std::string("\r\n") : std::string(1, '\0')) +
                  bytes.substr(at);
          break;
        default:
          bytes.resize(at);
          break;
      }
      if (bytes.empty()) bytes.push_back('x');
    }
    RawOutcome out = rawExchange(bytes, true);
    ASSERT_TRUE(out.finished) << "round " << round;
    EXPECT_EQ(out.bytes.rfind("HTTP/1.1 ", 0), 0u) << "round " << round << ": " << out.bytes;
  }
  EXPECT_EQ(activeStreams(), 0u);
}

TEST_F(OverlayFederationTest, OversizedRequestBodyGets413) {
  handler_ = [](http::Request, http::Responder responder) {
    responder.send(http::Response::text("{}"));
  };
  OverlayFederationServerOptions options;
  options.limits.maxBodyBytes = 1024;
  startServer(options);
  OutboundRequest request;
  request.method = "PUT";
  request.uri = "/_matrix/federation/v1/send/big";
  request.body = letters(4096);
  auto response = transport_.send(serverName(), request);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(handlerCalls_, 0);
}

TEST_F(OverlayFederationTest, StalledRequestIsResetAtTheReadDeadline) {
  handler_ = [](http::Request, http::Responder responder) {
    responder.send(http::Response::text("{}"));
  };
  OverlayFederationServerOptions options;
  options.readTimeout = milliseconds(200);
  startServer(options);
  RawOutcome out = rawExchange("GET /_matrix/federation/v1/version HTTP/1.1\r\nHost: a\r\n", false);
  EXPECT_TRUE(out.reset);
  EXPECT_TRUE(out.bytes.empty());
  EXPECT_EQ(serverCounters().timedOut, 1u);
  EXPECT_EQ(activeStreams(), 0u);
  EXPECT_EQ(handlerCalls_, 0);
}

TEST_F(OverlayFederationTest, HandlerMayAnswerLaterFromAnotherThread) {
  std::promise<http::Responder> pending;
  handler_ = [&](http::Request, http::Responder responder) { pending.set_value(responder); };
  startServer();
  OutboundRequest request;
  request.method = "GET";
  request.uri = "/_matrix/federation/v1/event/x";
  auto call =
      std::async(std::launch::async, [&] { return transport_.send(serverName(), request); });
  auto responder = pending.get_future();
  ASSERT_EQ(responder.wait_for(kWait), std::future_status::ready);
  EXPECT_TRUE(
      responder.get().send(http::Response::text(R"({"late":true})", 200, "application/json")));
  ASSERT_EQ(call.wait_for(kWait), std::future_status::ready);
  auto response = call.get();
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->body, R"({"late":true})");
}

TEST_F(OverlayFederationTest, StreamsOverTheBoundAreResetAndTheCallerFailsFast) {
  std::promise<http::Responder> pending;
  std::atomic<int> calls{0};
  handler_ = [&](http::Request, http::Responder responder) {
    if (calls++ == 0) {
      pending.set_value(responder);
    } else {
      responder.send(http::Response::text("{}", 200, "application/json"));
    }
  };
  OverlayFederationServerOptions options;
  options.maxConcurrentStreams = 1;
  startServer(options);
  OutboundRequest request;
  request.method = "GET";
  request.uri = "/_matrix/federation/v1/version";
  request.timeoutMs = 5'000;
  auto first =
      std::async(std::launch::async, [&] { return transport_.send(serverName(), request); });
  auto responder = pending.get_future();
  ASSERT_EQ(responder.wait_for(kWait), std::future_status::ready);

  const auto start = Clock::now();
  auto second = transport_.send(serverName(), request);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("reset"), std::string::npos) << second.error().message;
  EXPECT_LT(Clock::now() - start, milliseconds(2'000));
  EXPECT_EQ(serverCounters().refusedBusy, 1u);

  responder.get().send(http::Response::text("{}", 200, "application/json"));
  ASSERT_EQ(first.wait_for(kWait), std::future_status::ready);
  EXPECT_TRUE(first.get().ok());
  EXPECT_TRUE(transport_.send(serverName(), request).ok());  // room again
}

TEST_F(OverlayFederationTest, ManyThreadsSendAtOnce) {
  handler_ = [](http::Request request, http::Responder responder) {
    responder.send(http::Response::text(request.target, 200, "text/plain"));
  };
  startServer();
  constexpr int kThreads = 4;
  constexpr int kEach = 5;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        OutboundRequest request;
        request.method = "GET";
        request.uri = "/_matrix/federation/v1/state/" + std::to_string(t) + "_" + std::to_string(i);
        auto response = transport_.send(serverName(), request);
        if (response.ok() && response->status == 200 && response->body == request.uri) ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok, kThreads * kEach);
  EXPECT_EQ(handlerCalls_, kThreads * kEach);
}

TEST_F(OverlayFederationTest, DestinationsThatAreNotKeyNamedAreUnavailable) {
  handler_ = [](http::Request, http::Responder responder) {
    responder.send(http::Response::text("{}"));
  };
  startServer();
  OutboundRequest request;
  request.method = "GET";
  request.uri = "/_matrix/federation/v1/version";
  std::string upper = serverName();
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& destination :
       {std::string("example.org"), serverName() + ":8448", upper, std::string()}) {
    auto response = transport_.send(destination, request);
    ASSERT_FALSE(response.ok()) << destination;
    EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(response.error().message.find("not a key-named server"), std::string::npos);
  }
  EXPECT_EQ(handlerCalls_, 0);
}

TEST_F(OverlayFederationTest, RequestsThatCannotGoOnTheWireAreUnavailable) {
  startServer();
  OutboundRequest request;
  request.method = "GET";
  request.uri = "/_matrix/federation/v1/version";
  request.headers = {{"X-Evil", "a\r\nInjected: yes"}};
  EXPECT_FALSE(transport_.send(serverName(), request).ok());
  request.headers = {};
  request.uri = "/with space";
  EXPECT_FALSE(transport_.send(serverName(), request).ok());
  request.uri = "/ok";
  request.method = "G ET";
  EXPECT_FALSE(transport_.send(serverName(), request).ok());
  EXPECT_EQ(handlerCalls_, 0);
}

TEST_F(OverlayFederationTest, SendOnTheOverlayThreadIsRefused) {
  startServer();
  OutboundRequest request;
  request.method = "GET";
  request.uri = "/_matrix/federation/v1/version";
  std::optional<Result<federation::OutboundResponse>> result;
  loop_.runOnLoop([&] { result = transport_.send(serverName(), request); });
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(result->error().code, ErrorCode::kUnavailable);
  EXPECT_NE(result->error().message.find("overlay thread"), std::string::npos);
}

TEST_F(OverlayFederationTest, ThrowingHandlerAnswers500) {
  handler_ = [](http::Request, http::Responder) { throw std::runtime_error("boom"); };
  startServer();
  OutboundRequest request;
  request.method = "GET";
  request.uri = "/_matrix/federation/v1/version";
  auto response = transport_.send(serverName(), request);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 500);
}

}  // namespace
}  // namespace plexus::federation_overlay
