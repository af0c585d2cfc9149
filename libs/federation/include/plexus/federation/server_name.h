// ServerName: a homeserver's name as the appendix grammar defines it, `hostname[:port]` where the
// hostname is a DNS name, a dotted-quad IPv4 literal or a bracketed IPv6 literal. Parsed once into
// a value type so discovery, X-Matrix and key code never re-split strings. Server names compare
// case-sensitively (spec: "Server names must be treated case-sensitively").
// Also the key-named servers of DESIGN.md §4: a client-side node's name is the lowercase hex of
// its ed25519 public key, so the name certifies its own signing key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "plexus/core/result.h"
#include "plexus/crypto/ed25519.h"

namespace plexus::federation {

enum class HostKind : std::uint8_t { kDnsName, kIpv4, kIpv6 };

class ServerName {
 public:
  // Longest DNS name the grammar allows (dns-name = 1*255dns-char).
  static constexpr std::size_t kMaxDnsNameLength = 255;

  // Parses `hostname [ ":" port ]`. Errors (kInvalidParam): empty input, characters outside the
  // grammar, a DNS name over 255 characters, an IPv4 literal with an octet over 255, an IPv6
  // literal that is not an RFC 3513 address, a port that is not 1-5 digits or outside 1-65535.
  static Result<ServerName> parse(std::string_view text);

  // True when `text` parses.
  static bool isValid(std::string_view text) { return parse(text).ok(); }

  // The name exactly as given, e.g. "example.org:8448" or "[::1]:8448".
  const std::string& str() const { return text_; }
  HostKind kind() const { return kind_; }
  bool isIpLiteral() const { return kind_ != HostKind::kDnsName; }
  // isKeyNamedServer(str()): reached through the overlay, never through DNS.
  bool isKeyNamed() const { return keyNamed_; }
  // The hostname without port; IPv6 literals without their brackets ("::1").
  std::string_view host() const;
  // The hostname as written in a server name or Host header: IPv6 literals keep their brackets.
  std::string_view hostLiteral() const;
  std::optional<std::uint16_t> port() const { return port_; }

  friend bool operator==(const ServerName& a, const ServerName& b) { return a.text_ == b.text_; }
  friend auto operator<=>(const ServerName& a, const ServerName& b) { return a.text_ <=> b.text_; }

 private:
  ServerName() = default;

  std::string text_;
  std::size_t hostLength_ = 0;  // length of hostLiteral() within text_
  HostKind kind_ = HostKind::kDnsName;
  bool keyNamed_ = false;
  std::optional<std::uint16_t> port_;
};

// Length of a key-named server name: 64 lowercase hex digits, 32 bytes of ed25519 public key.
inline constexpr std::size_t kKeyNamedServerLength = 2 * crypto::PublicKey::kSize;

// True when `name` is a key-named server (DESIGN.md §4): exactly 64 lowercase hex digits, no
// port, decoding to a valid ed25519 point (on the curve, canonical, not of small order). Such a
// name is also a valid ServerName (a one-label DNS name); no DNS lookup is ever made for it.
bool isKeyNamedServer(std::string_view name);

// The public key a key-named server's name encodes; nullopt when isKeyNamedServer(name) is false.
// Every ed25519 signing key of that server is this key.
std::optional<crypto::PublicKey> keyNamedServerKey(std::string_view name);

// The key-named server name of `key`: its lowercase hex.
std::string keyNamedServerName(const crypto::PublicKey& key);

// Formats host and port for a Host header or a server name: IPv6 hosts get brackets, and the port
// is appended when present. `host` is bare (no brackets).
std::string formatHostPort(std::string_view host, bool ipv6, std::optional<std::uint16_t> port);

}  // namespace plexus::federation
