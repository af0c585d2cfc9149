// IP address parsing, the static (override) resolver and the system resolver on numeric hosts
// only (no DNS traffic in unit tests).
#include "plexus/federation/dns_resolver.h"

#include <gtest/gtest.h>

namespace plexus::federation {
namespace {

TEST(IpAddressTest, ParsesBareAddressesOnly) {
  EXPECT_EQ(IpAddress::parse("192.0.2.1"), (IpAddress{"192.0.2.1", false}));
  EXPECT_EQ(IpAddress::parse("::1"), (IpAddress{"::1", true}));
  EXPECT_FALSE(IpAddress::parse("[::1]"));
  EXPECT_FALSE(IpAddress::parse("192.0.2.1:80"));
  EXPECT_FALSE(IpAddress::parse("example.org"));
  EXPECT_FALSE(IpAddress::parse("fe80::1%eth0"));
  EXPECT_FALSE(IpAddress::parse(""));
}

TEST(StaticDnsResolverTest, AnswersFromItsMapsCaseInsensitively) {
  StaticDnsResolver dns;
  dns.addAddress("Example.ORG.", *IpAddress::parse("192.0.2.1"));
  dns.addSrv("_matrix-fed._tcp.example.org", {1, 2, 3, "t.org"});
  EXPECT_EQ(dns.lookupAddresses("example.org")->size(), 1u);
  EXPECT_EQ(dns.lookupAddresses("EXAMPLE.org.")->size(), 1u);
  EXPECT_EQ(dns.lookupSrv("_MATRIX-FED._tcp.example.org")->front(), (SrvRecord{1, 2, 3, "t.org"}));
  EXPECT_TRUE(dns.lookupSrv("_matrix._tcp.example.org")->empty());
  EXPECT_TRUE(dns.lookupAddresses("other.org")->empty());
}

TEST(StaticDnsResolverTest, IpLiteralsResolveToThemselves) {
  StaticDnsResolver dns;
  EXPECT_EQ(*dns.lookupAddresses("2001:db8::1"), (std::vector<IpAddress>{{"2001:db8::1", true}}));
}

TEST(StaticDnsResolverTest, UnknownNamesGoToTheFallback) {
  StaticDnsResolver inner;
  inner.addAddress("inner.org", *IpAddress::parse("192.0.2.9"));
  StaticDnsResolver outer(&inner);
  outer.addAddress("outer.org", *IpAddress::parse("192.0.2.8"));
  EXPECT_EQ(outer.lookupAddresses("inner.org")->front().text, "192.0.2.9");
  EXPECT_EQ(outer.lookupAddresses("outer.org")->front().text, "192.0.2.8");
}

TEST(SystemDnsResolverTest, NumericHostsResolveWithoutDns) {
  SystemDnsResolver dns;
  auto v4 = dns.lookupAddresses("127.0.0.1");
  ASSERT_TRUE(v4) << v4.error().message;
  EXPECT_EQ(*v4, (std::vector<IpAddress>{{"127.0.0.1", false}}));
  auto v6 = dns.lookupAddresses("::1");
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_EQ(*v6, (std::vector<IpAddress>{{"::1", true}}));
}

TEST(SystemDnsResolverTest, LegacyNumericFormsAreNotAddresses) {
  SystemDnsResolver dns;
  for (const char* host : {"2130706433", "0x7f.1", "127.1"}) {
    auto r = dns.lookupAddresses(host);
    ASSERT_TRUE(r) << host;
    EXPECT_TRUE(r->empty()) << host;
  }
}

}  // namespace
}  // namespace plexus::federation
