// Server name grammar (spec appendices, "Server Name"):
//   server_name = hostname [ ":" port ]        port = 1*5DIGIT
//   hostname    = IPv4address / "[" IPv6address "]" / dns-name
//   IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT   (each 0-255)
//   IPv6address = 2*45IPv6char, a valid RFC 3513 address
//   dns-name    = 1*255dns-char                dns-char = DIGIT / ALPHA / "-" / "."
// Key-named servers (64 lowercase hex digits) fit the dns-name rule; nothing here applies the
// 63-character DNS label limit, which they would break.
#include "plexus/federation/server_name.h"

#include <arpa/inet.h>
#include <sodium.h>

#include <array>

namespace plexus::federation {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isHex(char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

Unexpected invalid(std::string_view text, std::string_view why) {
  return fail(ErrorCode::kInvalidParam, "invalid server name '" + std::string(text.substr(0, 300)) +
                                            "': " + std::string(why));
}

// Four groups of 1-3 digits separated by dots; `inRange` tells whether every octet is <= 255.
bool looksLikeIpv4(std::string_view s, bool& inRange) {
  inRange = true;
  int groups = 0;
  std::size_t i = 0;
  while (true) {
    std::size_t start = i;
    int value = 0;
    while (i < s.size() && isDigit(s[i]) && i - start < 4) value = value * 10 + (s[i++] - '0');
    std::size_t digits = i - start;
    if (digits == 0 || digits > 3) return false;
    if (value > 255) inRange = false;
    ++groups;
    if (i == s.size()) break;
    if (s[i] != '.' || groups == 4) return false;
    ++i;
  }
  return groups == 4;
}

bool hasNumericLastLabel(std::string_view host) {
  std::size_t dot = host.rfind('.');
  std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (last.empty()) return false;
  for (char c : last) {
    if (!isDigit(c)) return false;
  }
  return true;
}

bool isValidIpv6(std::string_view s) {
  if (s.size() < 2 || s.size() > 45) return false;
  for (char c : s) {
    if (!isHex(c) && c != ':' && c != '.') return false;
  }
  std::array<unsigned char, 16> out{};
  return inet_pton(AF_INET6, std::string(s).c_str(), out.data()) == 1;
}

int hexValue(char c) {
  if (isDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // uppercase is another server name: names compare case-sensitively
}

// Whether `bytes` encode a usable ed25519 key (canonical, on the curve, prime order). That check
// costs about as much as a signature verification and the key ring makes it for every signature
// of a key-named server, so each thread remembers recent answers (a collision only recomputes).
bool isValidPoint(const std::array<unsigned char, crypto::PublicKey::kSize>& bytes) {
  struct Entry {
    std::array<unsigned char, crypto::PublicKey::kSize> bytes{};
    bool used = false;
    bool valid = false;
  };
  thread_local std::array<Entry, 64> recent{};
  Entry& entry = recent[(bytes[0] ^ bytes[31]) % recent.size()];
  if (entry.used && entry.bytes == bytes) return entry.valid;
  static const bool sodiumReady = sodium_init() >= 0;
  const bool valid = sodiumReady && crypto_core_ed25519_is_valid_point(bytes.data()) == 1;
  entry = Entry{bytes, true, valid};
  return valid;
}

}  // namespace

std::optional<crypto::PublicKey> keyNamedServerKey(std::string_view name) {
  if (name.size() != kKeyNamedServerLength) return std::nullopt;
  std::array<unsigned char, crypto::PublicKey::kSize> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    int hi = hexValue(name[2 * i]);
    int lo = hexValue(name[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    bytes[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  // 64 hex digits that are no usable verify key name nobody who could sign: such a name is left
  // an ordinary (unresolvable) DNS name.
  if (!isValidPoint(bytes)) return std::nullopt;
  return crypto::PublicKey::fromBytes(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

bool isKeyNamedServer(std::string_view name) { return keyNamedServerKey(name).has_value(); }

std::string keyNamedServerName(const crypto::PublicKey& key) { return key.toHex(); }

Result<ServerName> ServerName::parse(std::string_view text) {
  if (text.empty()) return invalid(text, "empty");
  ServerName name;
  std::size_t hostEnd = 0;  // index just past the hostname
  if (text[0] == '[') {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos) return invalid(text, "unterminated IPv6 literal");
    if (!isValidIpv6(text.substr(1, close - 1))) return invalid(text, "bad IPv6 literal");
    name.kind_ = HostKind::kIpv6;
    hostEnd = close + 1;
  } else {
    hostEnd = text.find(':');
    if (hostEnd == std::string_view::npos) hostEnd = text.size();
    std::string_view host = text.substr(0, hostEnd);
    if (host.empty()) return invalid(text, "empty hostname");
    for (char c : host) {
      if (!isDigit(c) && !isAlpha(c) && c != '-' && c != '.') {
        return invalid(text, "character outside the hostname grammar");
      }
    }
    bool inRange = true;
    if (hostEnd == text.size() && isKeyNamedServer(host)) {
      // A key-named server; checked first because 64 decimal digits would otherwise read as a
      // numeric name below.
      name.keyNamed_ = true;
    } else if (looksLikeIpv4(host, inRange)) {
      // The dotted-quad shape is an IPv4 literal; "999.1.1.1" is no usable DNS name either.
      if (!inRange) return invalid(text, "IPv4 octet over 255");
      name.kind_ = HostKind::kIpv4;
    } else if (host.size() > kMaxDnsNameLength) {
      return invalid(text, "DNS name longer than 255 characters");
    } else if (hasNumericLastLabel(host)) {
      // NOTSPEC: the grammar admits "1.2.3" as a dns-name, but no hostname ends in a numeric
      // label (RFC 1123 §2.1, RFC 3696 §2) and resolvers read such names as legacy IPv4 forms.
      return invalid(text, "numeric name that is not a dotted-quad IPv4 literal");
    }
  }
  if (hostEnd < text.size()) {
    if (text[hostEnd] != ':') return invalid(text, "junk after hostname");
    std::string_view port = text.substr(hostEnd + 1);
    if (port.empty() || port.size() > 5) return invalid(text, "port must be 1-5 digits");
    std::uint32_t value = 0;
    for (char c : port) {
      if (!isDigit(c)) return invalid(text, "port must be digits");
      value = value * 10 + static_cast<std::uint32_t>(c - '0');
    }
    // NOTSPEC: the grammar allows any 1-5 digits; 0 and values over 65535 name no TCP port.
    if (value == 0 || value > 65535) return invalid(text, "port out of range 1-65535");
    name.port_ = static_cast<std::uint16_t>(value);
  }
  name.text_ = std::string(text);
  name.hostLength_ = hostEnd;
  return name;
}

std::string_view ServerName::host() const {
  std::string_view literal = hostLiteral();
  if (kind_ == HostKind::kIpv6) return literal.substr(1, literal.size() - 2);
  return literal;
}

std::string_view ServerName::hostLiteral() const {
  return std::string_view(text_).substr(0, hostLength_);
}

std::string formatHostPort(std::string_view host, bool ipv6, std::optional<std::uint16_t> port) {
  std::string out;
  out.reserve(host.size() + 8);
  if (ipv6) out.push_back('[');
  out.append(host);
  if (ipv6) out.push_back(']');
  if (port) {
    out.push_back(':');
    out.append(std::to_string(*port));
  }
  return out;
}

}  // namespace plexus::federation
