// Reading, generating and writing the node's signing key file.
#include "root/signing_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "plexus/crypto/base64.h"

namespace plexus::node {
namespace {

bool isVersionChar(char c) {
  // SPEC: appendices "Signing key identifiers": the version is [a-zA-Z0-9_].
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

Result<SigningKeyFile> parseSigningKey(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string algorithm, version, seed, extra;
  if (!(in >> algorithm >> version >> seed) || (in >> extra))
    return fail(ErrorCode::kInvalidParam, "signing key file: expected 'ed25519 VERSION SEED'");
  if (algorithm != "ed25519")
    return fail(ErrorCode::kInvalidParam, "signing key file: unsupported algorithm " + algorithm);
  for (char c : version)
    if (!isVersionChar(c))
      return fail(ErrorCode::kInvalidParam, "signing key file: bad key version " + version);
  auto key = crypto::SigningKey::fromSeedBase64(seed);
  if (!key) return fail(ErrorCode::kInvalidParam, "signing key file: bad seed");
  return SigningKeyFile{"ed25519:" + version, *key, false};
}

std::string formatSigningKey(const SigningKeyFile& file) {
  std::string version = file.keyId.substr(file.keyId.find(':') + 1);
  return "ed25519 " + version + " " + crypto::encodeBase64(file.key.seed()) + "\n";
}

Result<SigningKeyFile> loadOrCreateSigningKey(const std::string& path, std::string_view newKeyId) {
  constexpr std::string_view kPrefix = "ed25519:";
  if (!newKeyId.empty()) {
    std::string_view version = newKeyId.substr(std::min(newKeyId.size(), kPrefix.size()));
    if (newKeyId.substr(0, kPrefix.size()) != kPrefix || version.empty() ||
        !std::all_of(version.begin(), version.end(), isVersionChar))
      return fail(ErrorCode::kInvalidParam, "bad signing key ID " + std::string(newKeyId));
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::ostringstream text;
      text << in.rdbuf();
      return parseSigningKey(text.str());
    }
    SigningKeyFile file{"", crypto::SigningKey::generate(), true};
    // The version names the key by its public half so that a rotated key gets a new ID.
    file.keyId = newKeyId.empty() ? "ed25519:p" + file.key.publicKey().toHex().substr(0, 8)
                                  : std::string(newKeyId);
    std::string text = formatSigningKey(file);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      if (errno == EEXIST) continue;  // another process made it first: read theirs
      return fail(ErrorCode::kInternal,
                  "cannot create signing key " + path + ": " + std::strerror(errno));
    }
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ok = ::fsync(fd) == 0 && ok;
    ::close(fd);
    if (!ok) {
      ::unlink(path.c_str());
      return fail(ErrorCode::kInternal, "cannot write signing key " + path);
    }
    return file;
  }
  return fail(ErrorCode::kInternal, "cannot read signing key " + path);
}

}  // namespace plexus::node
