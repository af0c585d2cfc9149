// Parse and canonical-encode cost for a realistic federation PDU: an m.room.message event of
// about 1 KB with non-ASCII text, signatures, hashes and unsigned data, as received in a
// /send transaction.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace {

// Pretty-printed the way many servers send it; keys deliberately not in canonical order.
constexpr std::string_view kPdu = R"({
  "type": "m.room.message",
  "room_id": "!OGEhHVWSdvArJzumhm:matrix.org",
  "sender": "@alice:example.org",
  "origin": "example.org",
  "origin_server_ts": 1732630000123,
  "depth": 128734,
  "content": {
    "msgtype": "m.text",
    "body": "Grüße aus Zürich! 今日は良い天気ですね。Привет всем 👋 — see https://example.org/ça?x=1&y=\"2\"",
    "format": "org.matrix.custom.html",
    "formatted_body": "<p>Grüße aus <b>Zürich</b>! 今日は良い天気ですね。Привет всем 👋</p>",
    "m.mentions": {"user_ids": ["@bob:example.com"]},
    "m.relates_to": {"m.in_reply_to": {"event_id": "$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg"}}
  },
  "prev_events": ["$E4u8dyBd2-QxNk0cBpr9k6KVkYVhhqi3hHRG8U8EAvE", "$kR9x1fEWmXD3GUuEqHjx5ZtXbF6Q7Wj8Vn2Hb0aTqYc"],
  "auth_events": [
    "$oa1kSbW1Zu5bq8w0ITgXyd7CdFSHJp4rbyJtBzE1kTs",
    "$Gf5yzm7S3M8wWAvnQvpr0pJN6sU1M4lyTx2CkmIxOTo",
    "$ZkmzR7nCqKl7cVd2i3d0Yq5qgw3zw9oCkR1ZVU_oJ0Q"
  ],
  "hashes": {"sha256": "1DFtB9a9d0Dv4ZSpNpBvV5YOs2QyRyVqhTaX8fSHI5k"},
  "signatures": {
    "example.org": {
      "ed25519:a_JaEG": "nGOBgL6xgwp3dqjk0QpL9ZYJqi4XJeEf+r9O1pNL/hXn2EvCn3Eb4pX0pUmvu1IvuHuNnD2m0ZQFpT5iUtWxAg"
    }
  },
  "unsigned": {"age_ts": 1732630000123, "transaction_id": "m1732630000123.42"}
})";

const plexus::json::Value& parsedPdu() {
  static const plexus::json::Value value = [] {
    auto parsed = plexus::json::parse(kPdu);
    if (!parsed.ok()) std::abort();
    return std::move(parsed).value();
  }();
  return value;
}

void BM_ParseStrict(benchmark::State& state) {
  for (auto _ : state) {
    auto value = plexus::json::parse(kPdu);
    benchmark::DoNotOptimize(value);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kPdu.size()));
}
BENCHMARK(BM_ParseStrict);

void BM_Canonical(benchmark::State& state) {
  const plexus::json::Value& value = parsedPdu();
  std::string out;
  for (auto _ : state) {
    out.clear();
    plexus::json::writeCanonical(value, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_Canonical);

void BM_ParseAndCanonical(benchmark::State& state) {
  for (auto _ : state) {
    auto canonical = plexus::json::canonicalize(kPdu);
    benchmark::DoNotOptimize(canonical);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kPdu.size()));
  state.counters["pdu_bytes"] = static_cast<double>(kPdu.size());
}
BENCHMARK(BM_ParseAndCanonical);

}  // namespace

BENCHMARK_MAIN();
