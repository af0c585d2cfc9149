// The federation listener's self-signed certificate: what it names, how long it lasts, that it
// is made once and reused, how the key file is protected, and which leftovers it replaces or
// refuses. The certificates are inspected with OpenSSL.
#include "root/self_signed_certificate.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>

namespace plexus::node {
namespace {

namespace fs = std::filesystem;

struct CertFree {
  void operator()(X509* c) const { X509_free(c); }
};
using Cert = std::unique_ptr<X509, CertFree>;

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Cert readCertificate(const fs::path& path) {
  const std::string pem = readFile(path);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  Cert cert(bio ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : nullptr);
  BIO_free(bio);
  return cert;
}

class SelfSignedCertificateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("plexus_self_signed_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  SelfSignedCertificate make(const std::string& serverName) {
    auto made = loadOrCreateSelfSignedCertificate(dir_, serverName);
    EXPECT_TRUE(made.ok()) << made.error().message;
    return made.ok() ? *made : SelfSignedCertificate{};
  }

  fs::path dir_;
};

TEST_F(SelfSignedCertificateTest, NamesTheDnsHostOfTheServerName) {
  SelfSignedCertificate made = make("fed.test:8448");
  EXPECT_TRUE(made.created);
  EXPECT_EQ(made.certificateFile, dir_ / "federation-tls.crt");
  EXPECT_EQ(made.keyFile, dir_ / "federation-tls.key");
  Cert cert = readCertificate(made.certificateFile);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_host(cert.get(), "fed.test", 8, 0, nullptr), 1);
  EXPECT_NE(X509_check_host(cert.get(), "other.test", 10, 0, nullptr), 1);
  // Self-signed: the issuer is the subject and the signature verifies with its own key.
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())), 0);
  EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(cert.get())), 1);
}

TEST_F(SelfSignedCertificateTest, NamesAnIpv4LiteralAsAnAddress) {
  Cert cert = readCertificate(make("127.0.0.1").certificateFile);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_NE(
      X509_check_host(cert.get(), "127.0.0.1", 9, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, nullptr), 1);
}

TEST_F(SelfSignedCertificateTest, NamesAnIpv6LiteralAsAnAddress) {
  Cert cert = readCertificate(make("[::1]:8448").certificateFile);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "::1", 0), 1);
}

TEST_F(SelfSignedCertificateTest, IsValidForAboutTenYears) {
  Cert cert = readCertificate(make("fed.test").certificateFile);
  ASSERT_TRUE(cert);
  int days = 0, seconds = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(cert.get())), 1);
  EXPECT_GT(days, 9 * 365);
  EXPECT_LT(days, 11 * 365);
  EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(cert.get())), 0);
}

TEST_F(SelfSignedCertificateTest, KeepsTheKeyFileToItsOwner) {
  SelfSignedCertificate made = make("fed.test");
  struct stat info {};
  ASSERT_EQ(::stat(made.keyFile.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_NE(readFile(made.keyFile).find("PRIVATE KEY"), std::string::npos);
  // Only the two files: no temporary file is left behind.
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 2);
}

TEST_F(SelfSignedCertificateTest, ReusesTheCertificateOnLaterCalls) {
  SelfSignedCertificate first = make("fed.test");
  const std::string cert = readFile(first.certificateFile);
  const std::string key = readFile(first.keyFile);
  SelfSignedCertificate second = make("fed.test");
  EXPECT_FALSE(second.created);
  EXPECT_EQ(readFile(second.certificateFile), cert);
  EXPECT_EQ(readFile(second.keyFile), key);
}

TEST_F(SelfSignedCertificateTest, ReplacesTheCertificateWhenTheServerNameChanges) {
  const std::string old = readFile(make("old.test").certificateFile);
  SelfSignedCertificate renamed = make("new.test");
  EXPECT_TRUE(renamed.created);
  EXPECT_NE(readFile(renamed.certificateFile), old);
  Cert cert = readCertificate(renamed.certificateFile);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_host(cert.get(), "new.test", 8, 0, nullptr), 1);
}

TEST_F(SelfSignedCertificateTest, ReplacesALoneKeyLeftByAnInterruptedStart) {
  SelfSignedCertificate first = make("fed.test");
  const std::string oldKey = readFile(first.keyFile);
  fs::remove(first.certificateFile);
  SelfSignedCertificate again = make("fed.test");
  EXPECT_TRUE(again.created);
  EXPECT_TRUE(fs::exists(again.certificateFile));
  EXPECT_NE(readFile(again.keyFile), oldKey);
}

TEST_F(SelfSignedCertificateTest, RefusesFilesThatAreNotAMatchingPair) {
  SelfSignedCertificate first = make("fed.test");
  {
    std::ofstream out(first.keyFile, std::ios::trunc);
    out << "not a key\n";
  }
  auto garbled = loadOrCreateSelfSignedCertificate(dir_, "fed.test");
  ASSERT_FALSE(garbled.ok());
  EXPECT_EQ(garbled.error().code, ErrorCode::kInvalidParam);

  // A valid key from another pair does not match the certificate either.
  const fs::path otherDir = dir_ / "other";
  auto other = loadOrCreateSelfSignedCertificate(otherDir, "fed.test");
  ASSERT_TRUE(other.ok()) << other.error().message;
  fs::copy_file(other->keyFile, first.keyFile, fs::copy_options::overwrite_existing);
  auto mismatched = loadOrCreateSelfSignedCertificate(dir_, "fed.test");
  ASSERT_FALSE(mismatched.ok());
  EXPECT_EQ(mismatched.error().code, ErrorCode::kInvalidParam);
}

TEST_F(SelfSignedCertificateTest, RejectsAServerNameThatDoesNotParse) {
  auto made = loadOrCreateSelfSignedCertificate(dir_, "bad name:99999");
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, ErrorCode::kInvalidParam);
  EXPECT_FALSE(fs::exists(dir_ / "federation-tls.key"));
}

}  // namespace
}  // namespace plexus::node
