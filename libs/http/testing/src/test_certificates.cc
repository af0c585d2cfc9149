// TestCertificateAuthority over OpenSSL's C API: P-256 keys, SHA-256 signatures, the
// extensions a verifier checks (basicConstraints, keyUsage, key identifiers, subjectAltName).
#include "plexus/http/testing/test_certificates.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <sstream>

namespace plexus::http::testing {
namespace {

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* c) const { X509_free(c); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

bool isIpLiteral(const std::string& name) {
  unsigned char buf[16];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

Result<Key> newKey() {
  Key key(EVP_EC_gen("P-256"));
  if (!key) return fail(ErrorCode::kInternal, "cannot generate a P-256 key");
  return key;
}

bool addExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A certificate for `key` named `commonName`; self-signed when `issuer` is null.
Result<Cert> makeCertificate(EVP_PKEY* key, const std::string& commonName, X509* issuer,
                             EVP_PKEY* issuerKey, long serial, const CertificateSpec& spec,
                             bool ca) {
  Cert cert(X509_new());
  if (!cert) return fail(ErrorCode::kInternal, "X509_new failed");
  X509* c = cert.get();
  bool ok = X509_set_version(c, 2) == 1 &&
            ASN1_INTEGER_set(X509_get_serialNumber(c), serial) == 1 &&
            X509_gmtime_adj(X509_getm_notBefore(c), static_cast<long>(spec.validFrom.count())) &&
            X509_gmtime_adj(X509_getm_notAfter(c), static_cast<long>(spec.validUntil.count())) &&
            X509_set_pubkey(c, key) == 1;
  X509_NAME* name = X509_get_subject_name(c);
  ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                        reinterpret_cast<const unsigned char*>(commonName.c_str()),
                                        -1, -1, 0) == 1;
  ok = ok && X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name) == 1;
  X509* signer = issuer ? issuer : c;
  ok = ok && addExtension(c, signer, NID_subject_key_identifier, "hash");
  ok = ok && addExtension(c, signer, NID_authority_key_identifier, "keyid:always");
  if (ca) {
    ok = ok && addExtension(c, signer, NID_basic_constraints, "critical,CA:TRUE");
    ok = ok && addExtension(c, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    std::string alt;
    for (const auto& n : spec.names) {
      if (!alt.empty()) alt += ",";
      alt += (isIpLiteral(n) ? "IP:" : "DNS:") + n;
    }
    ok = ok && addExtension(c, signer, NID_basic_constraints, "critical,CA:FALSE");
    ok = ok && addExtension(c, signer, NID_key_usage, "critical,digitalSignature");
    ok = ok && addExtension(c, signer, NID_ext_key_usage, "serverAuth,clientAuth");
    if (!alt.empty()) ok = ok && addExtension(c, signer, NID_subject_alt_name, alt);
  }
  ok = ok && X509_sign(c, issuerKey ? issuerKey : key, EVP_sha256()) > 0;
  if (!ok) return fail(ErrorCode::kInternal, "cannot build test certificate " + commonName);
  return cert;
}

// PEM encodings, concatenated.
Result<std::string> pemOf(const std::vector<X509*>& certs, EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (!bio) return fail(ErrorCode::kInternal, "BIO_new failed");
  bool ok = true;
  for (X509* c : certs) ok = ok && PEM_write_bio_X509(bio, c) == 1;
  if (key)
    ok = ok && PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string out = ok && size > 0 ? std::string(data, static_cast<std::size_t>(size)) : "";
  BIO_free(bio);
  if (out.empty()) return fail(ErrorCode::kInternal, "cannot encode PEM");
  return out;
}

Status writeFile(const std::filesystem::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  out.close();
  if (!out) return fail(ErrorCode::kInternal, "cannot write " + path.string());
  return {};
}

}  // namespace

struct TestCertificateAuthority::Impl {
  std::filesystem::path dir;
  std::filesystem::path caFile;
  Key key;
  Cert cert;
  long nextSerial = 2;
};

TestCertificateAuthority::TestCertificateAuthority(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
TestCertificateAuthority::TestCertificateAuthority(TestCertificateAuthority&&) noexcept = default;
TestCertificateAuthority& TestCertificateAuthority::operator=(TestCertificateAuthority&&) noexcept =
    default;
TestCertificateAuthority::~TestCertificateAuthority() = default;

Result<TestCertificateAuthority> TestCertificateAuthority::create(std::filesystem::path dir,
                                                                  std::string name) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(ErrorCode::kInternal, "cannot create " + dir.string() + ": " + ec.message());
  auto impl = std::make_unique<Impl>();
  impl->dir = std::move(dir);
  PLEXUS_TRY(impl->key, newKey());
  CertificateSpec validity;
  validity.validUntil = std::chrono::hours(24 * 30);
  PLEXUS_TRY(impl->cert,
             makeCertificate(impl->key.get(), name, nullptr, nullptr, 1, validity, true));
  PLEXUS_TRY(auto pem, pemOf({impl->cert.get()}, nullptr));
  impl->caFile = impl->dir / "ca.pem";
  PLEXUS_TRY_VOID(writeFile(impl->caFile, pem));
  return TestCertificateAuthority(std::move(impl));
}

const std::filesystem::path& TestCertificateAuthority::caFile() const { return impl_->caFile; }

Result<CertificateFiles> TestCertificateAuthority::issue(const std::string& fileStem,
                                                         const CertificateSpec& spec) {
  PLEXUS_TRY(auto key, newKey());
  PLEXUS_TRY(auto cert, makeCertificate(key.get(), spec.commonName, impl_->cert.get(),
                                        impl_->key.get(), impl_->nextSerial++, spec, false));
  CertificateFiles files{impl_->dir / (fileStem + ".chain.pem"),
                         impl_->dir / (fileStem + ".key.pem")};
  PLEXUS_TRY(auto chain, pemOf({cert.get(), impl_->cert.get()}, nullptr));
  PLEXUS_TRY(auto keyPem, pemOf({}, key.get()));
  PLEXUS_TRY_VOID(writeFile(files.chain, chain));
  PLEXUS_TRY_VOID(writeFile(files.key, keyPem));
  return files;
}

}  // namespace plexus::http::testing
