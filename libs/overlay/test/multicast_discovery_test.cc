// LAN discovery (multicast_discovery.h): the beacon format and filter (forged, stale, replayed
// and our own beacons are ignored; dials are rate-limited), and two OverlayNodes with no
// bootstrap peers finding each other by IPv4 and by IPv6 multicast.
//
// The host's loopback interface has no MULTICAST flag here and the real interfaces must never
// carry test traffic, so the node test runs in a child process inside its own network namespace
// (unshare(CLONE_NEWNET), root only), where it turns multicast on for that namespace's `lo`; IPv6
// multicast does not loop on lo, so the IPv6 case adds a veth pair there with iproute2's `ip`.
// Where that is not permitted the test skips and says why.
#include "plexus/overlay/multicast_discovery.h"

#include <gtest/gtest.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

#include "plexus/overlay/overlay_node.h"

namespace plexus::overlay {
namespace {

using namespace std::chrono_literals;
using crypto::SigningKey;

constexpr std::int64_t kNow = 1'800'000'000;

TEST(MulticastDiscoveryTest, BeaconRoundTrips) {
  const auto key = SigningKey::generate();
  const std::string bytes = encodeBeacon(key, 8449, kNow);
  EXPECT_EQ(bytes.size(), kBeaconSize);
  auto beacon = decodeBeacon(bytes);
  ASSERT_TRUE(beacon);
  EXPECT_EQ(beacon->key, key.publicKey());
  EXPECT_EQ(beacon->port, 8449);
  EXPECT_EQ(beacon->unixSeconds, kNow);
}

TEST(MulticastDiscoveryTest, ForgedOrMalformedBeaconsAreRejected) {
  const auto key = SigningKey::generate();
  std::string bytes = encodeBeacon(key, 8449, kNow);
  for (std::size_t i = 0; i < bytes.size(); i += 7) {
    std::string flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x01);
    EXPECT_FALSE(decodeBeacon(flipped)) << "byte " << i;
  }
  EXPECT_FALSE(decodeBeacon(bytes.substr(1)));
  EXPECT_FALSE(decodeBeacon(bytes + "x"));
  // Another key's signature over our fields.
  const auto other = SigningKey::generate();
  std::string forged = bytes.substr(0, kBeaconSize - 64);
  forged += other.sign(forged);
  EXPECT_FALSE(decodeBeacon(forged));
}

TEST(MulticastDiscoveryTest, FilterDialsFreshBeaconsOnceAndIgnoresTheRest) {
  const auto self = SigningKey::generate();
  const auto peer = SigningKey::generate();
  BeaconFilter filter(self.publicKey(), 60, 10'000'000);
  auto noLink = [](const crypto::PublicKey&) { return false; };

  EXPECT_FALSE(filter.onDatagram(encodeBeacon(self, 1, kNow), kNow, 0, noLink));       // our own
  EXPECT_FALSE(filter.onDatagram(encodeBeacon(peer, 1, kNow - 61), kNow, 0, noLink));  // old
  EXPECT_FALSE(filter.onDatagram(encodeBeacon(peer, 1, kNow + 61), kNow, 0, noLink));  // future
  EXPECT_FALSE(filter.onDatagram(encodeBeacon(peer, 0, kNow), kNow, 0, noLink));       // no port
  EXPECT_FALSE(filter.onDatagram("garbage", kNow, 0, noLink));

  auto dial = filter.onDatagram(encodeBeacon(peer, 4000, kNow), kNow, 0, noLink);
  ASSERT_TRUE(dial);
  EXPECT_EQ(dial->key, peer.publicKey());
  EXPECT_EQ(dial->port, 4000);
  // Rate-limited per key.
  EXPECT_FALSE(filter.onDatagram(encodeBeacon(peer, 4000, kNow + 5), kNow + 5, 5'000'000, noLink));
  // A replay of an older beacon is ignored even once the rate limit has passed.
  EXPECT_FALSE(filter.onDatagram(encodeBeacon(peer, 4000, kNow), kNow + 20, 20'000'000, noLink));
  // Fresh again, but a link exists: no dial.
  auto linked = [](const crypto::PublicKey&) { return true; };
  EXPECT_FALSE(
      filter.onDatagram(encodeBeacon(peer, 4000, kNow + 20), kNow + 20, 20'000'000, linked));
  EXPECT_TRUE(
      filter.onDatagram(encodeBeacon(peer, 4000, kNow + 21), kNow + 21, 21'000'000, noLink));
  EXPECT_EQ(filter.counters().dialsRequested, 2u);
  EXPECT_EQ(filter.counters().beaconsRejected, 5u);
}

// ---- two nodes in a private network namespace ----

// Child side: 0 found each other, 1 did not, 77 could not set up the namespace.
constexpr int kSkip = 77;

int setUpNamespace(bool v6) {
  if (::unshare(CLONE_NEWNET) != 0) {
    std::fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", std::strerror(errno));
    return kSkip;
  }
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  request.ifr_flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_MULTICAST;
  const int rc = ::ioctl(fd, SIOCSIFFLAGS, &request);
  ::close(fd);
  if (rc != 0) {
    std::fprintf(stderr, "bringing up lo with multicast: %s\n", std::strerror(errno));
    return kSkip;
  }
  if (!v6) return 0;
  // IPv6 multicast does not loop back on lo: use a veth pair inside the namespace (both ends
  // ours), with duplicate address detection off so the link-local addresses come up at once.
  for (const char* path :
       {"/proc/sys/net/ipv6/conf/all/accept_dad", "/proc/sys/net/ipv6/conf/default/accept_dad"}) {
    std::ofstream(path) << "0\n";
  }
  if (std::system("ip link add pxv0 type veth peer name pxv1 && ip link set pxv0 up && "
                  "ip link set pxv1 up") != 0) {
    std::fprintf(stderr, "creating a veth pair failed (is iproute2 there?)\n");
    return kSkip;
  }
  std::this_thread::sleep_for(300ms);  // addresses appear after the link is up
  return 0;
}

int discoverInNamespace(bool v6) {
  if (int rc = setUpNamespace(v6); rc != 0) return rc;
  OverlayNodeOptions options;
  options.listen = HostPort{v6 ? "::" : "127.0.0.1", 0};
  options.multicast.enabled = true;
  options.multicast.ipv4 = !v6;
  options.multicast.ipv6 = v6;
  options.multicast.port = 48449;
  options.multicast.interfaceV4 = "127.0.0.1";
  options.multicast.interfaceV6 = "pxv0";
  options.multicast.intervalUs = 200'000;
  options.log = [](std::string_view level, std::string_view message) {
    std::fprintf(stderr, "%.*s %.*s\n", static_cast<int>(level.size()), level.data(),
                 static_cast<int>(message.size()), message.data());
  };
  OverlayNode a(SigningKey::generate(), options);
  OverlayNode b(SigningKey::generate(), options);
  if (!a.start().ok() || !b.start().ok()) {
    std::fprintf(stderr, "listening failed\n");
    return kSkip;
  }
  auto linked = [](const OverlayNode& node, const crypto::PublicKey& key) {
    for (const auto& peer : node.snapshot().peers) {
      if (peer.key == key && peer.port != 0) return true;
    }
    return false;
  };
  const auto deadline = std::chrono::steady_clock::now() + 4s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (linked(a, b.key()) && linked(b, a.key())) {
      // The link came from a beacon: one node heard the other's. (Which one dialled first is a
      // race; the other may not have heard a beacon yet when the link is up.)
      const auto da = a.snapshot().discovery, db = b.snapshot().discovery;
      if (da.beaconsSent + db.beaconsSent == 0 || da.beaconsReceived + db.beaconsReceived == 0)
        return 1;
      return 0;
    }
    std::this_thread::sleep_for(20ms);
  }
  const auto sa = a.snapshot();
  std::fprintf(stderr,
               "no link: sent %llu received %llu rejected %llu send errors %llu dials %llu\n",
               static_cast<unsigned long long>(sa.discovery.beaconsSent),
               static_cast<unsigned long long>(sa.discovery.beaconsReceived),
               static_cast<unsigned long long>(sa.discovery.beaconsRejected),
               static_cast<unsigned long long>(sa.discovery.sendErrors),
               static_cast<unsigned long long>(sa.node.discoveryDials));
  return 1;
}

// Runs `body` in a forked child, bounded by `limit`; its exit code, or -1 on a timeout or crash.
int runInChild(int (*body)(bool), bool arg, std::chrono::milliseconds limit) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return kSkip;
  if (pid == 0) ::_exit(body(arg));
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (true) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(10ms);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void expectDiscovery(bool v6) {
  const int rc = runInChild(&discoverInNamespace, v6, 8s);
  if (rc == kSkip) {
    GTEST_SKIP() << "needs a private network namespace (unshare(CLONE_NEWNET), root) to run "
                    "multicast on loopback; see the child's message above";
  }
  EXPECT_EQ(rc, 0) << "the two nodes did not find each other (see the child's output above)";
}

TEST(MulticastDiscoveryTest, TwoNodesFindEachOtherOverIpv4) { expectDiscovery(false); }

TEST(MulticastDiscoveryTest, TwoNodesFindEachOtherOverIpv6) { expectDiscovery(true); }

}  // namespace
}  // namespace plexus::overlay
