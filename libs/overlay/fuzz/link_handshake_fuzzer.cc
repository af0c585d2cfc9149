// Fuzzes a responder LinkHandshake, the first code that touches bytes from a new TCP peer.
// Input:
//   byte 0: chunk size - 1 (bytes arrive in TCP-like chunks of this size)
//   byte 1: mode; bit 0 set: a genuine initiator hello goes first, so the fuzzer reaches the
//           proof check; otherwise the rest is the whole peer input.
// Invariants: never crash or over-read; a completed handshake only with a valid proof (which
// the fuzzer cannot forge), and never more than hello + proof consumed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "plexus/overlay/link_handshake.h"

namespace {

using plexus::crypto::SigningKey;
using plexus::overlay::LinkHandshake;
using plexus::overlay::LinkKey;
using plexus::overlay::LinkRole;

SigningKey keyFromByte(char fill) { return *SigningKey::fromSeed(std::string(32, fill)); }

LinkKey ephemeral(std::uint8_t fill) {
  LinkKey key{};
  key.fill(fill);
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const SigningKey responderKey = keyFromByte('r');
  static const SigningKey initiatorKey = keyFromByte('i');
  if (size < 2) return 0;
  const std::size_t chunk = static_cast<std::size_t>(data[0]) + 1;
  const bool withHello = (data[1] & 1) != 0;
  std::string input;
  if (withHello) {
    LinkHandshake initiator(LinkRole::kInitiator, initiatorKey, std::nullopt, ephemeral(0x11));
    input = initiator.takeOutput();
  }
  input.append(reinterpret_cast<const char*>(data + 2), size - 2);

  LinkHandshake responder(LinkRole::kResponder, responderKey, std::nullopt, ephemeral(0x22));
  std::size_t consumed = 0;
  std::string_view rest(input);
  while (!rest.empty()) {
    const std::size_t n = std::min(chunk, rest.size());
    const std::size_t taken = responder.consume(rest.substr(0, n));
    if (taken > n) std::abort();
    consumed += taken;
    rest.remove_prefix(n);
    (void)responder.takeOutput();
    if (responder.failed() || responder.done()) break;
  }
  if (consumed > plexus::overlay::kLinkHelloSize + plexus::overlay::kLinkProofSize) std::abort();
  // Completing needs a signature by the key named in the peer's hello over a transcript that
  // includes our fresh hello; the fuzzer cannot forge one, so done() means a check is broken.
  if (responder.done()) std::abort();
  return 0;
}
