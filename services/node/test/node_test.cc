// Tests for the node's composition helpers: the signing key file, per-service databases and
// the flag reader.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <array>
#include <filesystem>
#include <fstream>

#include "cli/flags.h"
#include "root/service_databases.h"
#include "root/signing_key.h"

namespace plexus::node {
namespace {

std::filesystem::path tempDir() {
  auto dir = std::filesystem::temp_directory_path() /
             ("plexus_node_test_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(SigningKeyTest, GeneratesAPrivateKeyFileOnceAndReadsItBack) {
  auto dir = tempDir();
  std::string path = (dir / "signing.key").string();
  auto first = loadOrCreateSigningKey(path);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->keyId.rfind("ed25519:", 0), 0u);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto second = loadOrCreateSigningKey(path);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->keyId, first->keyId);
  EXPECT_EQ(second->key.publicKey(), first->key.publicKey());
  std::filesystem::remove_all(dir);
}

TEST(SigningKeyTest, RejectsMalformedFiles) {
  EXPECT_FALSE(parseSigningKey("").ok());
  EXPECT_FALSE(parseSigningKey("rsa a_1 AAAA").ok());
  EXPECT_FALSE(parseSigningKey("ed25519 bad-version YmFk").ok());
  EXPECT_FALSE(parseSigningKey("ed25519 a_1 notbase64!").ok());
  EXPECT_FALSE(parseSigningKey("ed25519 a_1 AAAA extra").ok());
}

TEST(SigningKeyTest, FormatsAndParsesTheSameKey) {
  SigningKeyFile file{"ed25519:a_XyZ", crypto::SigningKey::generate(), false};
  auto back = parseSigningKey(formatSigningKey(file));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->keyId, "ed25519:a_XyZ");
  EXPECT_EQ(back->key.publicKey(), file.key.publicKey());
}

TEST(ServiceDatabasesTest, SetsTheSearchPathInBothDsnForms) {
  EXPECT_EQ(dsnWithSearchPath("host=h dbname=d", "roomserver"),
            "host=h dbname=d options='-csearch_path=roomserver'");
  EXPECT_EQ(dsnWithSearchPath("postgresql://u@h/d", "keyserver"),
            "postgresql://u@h/d?options=-csearch_path%3Dkeyserver");
  EXPECT_EQ(dsnWithSearchPath("postgresql://u@h/d?sslmode=disable", "syncapi"),
            "postgresql://u@h/d?sslmode=disable&options=-csearch_path%3Dsyncapi");
}

TEST(ServiceDatabasesTest, GivesEachServiceItsOwnSqliteFile) {
  auto dir = tempDir();
  config::Config c = config::Config::defaults();
  c.global.dataDir = dir.string();
  EXPECT_EQ(sqlitePathFor(c, "roomserver"), (dir / "roomserver.db").string());
  auto a = openServiceDatabase(c, "accountsync");
  auto b = openServiceDatabase(c, "roomserver");
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->executeScript("CREATE TABLE t (x INTEGER)").ok());
  // The same table name in another service's database does not collide.
  EXPECT_TRUE((*b)->executeScript("CREATE TABLE t (x INTEGER)").ok());
  EXPECT_TRUE(std::filesystem::exists(dir / "accountsync.db"));
  a->reset();
  b->reset();
  std::filesystem::remove_all(dir);
}

TEST(FlagReaderTest, ReadsSeparateAndInlineValues) {
  std::array<const char*, 5> argv = {"--data-dir", "var", "--peer=a:1", "--p2p", "--config"};
  cli::FlagReader r({const_cast<char* const*>(argv.data()), argv.size()});
  ASSERT_TRUE(r.next());
  EXPECT_EQ(r.name(), "--data-dir");
  EXPECT_EQ(r.value(), "var");
  ASSERT_TRUE(r.next());
  EXPECT_EQ(r.name(), "--peer");
  EXPECT_EQ(r.value(), "a:1");
  ASSERT_TRUE(r.next());
  EXPECT_EQ(r.name(), "--p2p");
  EXPECT_FALSE(r.hasInlineValue());
  ASSERT_TRUE(r.next());
  EXPECT_EQ(r.value(), std::nullopt);
  EXPECT_EQ(r.error(), "--config needs a value");
  EXPECT_FALSE(r.next());
}

}  // namespace
}  // namespace plexus::node
