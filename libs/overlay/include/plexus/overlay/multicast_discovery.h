// LAN discovery by multicast beacons (docs/overlay.md §Discovery): every node on a LAN sends a
// small signed beacon every few seconds to an IPv4 and an IPv6 link-local group; a node that
// hears a key it has no link to dials the beacon's source address at the advertised port. This
// header holds the options, the beacon format and the sans-IO filter that decides which
// beacons lead to a dial; the UDP sockets live in src/multicast_discovery_socket.h.
//
// Beacon (111 bytes, integers big-endian):
//   magic "PXB1" (4) | version 1 (1) | node key (32) | listen port (2) | unix seconds (8) |
//   ed25519 signature by the node key over everything before it (64)
// A beacon is accepted when the signature verifies, its time is within maxAgeSeconds of ours
// (either way) and not older than the newest beacon already seen from that key; so a forged
// beacon is ignored, and a replayed one only ever makes us dial the real key (the link
// handshake then fails at any other address) at most once per redial interval.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "plexus/crypto/ed25519.h"

namespace plexus::overlay {

// Default groups: 239.255.0.0/16 is the IPv4 organisation-local scope; ff02::/16 is IPv6
// link-local. 0x504c5853 spells "PLXS".
inline constexpr const char* kDefaultBeaconGroupV4 = "239.255.77.77";
inline constexpr const char* kDefaultBeaconGroupV6 = "ff02::504c:5853";
inline constexpr std::uint16_t kDefaultBeaconPort = 8449;

struct MulticastDiscoveryOptions {
  // Off by default so that tests and embedders never send beacons onto a real network by
  // accident; `plexus node --p2p` turns it on unless --no-multicast.
  bool enabled = false;
  bool ipv4 = true;
  bool ipv6 = true;
  std::string groupV4 = kDefaultBeaconGroupV4;
  std::string groupV6 = kDefaultBeaconGroupV6;
  std::uint16_t port = kDefaultBeaconPort;  // UDP
  // IPv4 address of the interface to send and join on ("" = the system's choice).
  std::string interfaceV4;
  // IPv6 interface name ("" = the system's choice, usually none for link-local groups).
  std::string interfaceV6;
  bool loopback = true;  // IP_MULTICAST_LOOP: hear beacons of nodes on this machine
  std::int64_t intervalUs = 5'000'000;
  double jitter = 0.2;  // each interval is +-20%
  std::int64_t maxAgeSeconds = 60;
  // At most one dial per key per this long, whatever the beacons say.
  std::int64_t redialIntervalUs = 10'000'000;
};

struct MulticastDiscoveryCounters {
  std::uint64_t beaconsSent = 0;
  std::uint64_t sendErrors = 0;
  std::uint64_t beaconsReceived = 0;  // well-formed and signed, from another key
  std::uint64_t beaconsRejected = 0;  // malformed, bad signature, too old or new, stale
  std::uint64_t dialsRequested = 0;
};

struct Beacon {
  crypto::PublicKey key;
  std::uint16_t port = 0;
  std::int64_t unixSeconds = 0;
};

inline constexpr std::size_t kBeaconSize = 4 + 1 + 32 + 2 + 8 + 64;

// A signed beacon for `key`'s node listening on `port`.
std::string encodeBeacon(const crypto::SigningKey& key, std::uint16_t port,
                         std::int64_t unixSeconds);
// Parses and checks the signature; nullopt for anything else. Time is not checked here.
std::optional<Beacon> decodeBeacon(std::string_view bytes);

// Decides which received beacons lead to a dial. Sans-IO; time is passed in.
class BeaconFilter {
 public:
  BeaconFilter(crypto::PublicKey self, std::int64_t maxAgeSeconds, std::int64_t redialIntervalUs)
      : self_(std::move(self)),
        maxAgeSeconds_(maxAgeSeconds),
        redialIntervalUs_(redialIntervalUs) {}

  // The beacon to dial, or nullopt (invalid, our own, too old, stale, or dialled recently).
  // `haveLink` says whether a link to the beacon's key exists already.
  std::optional<Beacon> onDatagram(std::string_view bytes, std::int64_t unixNow,
                                   std::int64_t monotonicUs,
                                   const std::function<bool(const crypto::PublicKey&)>& haveLink);

  const MulticastDiscoveryCounters& counters() const { return counters_; }
  MulticastDiscoveryCounters& counters() { return counters_; }

 private:
  struct Seen {
    std::int64_t newestUnix = 0;
    std::int64_t lastDialUs = 0;
    bool dialled = false;
  };

  crypto::PublicKey self_;
  std::int64_t maxAgeSeconds_;
  std::int64_t redialIntervalUs_;
  std::map<std::string, Seen> seen_;  // by key bytes; bounded (oldest entries forgotten)
  MulticastDiscoveryCounters counters_;
};

}  // namespace plexus::overlay
