// The UDP side of LAN discovery (multicast_discovery.h): one socket per address family, joined
// to the beacon group, sending our beacon every interval (jittered) and handing each received
// beacon that passes the BeaconFilter to `dial`. A family that cannot be set up (no IPv6, no
// multicast route, port in use) is logged once and left off; the other carries on. Lives on
// the executor it is given (single-threaded), like TcpLink.
#pragma once

#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include "plexus/crypto/ed25519.h"
#include "plexus/overlay/multicast_discovery.h"

namespace plexus::overlay {

class MulticastDiscoverySocket {
 public:
  using DialFn = std::function<void(const std::string& address, const Beacon& beacon)>;
  using LogFn = std::function<void(std::string_view level, const std::string& message)>;
  using HaveLinkFn = std::function<bool(const crypto::PublicKey&)>;

  MulticastDiscoverySocket(boost::asio::any_io_executor executor, const crypto::SigningKey& key,
                           MulticastDiscoveryOptions options, std::uint16_t listenPort,
                           HaveLinkFn haveLink, DialFn dial, LogFn log);
  ~MulticastDiscoverySocket();

  // Opens what it can and starts beaconing; true when at least one family works.
  bool start();
  void stop();
  const MulticastDiscoveryCounters& counters() const { return filter_.counters(); }

 private:
  struct Family {
    explicit Family(boost::asio::any_io_executor executor) : socket(executor) {}
    boost::asio::ip::udp::socket socket;
    boost::asio::ip::udp::endpoint group;
    boost::asio::ip::udp::endpoint sender;
    std::array<char, 512> buffer{};
    bool up = false;
    bool sendErrorLogged = false;
    std::string name;
  };

  bool open(Family& family, bool v6);
  void receive(Family& family);
  void sendBeacons();
  void armBeacon(std::int64_t delayUs);

  crypto::SigningKey key_;
  MulticastDiscoveryOptions options_;
  std::uint16_t listenPort_;
  HaveLinkFn haveLink_;
  DialFn dial_;
  LogFn log_;
  BeaconFilter filter_;
  Family v4_;
  Family v6_;
  boost::asio::steady_timer timer_;
  std::mt19937_64 rng_;
  bool stopped_ = false;
  // Outstanding handlers check this, so the object may die with operations pending.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace plexus::overlay
