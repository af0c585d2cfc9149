// The system DnsResolver: libresolv for SRV (glibc's getaddrinfo cannot ask for SRV) and
// getaddrinfo for AAAA/A.
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <memory>

#include "plexus/federation/dns_resolver.h"

namespace plexus::federation {
namespace {

constexpr int kAnswerBufferSize = 65536;

Unexpected dnsError(const std::string& name, std::string why) {
  return fail(ErrorCode::kUnavailable, "DNS lookup of " + name + " failed: " + std::move(why));
}

// A resolver state per call: res_nquery on a private state is thread-safe.
struct ResolverState {
  struct __res_state state;
  bool ok = false;
  ResolverState() {
    std::memset(&state, 0, sizeof(state));
    ok = res_ninit(&state) == 0;
  }
  ~ResolverState() {
    if (ok) res_nclose(&state);
  }
};

// True when inet_aton-style parsing (what getaddrinfo falls back to) accepts `host` although it
// is not a strict dotted-quad or IPv6 address.
bool isLegacyNumericForm(const std::string& host) {
  in_addr addr{};
  return inet_aton(host.c_str(), &addr) != 0;
}

}  // namespace

Result<std::vector<SrvRecord>> SystemDnsResolver::lookupSrv(const std::string& name) {
  auto resolver = std::make_unique<ResolverState>();
  if (!resolver->ok) return dnsError(name, "res_ninit failed");
  auto answer = std::make_unique<unsigned char[]>(kAnswerBufferSize);
  int len = res_nquery(&resolver->state, name.c_str(), ns_c_in, ns_t_srv, answer.get(),
                       kAnswerBufferSize);
  if (len < 0) {
    int err = resolver->state.res_h_errno;
    if (err == HOST_NOT_FOUND || err == NO_DATA) return std::vector<SrvRecord>{};
    return dnsError(name, "resolver error " + std::to_string(err));
  }
  ns_msg msg;
  if (ns_initparse(answer.get(), len, &msg) < 0) return dnsError(name, "unparsable answer");
  std::vector<SrvRecord> records;
  int count = ns_msg_count(msg, ns_s_an);
  for (int i = 0; i < count; ++i) {
    ns_rr rr;
    if (ns_parserr(&msg, ns_s_an, i, &rr) < 0) return dnsError(name, "unparsable record");
    if (ns_rr_type(rr) != ns_t_srv || ns_rr_rdlen(rr) < 7) continue;
    const unsigned char* rdata = ns_rr_rdata(rr);
    SrvRecord r;
    r.priority = ns_get16(rdata);
    r.weight = ns_get16(rdata + 2);
    r.port = ns_get16(rdata + 4);
    std::array<char, NS_MAXDNAME> target{};
    if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), rdata + 6, target.data(),
                  static_cast<int>(target.size())) < 0) {
      return dnsError(name, "unparsable SRV target");
    }
    // dn_expand writes the root as "" ; keep RFC 2782's "." for "not available".
    r.target = target[0] == '\0' ? "." : normalizeDnsName(target.data());
    records.push_back(std::move(r));
  }
  return records;
}

Result<std::vector<IpAddress>> SystemDnsResolver::lookupAddresses(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (IpAddress::parse(host)) {
    hints.ai_flags |= AI_NUMERICHOST;
  } else if (isLegacyNumericForm(host)) {
    // getaddrinfo would read "0x7f.1" or "2130706433" as an address without asking DNS.
    return std::vector<IpAddress>{};
  }
  addrinfo* list = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &list);
  if (rc == EAI_NONAME || rc == EAI_NODATA) return std::vector<IpAddress>{};
  if (rc != 0) return dnsError(host, gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(list, freeaddrinfo);
  std::vector<IpAddress> out;
  for (addrinfo* ai = list; ai; ai = ai->ai_next) {
    std::array<char, INET6_ADDRSTRLEN> text{};
    const void* src = nullptr;
    bool v6 = ai->ai_family == AF_INET6;
    if (v6) {
      src = &reinterpret_cast<const sockaddr_in6*>(ai->ai_addr)->sin6_addr;
    } else if (ai->ai_family == AF_INET) {
      src = &reinterpret_cast<const sockaddr_in*>(ai->ai_addr)->sin_addr;
    } else {
      continue;
    }
    if (!inet_ntop(ai->ai_family, src, text.data(), text.size())) continue;
    IpAddress a{text.data(), v6};
    bool seen = false;
    for (const auto& e : out) seen = seen || e == a;
    if (!seen) out.push_back(std::move(a));
  }
  return out;
}

}  // namespace plexus::federation
