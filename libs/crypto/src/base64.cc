// Unpadded base64 encoding and a strict decoder for both Matrix alphabets.
#include "plexus/crypto/base64.h"

#include <array>
#include <cstdint>

namespace plexus::crypto {
namespace {

constexpr std::string_view kStandardChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlSafeChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::uint8_t kInvalid = 0xFF;

using DecodeTable = std::array<std::uint8_t, 256>;

constexpr DecodeTable makeDecodeTable(std::string_view chars) {
  DecodeTable table{};
  for (auto& entry : table) entry = kInvalid;
  for (std::size_t i = 0; i < chars.size(); ++i) {
    table[static_cast<unsigned char>(chars[i])] = static_cast<std::uint8_t>(i);
  }
  return table;
}

constexpr DecodeTable kStandardTable = makeDecodeTable(kStandardChars);
constexpr DecodeTable kUrlSafeTable = makeDecodeTable(kUrlSafeChars);

}  // namespace

std::string encodeBase64(std::string_view bytes, Base64Alphabet alphabet) {
  std::string_view chars = alphabet == Base64Alphabet::kUrlSafe ? kUrlSafeChars : kStandardChars;
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::size_t i = 0;
  auto byteAt = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t n = (byteAt(i) << 16) | (byteAt(i + 1) << 8) | byteAt(i + 2);
    out.push_back(chars[(n >> 18) & 63]);
    out.push_back(chars[(n >> 12) & 63]);
    out.push_back(chars[(n >> 6) & 63]);
    out.push_back(chars[n & 63]);
  }
  std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    std::uint32_t n = byteAt(i) << 16;
    out.push_back(chars[(n >> 18) & 63]);
    out.push_back(chars[(n >> 12) & 63]);
  } else if (rest == 2) {
    std::uint32_t n = (byteAt(i) << 16) | (byteAt(i + 1) << 8);
    out.push_back(chars[(n >> 18) & 63]);
    out.push_back(chars[(n >> 12) & 63]);
    out.push_back(chars[(n >> 6) & 63]);
  }
  return out;
}

namespace {

std::optional<std::string> decode(std::string_view text, Base64Alphabet alphabet,
                                  bool requireZeroTrailingBits) {
  const DecodeTable& table = alphabet == Base64Alphabet::kUrlSafe ? kUrlSafeTable : kStandardTable;
  // Padding is optional, but when present it must complete the last quantum exactly.
  if (!text.empty() && text.back() == '=') {
    if (text.size() % 4 != 0) return std::nullopt;
    std::size_t pad = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
    text.remove_suffix(pad);
  }
  if (text.size() % 4 == 1) return std::nullopt;

  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    std::uint8_t v = table[static_cast<unsigned char>(c)];
    if (v == kInvalid) return std::nullopt;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  // Leftover bits (2 or 4) must be zero, so each byte string has exactly one encoding.
  if (requireZeroTrailingBits && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace

std::optional<std::string> decodeBase64(std::string_view text, Base64Alphabet alphabet) {
  return decode(text, alphabet, true);
}

std::optional<std::string> decodeBase64IgnoringTrailingBits(std::string_view text,
                                                            Base64Alphabet alphabet) {
  return decode(text, alphabet, false);
}

}  // namespace plexus::crypto
