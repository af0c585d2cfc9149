// DnsResolver: the DNS questions server discovery asks (SRV records, AAAA/A addresses), as an
// interface so discovery is testable without a network. StaticDnsResolver answers from a fixed
// map (the "resolver override" tests and test networks use), optionally falling back to another
// resolver for names it does not know.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/result.h"

namespace plexus::federation {

struct IpAddress {
  std::string text;  // "192.0.2.1" or "2001:db8::1", no brackets
  bool ipv6 = false;

  // Parses a bare IPv4 or IPv6 address (no brackets, no port, no zone); nullopt otherwise.
  static std::optional<IpAddress> parse(std::string_view text);
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

struct SrvRecord {
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  std::string target;  // without trailing dot; "." means "service decidedly not available"

  friend bool operator==(const SrvRecord&, const SrvRecord&) = default;
};

class DnsResolver {
 public:
  virtual ~DnsResolver() = default;

  // SRV records of `name` (e.g. "_matrix-fed._tcp.example.org"). An empty vector means no such
  // records (NXDOMAIN or no data). Errors: kUnavailable on a resolver failure. May block; safe to
  // call from several threads.
  virtual Result<std::vector<SrvRecord>> lookupSrv(const std::string& name) = 0;

  // AAAA and A addresses of `host`, in the order to try. Empty means none. Errors: kUnavailable.
  // Same threading as lookupSrv.
  virtual Result<std::vector<IpAddress>> lookupAddresses(const std::string& host) = 0;
};

// Lower-case, without a trailing dot: DNS names compare case-insensitively.
std::string normalizeDnsName(std::string_view name);

class StaticDnsResolver : public DnsResolver {
 public:
  // `fallback` (may be null, must outlive this) answers names missing from the maps; without it
  // they have no records.
  explicit StaticDnsResolver(DnsResolver* fallback = nullptr) : fallback_(fallback) {}

  void addAddress(std::string_view host, IpAddress address);
  void addSrv(std::string_view name, SrvRecord record);

  // DnsResolver
  Result<std::vector<SrvRecord>> lookupSrv(const std::string& name) override;
  Result<std::vector<IpAddress>> lookupAddresses(const std::string& host) override;

 private:
  std::map<std::string, std::vector<IpAddress>> addresses_;
  std::map<std::string, std::vector<SrvRecord>> srv_;
  DnsResolver* fallback_;
};

// The system resolver: SRV through libresolv (res_nquery with a per-call resolver state, so it
// is thread-safe), addresses through getaddrinfo (RFC 6724 order, /etc/hosts honoured).
class SystemDnsResolver : public DnsResolver {
 public:
  // DnsResolver
  Result<std::vector<SrvRecord>> lookupSrv(const std::string& name) override;
  Result<std::vector<IpAddress>> lookupAddresses(const std::string& host) override;
};

}  // namespace plexus::federation
