// SHA-256 through libsodium.
#include "plexus/crypto/sha256.h"

#include <sodium.h>

namespace plexus::crypto {

Sha256Digest sha256(std::string_view data) {
  Sha256Digest digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(data.data()),
                     data.size());
  return digest;
}

std::string sha256Bytes(std::string_view data) {
  Sha256Digest digest = sha256(data);
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

}  // namespace plexus::crypto
