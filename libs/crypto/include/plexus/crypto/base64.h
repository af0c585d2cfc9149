// Unpadded base64 as Matrix uses it: the standard alphabet for keys, signatures and hashes, the
// URL-safe alphabet for event IDs of room version 4 and later. Decoders accept padding.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace plexus::crypto {

enum class Base64Alphabet { kStandard, kUrlSafe };

std::string encodeBase64(std::string_view bytes, Base64Alphabet alphabet = Base64Alphabet::kStandard);

// Decodes unpadded or padded base64 of the given alphabet; nullopt on any invalid character,
// impossible length or non-zero trailing bits.
std::optional<std::string> decodeBase64(std::string_view text,
                                        Base64Alphabet alphabet = Base64Alphabet::kStandard);

// Like decodeBase64 but ignores non-zero trailing bits. Only for trusted local material such as
// key seeds: the spec's own test seed ("...XA1") has non-zero trailing bits, and encoders that
// predate strict decoders produced such seeds. Never use it for data from the network.
std::optional<std::string> decodeBase64IgnoringTrailingBits(
    std::string_view text, Base64Alphabet alphabet = Base64Alphabet::kStandard);

}  // namespace plexus::crypto
