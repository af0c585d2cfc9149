// Server discovery, step by step as the spec lists them: for each step the addresses, Host
// header, certificate name and SNI, and that earlier steps stop later ones. DNS and .well-known
// are fakes; nothing touches the network.
#include "plexus/federation/server_resolver.h"

#include <gtest/gtest.h>

namespace plexus::federation {
namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

class FakeWellKnown : public WellKnownFetcher {
 public:
  WellKnownResponse fetch(const std::string& hostname) override {
    ++calls;
    auto it = bodies.find(hostname);
    if (it == bodies.end()) return WellKnownResponse{};  // unreachable
    WellKnownResponse r;
    r.reached = true;
    r.status = 200;
    r.body = it->second;
    return r;
  }
  std::map<std::string, std::string> bodies;
  int calls = 0;
};

class ServerResolverTest : public ::testing::Test {
 protected:
  Result<ResolvedServer> resolve(const char* name) {
    return resolver_.resolve(*ServerName::parse(name));
  }
  void delegate(const char* host, const char* to) {
    wellKnown_.bodies[host] = std::string(R"({"m.server": ")") + to + "\"}";
  }

  std::int64_t now_ = 0;
  StaticDnsResolver dns_;
  FakeWellKnown wellKnown_;
  WellKnownCache cache_{[this] { return now_; }};
  ServerResolver resolver_{dns_, wellKnown_, cache_};
};

TEST_F(ServerResolverTest, Step1Ipv4LiteralUsesDefaultPortAndNoSni) {
  auto r = resolve("192.0.2.1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->step, ResolutionStep::kIpLiteral);
  EXPECT_EQ(r->endpoints, (std::vector<Endpoint>{{ip("192.0.2.1"), 8448}}));
  EXPECT_EQ(r->hostHeader, "192.0.2.1");
  EXPECT_EQ(r->tlsName, "192.0.2.1");
  EXPECT_FALSE(r->sni);
  EXPECT_EQ(wellKnown_.calls, 0);
}

TEST_F(ServerResolverTest, Step1Ipv6LiteralWithPortKeepsPortInHost) {
  auto r = resolve("[2001:db8::1]:1234");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->endpoints, (std::vector<Endpoint>{{ip("2001:db8::1"), 1234}}));
  EXPECT_TRUE(r->endpoints[0].address.ipv6);
  EXPECT_EQ(r->hostHeader, "[2001:db8::1]:1234");
  EXPECT_EQ(r->tlsName, "2001:db8::1");
  EXPECT_FALSE(r->sni);
}

TEST_F(ServerResolverTest, Step2ExplicitPortResolvesAddressesWithoutWellKnown) {
  dns_.addAddress("example.org", ip("2001:db8::5"));
  dns_.addAddress("example.org", ip("192.0.2.5"));
  delegate("example.org", "elsewhere.org");
  auto r = resolve("example.org:8000");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->step, ResolutionStep::kExplicitPort);
  EXPECT_EQ(r->endpoints,
            (std::vector<Endpoint>{{ip("2001:db8::5"), 8000}, {ip("192.0.2.5"), 8000}}));
  EXPECT_EQ(r->hostHeader, "example.org:8000");
  EXPECT_EQ(r->tlsName, "example.org");
  EXPECT_EQ(r->sni, "example.org");
  EXPECT_EQ(wellKnown_.calls, 0);
}

TEST_F(ServerResolverTest, Step2WithoutAddressesIsUnavailable) {
  auto r = resolve("nowhere.org:8000");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

TEST_F(ServerResolverTest, Step3_1DelegationToIpLiteral) {
  delegate("example.org", "[2001:db8::7]:9000");
  auto r = resolve("example.org");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->step, ResolutionStep::kDelegatedIpLiteral);
  EXPECT_EQ(r->endpoints, (std::vector<Endpoint>{{ip("2001:db8::7"), 9000}}));
  EXPECT_EQ(r->hostHeader, "[2001:db8::7]:9000");
  EXPECT_EQ(r->tlsName, "2001:db8::7");
  EXPECT_FALSE(r->sni);
}

TEST_F(ServerResolverTest, Step3_1DelegationToIpLiteralWithoutPort) {
  delegate("example.org", "192.0.2.9");
  auto r = resolve("example.org");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->endpoints, (std::vector<Endpoint>{{ip("192.0.2.9"), 8448}}));
  EXPECT_EQ(r->hostHeader, "192.0.2.9");
}

TEST_F(ServerResolverTest, Step3_2DelegationWithPort) {
  delegate("example.org", "matrix.example.org:443");
  dns_.addAddress("matrix.example.org", ip("192.0.2.10"));
  dns_.addSrv("_matrix-fed._tcp.matrix.example.org", {0, 0, 1, "ignored.org"});
  auto r = resolve("example.org");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->step, ResolutionStep::kDelegatedExplicitPort);
  EXPECT_EQ(r->endpoints, (std::vector<Endpoint>{{ip("192.0.2.10"), 443}}));
  EXPECT_EQ(r->hostHeader, "matrix.example.org:443");
  EXPECT_EQ(r->tlsName, "matrix.example.org");
  EXPECT_EQ(r->sni, "matrix.example.org");
}

TEST_F(ServerResolverTest, Step3_3DelegationThroughMatrixFedSrv) {
  delegate("example.org", "matrix.example.org");
  dns_.addSrv("_matrix-fed._tcp.matrix.example.org", {10, 0, 8443, "host1.example.net"});
  dns_.addSrv("_matrix._tcp.matrix.example.org", {10, 0, 9999, "legacy.example.net"});
  dns_.addAddress("host1.example.net", ip("192.0.2.11"));
  auto r = resolve("example.org");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->step, ResolutionStep::kDelegatedSrv);
  EXPECT_EQ(r->endpoints, (std::vector<Endpoint>{{ip("192.0.2.11"), 8443}}));
  // Host and certificate are the delegated name, never the SRV target.
  EXPECT_EQ(r->hostHeader, "matrix.example.org");
  EXPECT_EQ(r->tlsName, "matrix.example.org");
  EXPECT_EQ(r->sni, "matrix.example.org");
}

TEST_F(ServerResolverTest, Step3_4DelegationThroughLegacySrv) {
  delegate("example.org", "matrix.example.org");
  dns_.addSrv("_matrix._tcp.matrix.example.org", {10, 0, 9999, "legacy.example.net"});
  dns_.addAddress("legacy.example.net", ip("192.0.2.12"));
  auto r = resolve("example.org");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->step, ResolutionStep::kDelegatedLegacySrv);
  EXPECT_EQ(r->endpoints, (std::vector<Endpoint>{{ip("192.0.2.12"), 9999}}));
  EXPECT_EQ(r->hostHeader, "matrix.example.org");
  EXPECT_EQ(r->tlsName, "matrix.example.org");
}

TEST_F(ServerResolverTest, Step3_5DelegationOnDefaultPort) {
  delegate("example.org", "matrix.example.org");
  dns_.addAddress("matrix.example.org", ip("192.0.2.13"));
  // SRV records of the original hostname do not matter once delegated.
  dns_.addSrv("_matrix-fed._tcp.example.org", {0, 0, 1, "ignored.org"});
  auto r = resolve("example.org");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->step, ResolutionStep::kDelegatedDefaultPort);
  EXPECT_EQ(r->endpoints, (std::vector<Endpoint>{{ip("192.0.2.13"), 8448}}));
  EXPECT_EQ(r->hostHeader, "matrix.example.org");
  EXPECT_EQ(r->tlsName, "matrix.example.org");
}

TEST_F(ServerResolverTest, Step4MatrixFedSrvOfTheHostname) {
  dns_.addSrv("_matrix-fed._tcp.example.org", {10, 0, 8443, "fed.example.net"});
  dns_.addSrv("_matrix._tcp.example.org", {10, 0, 9999, "legacy.example.net"});
  dns_.addAddress("fed.example.net", ip("192.0.2.14"));
  auto r = resolve("example.org");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->step, ResolutionStep::kSrv);
  EXPECT_EQ(r->endpoints, (std::vector<Endpoint>{{ip("192.0.2.14"), 8443}}));
  EXPECT_EQ(r->hostHeader, "example.org");
  EXPECT_EQ(r->tlsName, "example.org");
  EXPECT_EQ(r->sni, "example.org");
  EXPECT_EQ(wellKnown_.calls, 1);
}

TEST_F(ServerResolverTest, Step5LegacySrvOfTheHostname) {
  dns_.addSrv("_matrix._tcp.example.org", {10, 0, 9999, "legacy.example.net"});
  dns_.addAddress("legacy.example.net", ip("192.0.2.15"));
  auto r = resolve("example.org");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->step, ResolutionStep::kLegacySrv);
  EXPECT_EQ(r->endpoints, (std::vector<Endpoint>{{ip("192.0.2.15"), 9999}}));
  EXPECT_EQ(r->hostHeader, "example.org");
  EXPECT_EQ(r->tlsName, "example.org");
}

TEST_F(ServerResolverTest, Step6AddressesOnDefaultPort) {
  dns_.addAddress("example.org", ip("192.0.2.16"));
  auto r = resolve("example.org");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->step, ResolutionStep::kDefaultPort);
  EXPECT_EQ(r->endpoints, (std::vector<Endpoint>{{ip("192.0.2.16"), 8448}}));
  EXPECT_EQ(r->hostHeader, "example.org");
  EXPECT_EQ(r->tlsName, "example.org");
  EXPECT_EQ(r->sni, "example.org");
}

TEST_F(ServerResolverTest, InvalidWellKnownFallsThroughToSrv) {
  wellKnown_.bodies["example.org"] = R"({"m.server": "not valid!"})";
  dns_.addSrv("_matrix-fed._tcp.example.org", {10, 0, 8443, "fed.example.net"});
  dns_.addAddress("fed.example.net", ip("192.0.2.14"));
  auto r = resolve("example.org");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->step, ResolutionStep::kSrv);
}

TEST_F(ServerResolverTest, NothingResolvesIsUnavailable) {
  auto r = resolve("example.org");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

TEST_F(ServerResolverTest, SrvTargetsAreOrderedByPriorityThenWeight) {
  dns_.addSrv("_matrix-fed._tcp.example.org", {20, 0, 3, "c.net"});
  dns_.addSrv("_matrix-fed._tcp.example.org", {10, 5, 2, "b.net"});
  dns_.addSrv("_matrix-fed._tcp.example.org", {10, 50, 1, "a.net"});
  dns_.addSrv("_matrix-fed._tcp.example.org", {5, 0, 4, "unresolvable.net"});
  dns_.addAddress("a.net", ip("192.0.2.1"));
  dns_.addAddress("b.net", ip("192.0.2.2"));
  dns_.addAddress("c.net", ip("192.0.2.3"));
  auto r = resolve("example.org");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->endpoints, (std::vector<Endpoint>{
                              {ip("192.0.2.1"), 1}, {ip("192.0.2.2"), 2}, {ip("192.0.2.3"), 3}}));
}

TEST_F(ServerResolverTest, SrvDotTargetMeansServiceUnavailable) {
  dns_.addSrv("_matrix-fed._tcp.example.org", {0, 0, 0, "."});
  dns_.addAddress("example.org", ip("192.0.2.16"));
  auto r = resolve("example.org");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

TEST_F(ServerResolverTest, SrvWithNoResolvableTargetIsUnavailable) {
  dns_.addSrv("_matrix-fed._tcp.example.org", {0, 0, 1, "gone.net"});
  dns_.addAddress("example.org", ip("192.0.2.16"));
  EXPECT_FALSE(resolve("example.org"));
}

TEST_F(ServerResolverTest, WellKnownResultIsCached) {
  delegate("example.org", "192.0.2.9");
  ASSERT_TRUE(resolve("example.org"));
  ASSERT_TRUE(resolve("example.org"));
  EXPECT_EQ(wellKnown_.calls, 1);
  now_ += 25LL * 3600 * 1000;  // past the 24 h default
  ASSERT_TRUE(resolve("example.org"));
  EXPECT_EQ(wellKnown_.calls, 2);
}

TEST_F(ServerResolverTest, UnreachableWellKnownIsRetriedAfterBackoff) {
  dns_.addAddress("example.org", ip("192.0.2.16"));
  ASSERT_TRUE(resolve("example.org"));
  ASSERT_TRUE(resolve("example.org"));
  EXPECT_EQ(wellKnown_.calls, 1);
  now_ += 2 * 60'000;
  delegate("example.org", "192.0.2.9");
  auto r = resolve("example.org");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->step, ResolutionStep::kDelegatedIpLiteral);
}

}  // namespace
}  // namespace plexus::federation
