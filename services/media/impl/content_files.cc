// ContentFiles: content-addressed files, written through temp file + fsync + rename.
#include "media/impl/content_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "plexus/crypto/sha256.h"

namespace plexus::media {
namespace {

namespace fs = std::filesystem;

Error ioError(std::string_view what, const std::string& path, int err) {
  return makeError(ErrorCode::kInternal,
                   std::string(what) + " " + path + ": " + std::strerror(err));
}

bool isHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status writeAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ioError("write", path, errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

}  // namespace

std::string sha256Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  auto digest = crypto::sha256(bytes);
  std::string out;
  out.reserve(64);
  for (auto b : digest) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

ContentFiles::ContentFiles(std::string rootDir) : root_(std::move(rootDir)) {}

std::string ContentFiles::pathOf(std::string_view hex) const {
  std::string h(hex);
  return root_ + "/content/" + h.substr(0, 2) + "/" + h.substr(2, 2) + "/" + h;
}

Result<std::string> ContentFiles::put(std::string_view bytes) {
  std::string hex = sha256Hex(bytes);
  std::string path = pathOf(hex);
  std::error_code ec;
  if (fs::exists(path, ec)) return hex;  // dedupe: the name is the content
  fs::path dir = fs::path(path).parent_path();
  fs::create_directories(dir, ec);
  if (ec) return makeError(ErrorCode::kInternal, "create " + dir.string() + ": " + ec.message());

  // A unique temp name in the same directory, so rename() stays on one filesystem.
  static std::atomic<std::uint64_t> counter{0};
  std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." +
                    std::to_string(counter.fetch_add(1));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return ioError("create", tmp, errno);
  Status written = writeAll(fd, bytes, tmp);
  if (written.ok() && ::fsync(fd) != 0) written = ioError("fsync", tmp, errno);
  if (::close(fd) != 0 && written.ok()) written = ioError("close", tmp, errno);
  if (written.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    written = ioError("rename", tmp, errno);
  }
  if (!written.ok()) {
    ::unlink(tmp.c_str());
    return written.error();
  }
  // Make the rename itself durable.
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return hex;
}

Result<std::string> ContentFiles::read(std::string_view hex) const {
  if (!isHex64(hex)) return makeError(ErrorCode::kInternal, "malformed content hash");
  std::string path = pathOf(hex);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return makeError(ErrorCode::kNotFound, "media content missing");
    return ioError("open", path, errno);
  }
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return makeError(ErrorCode::kInternal, "read " + path + " failed");
  return std::move(out).str();
}

}  // namespace plexus::media
