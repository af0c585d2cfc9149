// Secrets of the account-sync service: random access/refresh tokens and device IDs, the
// token hashes that are all storage ever sees, and argon2id password hashes (libsodium).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "plexus/core/result.h"

namespace plexus::accountsync {

// 32 random bytes, URL-safe unpadded base64 (43 characters).
std::string newToken();
// SHA-256 of the token, standard base64: the key under which a token is stored.
std::string tokenHash(std::string_view token);
// 10 random upper-case letters.
std::string newDeviceId();
// 12 random lower-case letters and digits, starting with a letter (never all digits, which
// are reserved for guests).
std::string newLocalpart();
// A random decimal number for guest accounts (SPEC-like: numeric IDs are guests').
std::string newGuestLocalpart();

// crypto_pwhash_str with the given limits. Errors: kInternal when out of memory.
Result<std::string> hashPassword(std::string_view password, std::uint64_t opsLimit,
                                 std::size_t memLimit);
// Constant-time check of a password against a crypto_pwhash_str hash; false for garbage.
bool verifyPassword(std::string_view password, const std::string& hash);

}  // namespace plexus::accountsync
