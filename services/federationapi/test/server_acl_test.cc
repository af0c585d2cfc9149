// m.room.server_acl evaluation: globs, deny before allow, IP literals, ports ignored.
#include "federationapi/impl/server_acl.h"

#include <gtest/gtest.h>

#include <string>

namespace plexus::federationapi {
namespace {

json::Object acl(std::vector<std::string> allow, std::vector<std::string> deny,
                 std::optional<bool> ipLiterals = std::nullopt) {
  json::Object o{{"allow", json::Array(allow.begin(), allow.end())},
                 {"deny", json::Array(deny.begin(), deny.end())}};
  if (ipLiterals) o.set("allow_ip_literals", *ipLiterals);
  return o;
}

TEST(GlobTest, MatchesStarAndQuestionMark) {
  EXPECT_TRUE(globMatches("*", ""));
  EXPECT_TRUE(globMatches("*.evil.com", "a.b.evil.com"));
  EXPECT_FALSE(globMatches("*.evil.com", "evil.com"));
  EXPECT_TRUE(globMatches("ser?er", "server"));
  EXPECT_FALSE(globMatches("ser?er", "serer"));
  EXPECT_TRUE(globMatches("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(globMatches("a*b*c", "aXXbYY"));
}

TEST(GlobTest, HostilePatternStaysFast) {
  std::string text(5000, 'a');
  std::string pattern;
  for (int i = 0; i < 200; ++i) pattern += "*a";
  pattern += "b";
  EXPECT_FALSE(globMatches(pattern, text));
}

TEST(ServerAclTest, DenyWinsOverAllow) {
  auto content = acl({"*"}, {"evil.test", "*.bad.test"});
  EXPECT_TRUE(serverAllowedByAcl(content, "remote.test"));
  EXPECT_FALSE(serverAllowedByAcl(content, "evil.test"));
  EXPECT_FALSE(serverAllowedByAcl(content, "x.bad.test"));
}

TEST(ServerAclTest, PortIsIgnored) {
  EXPECT_FALSE(serverAllowedByAcl(acl({"*"}, {"evil.test"}), "evil.test:8448"));
  EXPECT_TRUE(serverAllowedByAcl(acl({"good.test"}, {}), "good.test:443"));
}

TEST(ServerAclTest, MissingAllowListAllowsNobody) {
  EXPECT_FALSE(serverAllowedByAcl(json::Object{}, "remote.test"));
  EXPECT_FALSE(serverAllowedByAcl(acl({}, {}), "remote.test"));
}

TEST(ServerAclTest, IpLiteralsFollowAllowIpLiterals) {
  EXPECT_TRUE(serverAllowedByAcl(acl({"*"}, {}), "1.2.3.4"));
  EXPECT_FALSE(serverAllowedByAcl(acl({"*"}, {}, false), "1.2.3.4:8448"));
  EXPECT_FALSE(serverAllowedByAcl(acl({"*"}, {}, false), "[::1]"));
  EXPECT_TRUE(serverAllowedByAcl(acl({"*"}, {}, false), "remote.test"));
}

TEST(ServerAclTest, UnparsableServerNameIsDenied) {
  EXPECT_FALSE(serverAllowedByAcl(acl({"*"}, {}), "bad name!"));
}

}  // namespace
}  // namespace plexus::federationapi
