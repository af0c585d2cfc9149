// Keys shared by the federation tests: the signing key the spec's appendices use in their
// signing examples (seed "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1", id "ed25519:1") and
// deterministic extra keys.
#pragma once

#include <string>

#include "plexus/crypto/base64.h"
#include "plexus/crypto/ed25519.h"

namespace plexus::federation::testkeys {

inline crypto::SigningKey specKey() {
  auto seed =
      crypto::decodeBase64IgnoringTrailingBits("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1");
  return *crypto::SigningKey::fromSeed(*seed);
}

// A key from a fixed seed of 32 copies of `fill`.
inline crypto::SigningKey keyFrom(char fill) {
  return *crypto::SigningKey::fromSeed(std::string(32, fill));
}

}  // namespace plexus::federation::testkeys
