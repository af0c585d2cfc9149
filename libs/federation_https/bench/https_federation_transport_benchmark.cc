// Loopback cost of federation requests over HttpsFederationTransport: a signed PUT of a small
// transaction through FederationRequester (X-Matrix signing, canonical JSON, TLS, parsing the
// answer) and a bare GET, both on one kept-alive TLS connection to an in-process server with a
// test CA. Wall time per iteration is the request latency; items/s the request rate.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "plexus/federation/federation_requester.h"
#include "plexus/federation_https/https_federation_transport.h"
#include "plexus/http/router.h"
#include "plexus/http/server.h"
#include "plexus/http/testing/test_certificates.h"

namespace {

using namespace plexus;

class NoWellKnown : public federation::WellKnownFetcher {
 public:
  federation::WellKnownResponse fetch(const std::string&) override { return {}; }
};

// A TLS server for "remote.test" and a transport pointed at it.
struct Loopback {
  Loopback() {
    dir = std::filesystem::temp_directory_path() /
          ("plexus-fedhttps-bench-" + std::to_string(::getpid()));
    auto created = http::testing::TestCertificateAuthority::create(dir);
    if (!created) return;
    ca = std::make_unique<http::testing::TestCertificateAuthority>(std::move(*created));
    http::testing::CertificateSpec spec;
    spec.names = {"remote.test"};
    auto cert = ca->issue("remote", spec);
    if (!cert) return;
    http::Router router;
    router.addSync("PUT", "/_matrix/federation/v1/send/{txn}", [](const http::Request&) {
      return http::Response::json(json::Object{{"pdus", json::Object{}}});
    });
    router.addSync("GET", "/_matrix/federation/v1/version", [](const http::Request&) {
      return http::Response::json(
          json::Object{{"server", json::Object{{"name", "bench"}, {"version", "1"}}}});
    });
    http::ServerOptions options;
    options.tls = http::ServerTlsOptions{cert->chain.string(), cert->key.string()};
    server = std::make_unique<http::Server>(options, std::move(router).toHandler());
    if (!server->start().ok()) return;
    federation_https::HttpsFederationTransportOptions transportOptions;
    transportOptions.tls.caFile = ca->caFile().string();
    transportOptions.resolveOverrides["remote.test"] =
        "127.0.0.1:" + std::to_string(server->port());
    transport = std::make_unique<federation_https::HttpsFederationTransport>(dns, wellKnown,
                                                                             transportOptions);
    ready = true;
  }
  ~Loopback() {
    transport.reset();
    if (server) server->stop();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  std::filesystem::path dir;
  std::unique_ptr<http::testing::TestCertificateAuthority> ca;
  std::unique_ptr<http::Server> server;
  federation::StaticDnsResolver dns;
  NoWellKnown wellKnown;
  std::unique_ptr<federation_https::HttpsFederationTransport> transport;
  bool ready = false;
};

void BM_SignedPutTransaction(benchmark::State& state) {
  Loopback loopback;
  if (!loopback.ready) {
    state.SkipWithError("cannot start the TLS server");
    return;
  }
  crypto::SigningKey key = crypto::SigningKey::generate();
  federation::FederationRequester requester(*loopback.transport, "origin.test", [&] {
    return federation::RequestSigningKey{"ed25519:bench", key};
  });
  json::Value pdu =
      json::Object{{"type", "m.room.message"},
                   {"room_id", "!room:origin.test"},
                   {"sender", "@alice:origin.test"},
                   {"content", json::Object{{"body", "hello"}, {"msgtype", "m.text"}}},
                   {"depth", 12},
                   {"origin_server_ts", 1700000000000}};
  json::Value body = json::Object{
      {"origin", "origin.test"}, {"origin_server_ts", 1700000000000}, {"pdus", json::Array{pdu}}};
  std::int64_t txn = 0;
  for (auto _ : state) {
    auto answer = requester.request("remote.test", "PUT",
                                    "/_matrix/federation/v1/send/" + std::to_string(++txn), &body);
    if (!answer) {
      state.SkipWithError(answer.error().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(answer->type());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SignedPutTransaction)->UseRealTime();

void BM_TransportGet(benchmark::State& state) {
  Loopback loopback;
  if (!loopback.ready) {
    state.SkipWithError("cannot start the TLS server");
    return;
  }
  federation::OutboundRequest request;
  request.method = "GET";
  request.uri = "/_matrix/federation/v1/version";
  for (auto _ : state) {
    auto response = loopback.transport->send("remote.test", request);
    if (!response || response->status != 200) {
      state.SkipWithError("request failed");
      break;
    }
    benchmark::DoNotOptimize(response->body.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TransportGet)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
