// Throwaway X.509 material for TLS tests, made at test time with OpenSSL: a CA and
// certificates it signs, written as PEM files into a directory the test owns. Nothing here is
// fit for production keys (P-256 keys, short validity, no protection of the files).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "plexus/core/result.h"

namespace plexus::http::testing {

// PEM files of one issued certificate.
struct CertificateFiles {
  std::filesystem::path chain;  // leaf followed by the issuing CA
  std::filesystem::path key;
};

struct CertificateSpec {
  std::string commonName = "localhost";
  // subjectAltName entries; IP literals become IP entries, the rest DNS entries.
  std::vector<std::string> names{"localhost", "127.0.0.1", "::1"};
  // Validity relative to now: notBefore = now + validFrom, notAfter = now + validUntil.
  std::chrono::seconds validFrom{-3600};
  std::chrono::seconds validUntil{24 * 3600};
};

class TestCertificateAuthority {
 public:
  // A fresh self-signed CA whose files go under `dir` (created if missing).
  static Result<TestCertificateAuthority> create(std::filesystem::path dir,
                                                 std::string name = "Plexus Test CA");
  TestCertificateAuthority(TestCertificateAuthority&&) noexcept;
  TestCertificateAuthority& operator=(TestCertificateAuthority&&) noexcept;
  ~TestCertificateAuthority();

  // The CA certificate (PEM), for TlsClientOptions::caFile.
  const std::filesystem::path& caFile() const;
  // A server certificate signed by this CA; files named after `fileStem`.
  Result<CertificateFiles> issue(const std::string& fileStem, const CertificateSpec& spec = {});

 private:
  struct Impl;
  explicit TestCertificateAuthority(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace plexus::http::testing
