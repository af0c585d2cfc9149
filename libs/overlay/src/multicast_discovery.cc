// Beacon encoding and the beacon filter (multicast_discovery.h).
#include "plexus/overlay/multicast_discovery.h"

#include <utility>

namespace plexus::overlay {
namespace {

constexpr std::string_view kMagic = "PXB1";
constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kSignedSize = kBeaconSize - 64;
constexpr std::size_t kMaxRemembered = 4096;

void putBigEndian(std::string& out, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

std::uint64_t getBigEndian(std::string_view in, std::size_t offset, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) {
    value = (value << 8) | static_cast<std::uint8_t>(in[offset + static_cast<std::size_t>(i)]);
  }
  return value;
}

}  // namespace

std::string encodeBeacon(const crypto::SigningKey& key, std::uint16_t port,
                         std::int64_t unixSeconds) {
  std::string out;
  out.reserve(kBeaconSize);
  out.append(kMagic);
  out.push_back(static_cast<char>(kVersion));
  out.append(key.publicKey().bytes());
  putBigEndian(out, port, 2);
  putBigEndian(out, static_cast<std::uint64_t>(unixSeconds), 8);
  out.append(key.sign(out));
  return out;
}

std::optional<Beacon> decodeBeacon(std::string_view bytes) {
  if (bytes.size() != kBeaconSize) return std::nullopt;
  if (bytes.substr(0, 4) != kMagic || static_cast<std::uint8_t>(bytes[4]) != kVersion) {
    return std::nullopt;
  }
  auto key = crypto::PublicKey::fromBytes(bytes.substr(5, 32));
  if (!key) return std::nullopt;
  if (!key->verify(bytes.substr(0, kSignedSize), bytes.substr(kSignedSize))) return std::nullopt;
  Beacon beacon;
  beacon.key = *key;
  beacon.port = static_cast<std::uint16_t>(getBigEndian(bytes, 37, 2));
  beacon.unixSeconds = static_cast<std::int64_t>(getBigEndian(bytes, 39, 8));
  return beacon;
}

std::optional<Beacon> BeaconFilter::onDatagram(
    std::string_view bytes, std::int64_t unixNow, std::int64_t monotonicUs,
    const std::function<bool(const crypto::PublicKey&)>& haveLink) {
  auto beacon = decodeBeacon(bytes);
  if (!beacon) {
    ++counters_.beaconsRejected;
    return std::nullopt;
  }
  if (beacon->key == self_) return std::nullopt;  // our own, looped back
  const std::int64_t skew = beacon->unixSeconds - unixNow;
  if (beacon->port == 0 || skew > maxAgeSeconds_ || skew < -maxAgeSeconds_) {
    ++counters_.beaconsRejected;
    return std::nullopt;
  }
  const std::string id(beacon->key.bytes());
  auto it = seen_.find(id);
  if (it == seen_.end()) {
    if (seen_.size() >= kMaxRemembered) seen_.erase(seen_.begin());
    it = seen_.emplace(id, Seen{}).first;
  }
  Seen& seen = it->second;
  if (beacon->unixSeconds < seen.newestUnix) {
    ++counters_.beaconsRejected;  // older than one already seen: a replay
    return std::nullopt;
  }
  seen.newestUnix = beacon->unixSeconds;
  ++counters_.beaconsReceived;
  if (haveLink && haveLink(beacon->key)) return std::nullopt;
  if (seen.dialled && monotonicUs - seen.lastDialUs < redialIntervalUs_) return std::nullopt;
  seen.dialled = true;
  seen.lastDialUs = monotonicUs;
  ++counters_.dialsRequested;
  return beacon;
}

}  // namespace plexus::overlay
