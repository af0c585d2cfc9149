// Generating, checking and writing the federation listener's self-signed certificate with
// OpenSSL's C API: a P-256 key, a SHA-256 signature and the extensions a TLS client looks at
// (basicConstraints, keyUsage, extendedKeyUsage, subjectAltName).
#include "root/self_signed_certificate.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "plexus/federation/server_name.h"
#include "plexus/log/log.h"

namespace plexus::node {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCertificateName = "federation-tls.crt";
constexpr const char* kKeyName = "federation-tls.key";
constexpr long kValiditySeconds = 10L * 365 * 24 * 3600;
// Starts a little in the past so that a peer whose clock is behind still accepts it.
constexpr long kBackdateSeconds = 3600;
// ub-common-name (RFC 5280); a longer host goes in the subjectAltName only.
constexpr std::size_t kMaxCommonName = 64;

struct Deleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter>;
using Cert = std::unique_ptr<X509, Deleter>;
using Bio = std::unique_ptr<BIO, Deleter>;
using Bignum = std::unique_ptr<BIGNUM, Deleter>;

struct Host {
  std::string name;  // without port or brackets
  bool ip = false;
};

bool addExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A random positive 127-bit serial, so that two generated certificates never share one.
bool setRandomSerial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return false;
  bytes[0] &= 0x7f;
  Bignum serial(BN_bin2bn(bytes, sizeof bytes, nullptr));
  return serial && BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)) != nullptr;
}

Result<Cert> makeCertificate(EVP_PKEY* key, const Host& host) {
  Cert cert(X509_new());
  if (!cert) return fail(ErrorCode::kInternal, "X509_new failed");
  X509* c = cert.get();
  const std::string commonName =
      host.name.size() <= kMaxCommonName ? host.name : std::string("Plexus federation");
  X509_NAME* name = X509_get_subject_name(c);
  bool ok = X509_set_version(c, 2) == 1 && setRandomSerial(c) &&
            X509_gmtime_adj(X509_getm_notBefore(c), -kBackdateSeconds) &&
            X509_gmtime_adj(X509_getm_notAfter(c), kValiditySeconds) &&
            X509_set_pubkey(c, key) == 1 &&
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                       reinterpret_cast<const unsigned char*>(commonName.c_str()),
                                       -1, -1, 0) == 1 &&
            X509_set_issuer_name(c, name) == 1;
  ok = ok && addExtension(c, NID_basic_constraints, "critical,CA:FALSE");
  ok = ok && addExtension(c, NID_key_usage, "critical,digitalSignature");
  ok = ok && addExtension(c, NID_ext_key_usage, "serverAuth");
  ok = ok && addExtension(c, NID_subject_key_identifier, "hash");
  ok = ok && addExtension(c, NID_subject_alt_name, (host.ip ? "IP:" : "DNS:") + host.name);
  ok = ok && X509_sign(c, key, EVP_sha256()) > 0;
  if (!ok) return fail(ErrorCode::kInternal, "cannot build a certificate for " + host.name);
  return cert;
}

Result<std::string> toPem(X509* cert, EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio) return fail(ErrorCode::kInternal, "BIO_new failed");
  const bool ok =
      cert ? PEM_write_bio_X509(bio.get(), cert) == 1
           : PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  if (!ok || size <= 0) return fail(ErrorCode::kInternal, "cannot encode PEM");
  return std::string(data, static_cast<std::size_t>(size));
}

// Writes `text` to a temporary file beside `path` with `mode`, then renames it over `path`.
Status writeAtomically(const fs::path& path, const std::string& text, mode_t mode) {
  fs::path tempName = path.filename();
  tempName += ".XXXXXX";
  std::string temp = (path.parent_path() / tempName).string();
  const int fd = ::mkstemp(temp.data());  // mode 0600 from the start
  if (fd < 0)
    return fail(ErrorCode::kInternal,
                "cannot create a file beside " + path.string() + ": " + std::strerror(errno));
  std::size_t written = 0;
  bool ok = true;
  while (ok && written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<std::size_t>(n);
  }
  ok = ok && ::fchmod(fd, mode) == 0 && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  ok = ok && ::rename(temp.c_str(), path.c_str()) == 0;
  if (!ok) {
    const int error = errno;
    ::unlink(temp.c_str());
    return fail(ErrorCode::kInternal,
                "cannot write " + path.string() + ": " + std::strerror(error));
  }
  return {};
}

// Whether the existing pair can be served as it is. Errors (kInvalidParam): unreadable files or
// a certificate that does not match its key.
Result<bool> existingPairIsCurrent(const SelfSignedCertificate& files, const Host& host) {
  Bio certBio(BIO_new_file(files.certificateFile.c_str(), "r"));
  Cert cert(certBio ? PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert)
    return fail(ErrorCode::kInvalidParam, files.certificateFile.string() +
                                              ": not a PEM certificate (remove it to regenerate)");
  Bio keyBio(BIO_new_file(files.keyFile.c_str(), "r"));
  Key key(keyBio ? PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key)
    return fail(ErrorCode::kInvalidParam,
                files.keyFile.string() + ": not a PEM private key (remove it to regenerate)");
  if (X509_check_private_key(cert.get(), key.get()) != 1)
    return fail(ErrorCode::kInvalidParam, files.certificateFile.string() + " does not match " +
                                              files.keyFile.string() +
                                              " (remove both to regenerate)");
  const bool names =
      host.ip ? X509_check_ip_asc(cert.get(), host.name.c_str(), 0) == 1
              : X509_check_host(cert.get(), host.name.data(), host.name.size(), 0, nullptr) == 1;
  const bool valid = X509_cmp_current_time(X509_get0_notAfter(cert.get())) > 0;
  return names && valid;
}

}  // namespace

Result<SelfSignedCertificate> loadOrCreateSelfSignedCertificate(const fs::path& dataDir,
                                                                const std::string& serverName) {
  auto parsed = federation::ServerName::parse(serverName);
  if (!parsed.ok())
    return fail(ErrorCode::kInvalidParam,
                "server name " + serverName + ": " + parsed.error().message);
  const Host host{std::string(parsed->host()), parsed->isIpLiteral()};
  SelfSignedCertificate files{dataDir / kCertificateName, dataDir / kKeyName, false};

  std::error_code ec;
  const bool haveCert = fs::exists(files.certificateFile, ec);
  const bool haveKey = fs::exists(files.keyFile, ec);
  if (haveCert && haveKey) {
    PLEXUS_TRY(bool current, existingPairIsCurrent(files, host));
    if (current) return files;
    log::info(
        "federation: the self-signed certificate is expired or names another server; "
        "making a new one",
        {{"file", files.certificateFile.string()}, {"server_name", serverName}});
  }

  fs::create_directories(dataDir, ec);
  if (ec)
    return fail(ErrorCode::kInternal, "cannot create " + dataDir.string() + ": " + ec.message());
  Key key(EVP_EC_gen("P-256"));
  if (!key) return fail(ErrorCode::kInternal, "cannot generate a P-256 key");
  PLEXUS_TRY(Cert cert, makeCertificate(key.get(), host));
  PLEXUS_TRY(std::string keyPem, toPem(nullptr, key.get()));
  PLEXUS_TRY(std::string certPem, toPem(cert.get(), nullptr));
  // Key first: a start interrupted between the two renames finds a lone key and starts over.
  PLEXUS_TRY_VOID(writeAtomically(files.keyFile, keyPem, 0600));
  PLEXUS_TRY_VOID(writeAtomically(files.certificateFile, certPem, 0644));
  files.created = true;
  return files;
}

}  // namespace plexus::node
