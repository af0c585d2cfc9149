// SHA-256 (libsodium), the hash behind content hashes, reference hashes and event IDs.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace plexus::crypto {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest sha256(std::string_view data);

// The digest as a 32-byte string, convenient for base64 encoding.
std::string sha256Bytes(std::string_view data);

}  // namespace plexus::crypto
