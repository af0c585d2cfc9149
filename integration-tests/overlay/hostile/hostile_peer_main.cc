// overlay_hostile_peer: a misbehaving overlay peer for process-level bad-input tests of a running
// node (issue 6; driven by integration-tests/overlay/hostile_test.py). It links the real overlay
// code, so it can complete a valid link handshake and then misbehave:
//
//   overlay_hostile_peer --target 127.0.0.1:PORT --target-key HEX --attack NAME
//                        [--slowloris-wait-ms MS]
//
// runs one attack (attacks.h lists them) and prints one JSON line with what it observed, e.g.
// {"attack":"replay","handshake":true,"disconnected":true,"after_ms":3,"close_code":1,...}.
// Exit 0 when the attack ran (whatever the node did), 1 when it could not run, 2 on bad usage.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "attacks.h"

namespace {

using plexus::hostile::Observation;

int usage(const std::string& why) {
  std::fprintf(stderr,
               "overlay_hostile_peer: %s\nusage: overlay_hostile_peer --target HOST:PORT "
               "--target-key HEX --attack NAME [--slowloris-wait-ms MS]\nattacks:",
               why.c_str());
  for (const auto& name : plexus::hostile::attackNames()) std::fprintf(stderr, " %s", name.c_str());
  std::fprintf(stderr, "\n");
  return 2;
}

std::optional<std::string> fromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]);
    const int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string jsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string toJson(const Observation& o) {
  const auto flag = [](bool b) { return b ? "true" : "false"; };
  return "{\"attack\":" + jsonString(o.attack) + ",\"handshake\":" + flag(o.handshake) +
         ",\"disconnected\":" + flag(o.disconnected) +
         ",\"after_ms\":" + std::to_string(o.afterMs) +
         ",\"close_code\":" + std::to_string(o.closeCode) +
         ",\"frames_sent\":" + std::to_string(o.framesSent) +
         ",\"rounds\":" + std::to_string(o.rounds) +
         ",\"attacker_key\":" + jsonString(o.attackerKey) + ",\"note\":" + jsonString(o.note) + "}";
}

}  // namespace

int main(int argc, char** argv) {
  std::string target, keyHex, attack;
  int slowlorisWaitMs = 13000;  // the node's 10 s handshake deadline plus a margin
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return usage("missing value for " + arg);
    const std::string value = argv[++i];
    if (arg == "--target") {
      target = value;
    } else if (arg == "--target-key") {
      keyHex = value;
    } else if (arg == "--attack") {
      attack = value;
    } else if (arg == "--slowloris-wait-ms") {
      slowlorisWaitMs = std::atoi(value.c_str());
    } else {
      return usage("unknown flag " + arg);
    }
  }
  const auto colon = target.rfind(':');
  if (colon == std::string::npos) return usage("--target must be HOST:PORT");
  const int port = std::atoi(target.c_str() + colon + 1);
  if (port <= 0 || port > 65535) return usage("bad port in --target");
  auto keyBytes = fromHex(keyHex);
  auto key = keyBytes ? plexus::crypto::PublicKey::fromBytes(*keyBytes) : std::nullopt;
  if (!key) return usage("--target-key must be the node's 64-hex-digit ed25519 key");
  if (slowlorisWaitMs <= 0 || slowlorisWaitMs > 60000) return usage("bad --slowloris-wait-ms");

  plexus::hostile::Target t{target.substr(0, colon), static_cast<std::uint16_t>(port), *key};
  auto observed = plexus::hostile::runAttack(attack, t, slowlorisWaitMs);
  if (!observed.ok()) {
    std::printf("{\"attack\":%s,\"error\":%s}\n", jsonString(attack).c_str(),
                jsonString(observed.error().message).c_str());
    return observed.error().code == plexus::ErrorCode::kInvalidParam ? 2 : 1;
  }
  std::printf("%s\n", toJson(*observed).c_str());
  return 0;
}
