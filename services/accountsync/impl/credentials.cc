// Token, device-ID and password-hash primitives over libsodium.
#include "accountsync/impl/credentials.h"

#include <sodium.h>

#include <cstdlib>

#include "plexus/crypto/base64.h"
#include "plexus/crypto/sha256.h"

namespace plexus::accountsync {
namespace {

// Unbiased random index below n (randombytes_uniform avoids modulo bias).
char pick(std::string_view alphabet) {
  return alphabet[randombytes_uniform(static_cast<std::uint32_t>(alphabet.size()))];
}

struct SodiumInit {
  SodiumInit() {
    // sodium_init is idempotent and thread-safe; failing means no entropy source.
    if (sodium_init() < 0) std::abort();
  }
};
void ensureSodium() { static SodiumInit init; }

}  // namespace

std::string newToken() {
  ensureSodium();
  std::string bytes(32, '\0');
  randombytes_buf(bytes.data(), bytes.size());
  return crypto::encodeBase64(bytes, crypto::Base64Alphabet::kUrlSafe);
}

std::string tokenHash(std::string_view token) {
  return crypto::encodeBase64(crypto::sha256Bytes(token));
}

std::string newDeviceId() {
  ensureSodium();
  std::string out;
  for (int i = 0; i < 10; ++i) out += pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  return out;
}

std::string newLocalpart() {
  ensureSodium();
  std::string out(1, pick("abcdefghijklmnopqrstuvwxyz"));
  for (int i = 0; i < 11; ++i) out += pick("abcdefghijklmnopqrstuvwxyz0123456789");
  return out;
}

std::string newGuestLocalpart() {
  ensureSodium();
  std::string out(1, pick("123456789"));
  for (int i = 0; i < 11; ++i) out += pick("0123456789");
  return out;
}

Result<std::string> hashPassword(std::string_view password, std::uint64_t opsLimit,
                                 std::size_t memLimit) {
  ensureSodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), opsLimit, memLimit) != 0) {
    return fail(ErrorCode::kInternal, "accountsync: password hashing failed (out of memory)");
  }
  return std::string(out);
}

bool verifyPassword(std::string_view password, const std::string& hash) {
  ensureSodium();
  if (hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace plexus::accountsync
