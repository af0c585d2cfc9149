// Loopback cost of one keep-alive request/response through Server and Client with a small JSON
// handler. With `--serve=SECONDS` it instead serves GET /json on a free port (printed) for that
// long, for external load tools: `wrk -t2 -c100 -d10s http://127.0.0.1:PORT/json`.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "plexus/http/client.h"
#include "plexus/http/router.h"
#include "plexus/http/server.h"

namespace {

using namespace plexus;

http::Handler jsonHandler() {
  http::Router router;
  router.addSync("GET", "/json", [](const http::Request&) {
    return http::Response::json(json::Object{{"next_batch", json::Value("s72594_4483_1934")},
                                             {"rooms", json::Value(json::Object{})}});
  });
  return std::move(router).toHandler();
}

void BM_KeepAliveJsonRoundTrip(benchmark::State& state) {
  http::Server server(http::ServerOptions{}, jsonHandler());
  if (!server.start().ok()) {
    state.SkipWithError("cannot start server");
    return;
  }
  http::Client client("127.0.0.1", server.port());
  for (auto _ : state) {
    auto r = client.get("/json");
    if (!r.ok() || r->status != 200) {
      state.SkipWithError("request failed");
      break;
    }
    benchmark::DoNotOptimize(r->body.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_KeepAliveJsonRoundTrip)->UseRealTime();

int serve(int seconds) {
  http::Server server(http::ServerOptions{}, jsonHandler());
  if (!server.start().ok()) return 1;
  std::printf("listening on 127.0.0.1:%u\n", static_cast<unsigned>(server.port()));
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  server.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--serve=", 8) == 0) return serve(std::atoi(argv[i] + 8));
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
