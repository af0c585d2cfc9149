// IpAddress parsing and the map-backed DnsResolver used by tests and test networks.
#include <arpa/inet.h>

#include <array>
#include <cctype>

#include "plexus/federation/dns_resolver.h"

namespace plexus::federation {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  std::string s(text);
  std::array<unsigned char, 16> buf{};
  if (inet_pton(AF_INET, s.c_str(), buf.data()) == 1) return IpAddress{s, false};
  if (inet_pton(AF_INET6, s.c_str(), buf.data()) == 1) return IpAddress{s, true};
  return std::nullopt;
}

std::string normalizeDnsName(std::string_view name) {
  std::string out(name);
  if (!out.empty() && out.back() == '.') out.pop_back();
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void StaticDnsResolver::addAddress(std::string_view host, IpAddress address) {
  addresses_[normalizeDnsName(host)].push_back(std::move(address));
}

void StaticDnsResolver::addSrv(std::string_view name, SrvRecord record) {
  srv_[normalizeDnsName(name)].push_back(std::move(record));
}

Result<std::vector<SrvRecord>> StaticDnsResolver::lookupSrv(const std::string& name) {
  auto it = srv_.find(normalizeDnsName(name));
  if (it != srv_.end()) return it->second;
  if (fallback_) return fallback_->lookupSrv(name);
  return std::vector<SrvRecord>{};
}

Result<std::vector<IpAddress>> StaticDnsResolver::lookupAddresses(const std::string& host) {
  auto it = addresses_.find(normalizeDnsName(host));
  if (it != addresses_.end()) return it->second;
  if (auto literal = IpAddress::parse(host)) return std::vector<IpAddress>{*literal};
  if (fallback_) return fallback_->lookupAddresses(host);
  return std::vector<IpAddress>{};
}

}  // namespace plexus::federation
