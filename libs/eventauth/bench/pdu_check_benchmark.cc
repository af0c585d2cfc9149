// The cost of the full receipt check of one federation PDU against the cost of its one ed25519
// verification. BM_FullPduCheck does what a server does with a PDU from /send: parse the text
// (event ID = reference hash computed inside), write its canonical bytes, check the signature and
// the content hash (checkEventIntegrity), and run the auth rules against a small state (create,
// power levels, join rules, the sender's membership). BM_VerifyOnly runs just the libsodium
// verification of the same signed bytes. Their ratio says how close the check is to the
// cryptographic floor (goal: >= 0.7, and >= 12,000 PDUs/s).
//
// Run: cmake --build <dir> --target plexus_pdu_check_benchmark && <dir>/bin/plexus_pdu_check_benchmark
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "plexus/crypto/base64.h"
#include "plexus/crypto/ed25519.h"
#include "plexus/crypto/json_signing.h"
#include "plexus/eventauth/event_auth.h"
#include "plexus/events/event_signing.h"
#include "plexus/events/pdu.h"
#include "plexus/events/redaction.h"
#include "plexus/events/room_version.h"
#include "plexus/json/canonical.h"

namespace {

using namespace plexus;

constexpr std::string_view kServer = "remote.example";
constexpr std::string_view kKeyId = "ed25519:a_bcDE";

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "pdu_check_benchmark setup failed: %s\n", what.c_str());
  std::abort();
}

// A room (version 10) whose state lets @alice:remote.example speak, and one message from her as
// it would arrive in a federation transaction.
struct Fixture {
  const events::RoomVersion& version = *events::findRoomVersion("10");
  crypto::SigningKey key = *crypto::SigningKey::fromSeed(std::string(32, '\x2a'));
  std::vector<events::Pdu> state;
  std::string pduText;
  std::string signedBytes;  // what the signature covers
  std::string signature;    // 64 raw bytes

  crypto::KeyLookup lookup() const {
    return [this](std::string_view server, std::string_view keyId) -> std::optional<crypto::PublicKey> {
      if (server == kServer && keyId == kKeyId) return key.publicKey();
      return std::nullopt;
    };
  }

  events::Pdu addState(std::string type, std::string stateKey, json::Object content,
                       std::vector<std::string> authIds, std::int64_t depth) {
    json::Array auth;
    for (auto& id : authIds) auth.emplace_back(id);
    json::Array prev;
    if (!state.empty()) prev.emplace_back(state.back().eventId());
    json::Object e{
        {"type", std::move(type)},
        {"state_key", std::move(stateKey)},
        {"room_id", "!room:remote.example"},
        {"sender", "@alice:remote.example"},
        {"origin_server_ts", std::int64_t{1700000000000} + depth},
        {"depth", depth},
        {"content", std::move(content)},
        {"prev_events", std::move(prev)},
        {"auth_events", std::move(auth)},
    };
    events::hashAndSignEvent(e, kServer, kKeyId, key, version);
    auto pdu = events::Pdu::fromJson(std::move(e), version);
    if (!pdu.ok()) die(pdu.error().message);
    state.push_back(*pdu);
    return *pdu;
  }

  Fixture() {
    std::string create = addState("m.room.create", "", json::Object{{"creator", "@alice:remote.example"}, {"room_version", "10"}}, {}, 1).eventId();
    std::string member = addState("m.room.member", "@alice:remote.example",
                                  json::Object{{"membership", "join"}, {"displayname", "Alice"}}, {create}, 2)
                             .eventId();
    std::string power =
        addState("m.room.power_levels", "",
                 json::Object{{"users", json::Object{{"@alice:remote.example", 100}}},
                              {"users_default", 0}, {"events_default", 0}, {"state_default", 50},
                              {"ban", 50}, {"kick", 50}, {"redact", 50}, {"invite", 0},
                              {"events", json::Object{{"m.room.name", 50}, {"m.room.power_levels", 100}}}},
                 {create, member}, 3)
            .eventId();
    std::string joinRules = addState("m.room.join_rules", "", json::Object{{"join_rule", "public"}},
                                     {create, member, power}, 4)
                                .eventId();

    std::string body(160, 'x');
    json::Object message{
        {"type", "m.room.message"},
        {"room_id", "!room:remote.example"},
        {"sender", "@alice:remote.example"},
        {"origin", "remote.example"},
        {"origin_server_ts", std::int64_t{1700000001234}},
        {"depth", 5},
        {"content", json::Object{{"msgtype", "m.text"}, {"body", body},
                                 {"format", "org.matrix.custom.html"},
                                 {"formatted_body", "<p>" + body + "</p>"}}},
        {"prev_events", json::Array{json::Value(joinRules)}},
        {"auth_events", json::Array{json::Value(create), json::Value(power), json::Value(member)}},
    };
    events::hashAndSignEvent(message, kServer, kKeyId, key, version);
    message.set("unsigned", json::Object{{"age_ts", std::int64_t{1700000001234}}});
    pduText = json::canonical(message);

    // Same bytes as the event signature covers: the redacted event without signatures/unsigned.
    signedBytes = crypto::signingBytes(events::redact(message, version));
    const json::Value* sig = message.find("signatures")->get(kServer)->get(kKeyId);
    signature = *crypto::decodeBase64(*sig->getString());
    if (!key.publicKey().verify(signedBytes, signature)) die("signed bytes do not verify");
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

void BM_FullPduCheck(benchmark::State& st) {
  const Fixture& f = fixture();
  std::vector<const events::Pdu*> stateEvents;
  for (const events::Pdu& p : f.state) stateEvents.push_back(&p);
  eventauth::AuthEventList authState(stateEvents);
  crypto::KeyLookup keys = f.lookup();
  for (auto _ : st) {
    auto pdu = events::Pdu::parse(f.pduText, f.version);
    if (!pdu.ok()) die(pdu.error().message);
    std::string canonical = pdu->canonicalJson();
    benchmark::DoNotOptimize(canonical.data());
    auto integrity = events::checkEventIntegrity(*pdu, keys);
    if (!integrity.ok() || integrity->redactionNeeded) die("integrity check failed");
    Status allowed = eventauth::checkAuth(*pdu, authState);
    if (!allowed.ok()) die(allowed.error().message);
    benchmark::DoNotOptimize(pdu->eventId().data());
  }
  st.SetItemsProcessed(st.iterations());
  st.counters["pdu_bytes"] = static_cast<double>(f.pduText.size());
}
BENCHMARK(BM_FullPduCheck);

void BM_VerifyOnly(benchmark::State& st) {
  const Fixture& f = fixture();
  const auto* msg = reinterpret_cast<const unsigned char*>(f.signedBytes.data());
  const auto* sig = reinterpret_cast<const unsigned char*>(f.signature.data());
  const auto* pk = reinterpret_cast<const unsigned char*>(f.key.publicKey().bytes().data());
  for (auto _ : st) {
    int rc = crypto_sign_verify_detached(sig, msg, f.signedBytes.size(), pk);
    if (rc != 0) die("verify failed");
    benchmark::DoNotOptimize(rc);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_VerifyOnly);

// The parts without the signature, to see where the non-crypto time goes.
void BM_ParseOnly(benchmark::State& st) {
  const Fixture& f = fixture();
  for (auto _ : st) {
    auto pdu = events::Pdu::parse(f.pduText, f.version);
    benchmark::DoNotOptimize(pdu.ok());
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_ParseOnly);

void BM_CanonicalOnly(benchmark::State& st) {
  const Fixture& f = fixture();
  auto pdu = events::Pdu::parse(f.pduText, f.version);
  for (auto _ : st) {
    std::string canonical = pdu->canonicalJson();
    benchmark::DoNotOptimize(canonical.data());
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_CanonicalOnly);

void BM_IntegrityOnly(benchmark::State& st) {
  const Fixture& f = fixture();
  auto pdu = events::Pdu::parse(f.pduText, f.version);
  crypto::KeyLookup keys = f.lookup();
  for (auto _ : st) {
    auto integrity = events::checkEventIntegrity(*pdu, keys);
    benchmark::DoNotOptimize(integrity.ok());
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_IntegrityOnly);

void BM_AuthOnly(benchmark::State& st) {
  const Fixture& f = fixture();
  auto pdu = events::Pdu::parse(f.pduText, f.version);
  std::vector<const events::Pdu*> stateEvents;
  for (const events::Pdu& p : f.state) stateEvents.push_back(&p);
  eventauth::AuthEventList authState(stateEvents);
  for (auto _ : st) {
    Status allowed = eventauth::checkAuth(*pdu, authState);
    benchmark::DoNotOptimize(allowed.ok());
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_AuthOnly);

void BM_Sha256OfPdu(benchmark::State& st) {
  const Fixture& f = fixture();
  unsigned char out[crypto_hash_sha256_BYTES];
  for (auto _ : st) {
    crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(f.pduText.data()), f.pduText.size());
    benchmark::DoNotOptimize(out);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Sha256OfPdu);

}  // namespace

BENCHMARK_MAIN();
