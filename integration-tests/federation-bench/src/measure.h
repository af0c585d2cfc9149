// Measuring helpers shared by the federation benchmarks: wall and process CPU time, resident set
// size, a fresh SQLite database, and the "verify only" baseline (one libsodium ed25519 verify
// per event over its precomputed signed bytes, the same baseline as plexus_pdu_check_benchmark).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/crypto/ed25519.h"
#include "plexus/events/room_version.h"
#include "plexus/json/value.h"
#include "plexus/storage/database.h"

namespace plexus::fedbench {

// Process CPU time (user + system, every thread) in milliseconds.
double processCpuMs();
// Peak resident set size of this process so far (getrusage ru_maxrss), in MB.
double peakRssMb();
// Current resident set size (/proc/self/status VmRSS), in MB; 0 when unreadable.
double currentRssMb();

struct Span {
  double wallMs = 0;
  double cpuMs = 0;
};
class Stopwatch {
 public:
  Stopwatch() : wall_(std::chrono::steady_clock::now()), cpu_(processCpuMs()) {}
  Span elapsed() const {
    return {
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall_).count(),
        processCpuMs() - cpu_};
  }

 private:
  std::chrono::steady_clock::time_point wall_;
  double cpu_;
};

// Removes `path` and its -wal/-shm files, then opens it (WAL, the node's defaults).
Result<std::unique_ptr<storage::Database>> openFreshSqlite(const std::string& path);

// One signature to check: the sender's server key, the signed bytes, the raw signature.
struct SignedItem {
  crypto::PublicKey key;
  std::string bytes;
  std::string signature;
};
// The signature of `server` (key ID `keyId`) over each event's redacted form.
// Errors: kBadJson when an event has no such signature.
Result<std::vector<SignedItem>> signedItems(
    const std::vector<const json::Object*>& events, const events::RoomVersion& version,
    const std::function<crypto::PublicKey(std::string_view server)>& keyOf, std::string_view keyId);
// Verifies every item once on this thread; returns the span and how many verified.
struct VerifyOnly {
  Span span;
  std::size_t verified = 0;
};
VerifyOnly verifyOnly(const std::vector<SignedItem>& items);
// The same split over `threads` threads (span: wall time of the whole), for comparing an ingest
// that itself verifies on several cores.
VerifyOnly verifyOnlyParallel(const std::vector<SignedItem>& items, unsigned threads);

// "12.3" style formatting for the JSON output.
std::string fixed(double value, int decimals = 1);

}  // namespace plexus::fedbench
