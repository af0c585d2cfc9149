// Time, memory and verify-only measurements for the federation benchmarks.
#include "measure.h"

#include <sys/resource.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "plexus/crypto/base64.h"
#include "plexus/crypto/json_signing.h"
#include "plexus/events/redaction.h"
#include "plexus/storage/sqlite_database.h"

namespace plexus::fedbench {

double processCpuMs() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto ms = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3;
  };
  return ms(u.ru_utime) + ms(u.ru_stime);
}

double peakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // kB on Linux
}

double currentRssMb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

Result<std::unique_ptr<storage::Database>> openFreshSqlite(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    std::filesystem::remove(path + suffix, ec);
  }
  storage::SqliteConfig config = storage::SqliteConfig::defaults();
  config.path = path;
  return storage::openSqlite(config);
}

Result<std::vector<SignedItem>> signedItems(
    const std::vector<const json::Object*>& events, const events::RoomVersion& version,
    const std::function<crypto::PublicKey(std::string_view server)>& keyOf,
    std::string_view keyId) {
  std::vector<SignedItem> out;
  out.reserve(events.size());
  for (const json::Object* event : events) {
    const json::Value* sender = event->find("sender");
    const std::string* s = sender ? sender->getString() : nullptr;
    if (!s || s->find(':') == std::string::npos) return fail(ErrorCode::kBadJson, "no sender");
    std::string server = s->substr(s->find(':') + 1);
    const json::Value* sigs = event->find("signatures");
    const json::Value* sig = sigs ? sigs->get(server) : nullptr;
    sig = sig ? sig->get(keyId) : nullptr;
    if (!sig || !sig->getString()) return fail(ErrorCode::kBadJson, "no signature by " + server);
    auto raw = crypto::decodeBase64(*sig->getString());
    if (!raw) return fail(ErrorCode::kBadJson, "bad signature encoding");
    out.push_back({keyOf(server), crypto::signingBytes(events::redact(*event, version)), *raw});
  }
  return out;
}

VerifyOnly verifyOnly(const std::vector<SignedItem>& items) {
  VerifyOnly result;
  Stopwatch watch;
  for (const auto& item : items) result.verified += item.key.verify(item.bytes, item.signature);
  result.span = watch.elapsed();
  return result;
}

VerifyOnly verifyOnlyParallel(const std::vector<SignedItem>& items, unsigned threads) {
  VerifyOnly result;
  std::vector<std::size_t> verified(threads, 0);
  Stopwatch watch;
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (std::size_t i = t; i < items.size(); i += threads)
        verified[t] += items[i].key.verify(items[i].bytes, items[i].signature);
    });
  }
  for (auto& th : pool) th.join();
  result.span = watch.elapsed();
  for (std::size_t v : verified) result.verified += v;
  return result;
}

std::string fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

}  // namespace plexus::fedbench
