// Runs the federation spec-vector files under libs/federation/vectors/: server names and X-Matrix
// Authorization headers.
#include <gtest/gtest.h>

#include "plexus/federation/server_name.h"
#include "plexus/federation/x_matrix.h"
#include "plexus/testing/vector_file.h"

namespace plexus::federation {
namespace {

std::string vectorPath(const std::string& name) {
  return std::string(PLEXUS_TEST_DATA_DIR) + "/vectors/" + name;
}

std::string field(const plexus::testing::VectorCase& c, const std::string& key) {
  auto v = c.get(key);
  if (!v) ADD_FAILURE() << c.where() << ": missing field " << key;
  return v.value_or("");
}

const char* kindName(HostKind k) {
  switch (k) {
    case HostKind::kDnsName:
      return "dns";
    case HostKind::kIpv4:
      return "ipv4";
    case HostKind::kIpv6:
      return "ipv6";
  }
  return "?";
}

TEST(FederationVectorsTest, ServerNamesParseAsTheGrammarSays) {
  auto file = plexus::testing::readVectorFile(vectorPath("server_names.txt"));
  ASSERT_GE(file.cases.size(), 30u);
  for (const auto& c : file.cases) {
    auto parsed = ServerName::parse(field(c, "input"));
    bool valid = field(c, "valid") == "true";
    ASSERT_EQ(parsed.ok(), valid) << c.where();
    if (!valid) {
      EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidParam) << c.where();
      continue;
    }
    EXPECT_EQ(parsed->str(), field(c, "input")) << c.where();
    EXPECT_EQ(kindName(parsed->kind()), field(c, "kind")) << c.where();
    EXPECT_EQ(parsed->host(), field(c, "host")) << c.where();
    std::string port = field(c, "port");
    if (port.empty()) {
      EXPECT_FALSE(parsed->port()) << c.where();
    } else {
      EXPECT_EQ(parsed->port(), std::stoi(port)) << c.where();
    }
    if (auto keyNamed = c.get("key_named")) {
      EXPECT_EQ(parsed->isKeyNamed(), *keyNamed == "true") << c.where();
      EXPECT_EQ(isKeyNamedServer(parsed->str()), *keyNamed == "true") << c.where();
    }
  }
}

TEST(FederationVectorsTest, XMatrixHeadersParseAsTheSpecSays) {
  auto file = plexus::testing::readVectorFile(vectorPath("x_matrix_headers.txt"));
  ASSERT_GE(file.cases.size(), 25u);
  for (const auto& c : file.cases) {
    auto parsed = parseXMatrix(field(c, "header"));
    bool valid = field(c, "valid") == "true";
    ASSERT_EQ(parsed.ok(), valid) << c.where()
                                  << (parsed.ok() ? "" : ": " + parsed.error().message);
    if (!valid) {
      EXPECT_EQ(parsed.error().httpStatus(), 401) << c.where();
      continue;
    }
    EXPECT_EQ(parsed->origin, field(c, "origin")) << c.where();
    std::string destination = field(c, "destination");
    if (destination.empty()) {
      EXPECT_FALSE(parsed->destination) << c.where();
    } else {
      EXPECT_EQ(parsed->destination, destination) << c.where();
    }
    EXPECT_EQ(parsed->keyId, field(c, "key")) << c.where();
    EXPECT_EQ(parsed->signature, field(c, "sig")) << c.where();
  }
}

}  // namespace
}  // namespace plexus::federation
