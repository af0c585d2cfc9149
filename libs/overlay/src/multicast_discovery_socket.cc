// MulticastDiscoverySocket (multicast_discovery_socket.h).
#include "multicast_discovery_socket.h"

#include <net/if.h>

#include <boost/asio/ip/multicast.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <chrono>

namespace plexus::overlay {
namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;

std::int64_t monotonicUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t unixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

MulticastDiscoverySocket::MulticastDiscoverySocket(asio::any_io_executor executor,
                                                   const crypto::SigningKey& key,
                                                   MulticastDiscoveryOptions options,
                                                   std::uint16_t listenPort, HaveLinkFn haveLink,
                                                   DialFn dial, LogFn log)
    : key_(key),
      options_(std::move(options)),
      listenPort_(listenPort),
      haveLink_(std::move(haveLink)),
      dial_(std::move(dial)),
      log_(std::move(log)),
      filter_(key.publicKey(), options_.maxAgeSeconds, options_.redialIntervalUs),
      v4_(executor),
      v6_(executor),
      timer_(executor),
      rng_(std::random_device{}()) {
  v4_.name = "IPv4";
  v6_.name = "IPv6";
}

MulticastDiscoverySocket::~MulticastDiscoverySocket() {
  *alive_ = false;
  stop();
}

bool MulticastDiscoverySocket::open(Family& family, bool v6) {
  boost::system::error_code ec;
  const std::string& groupText = v6 ? options_.groupV6 : options_.groupV4;
  auto group = asio::ip::make_address(groupText, ec);
  if (ec || !group.is_multicast() || group.is_v6() != v6) {
    log_("warn", "LAN discovery: " + family.name + " group " + groupText + " is not a " +
                     family.name + " multicast address; " + family.name + " beacons are off");
    return false;
  }
  family.group = udp::endpoint(group, options_.port);
  auto& s = family.socket;
  std::string step = "opening a socket";
  s.open(v6 ? udp::v6() : udp::v4(), ec);
  if (!ec) {
    step = "binding port " + std::to_string(options_.port);
    s.set_option(udp::socket::reuse_address(true), ec);
    if (v6 && !ec) s.set_option(asio::ip::v6_only(true), ec);
    if (!ec) {
      s.bind(udp::endpoint(v6 ? asio::ip::address(asio::ip::address_v6::any())
                              : asio::ip::address(asio::ip::address_v4::any()),
                           options_.port),
             ec);
    }
  }
  if (!ec) {
    step = "joining " + groupText;
    if (v6) {
      unsigned index = 0;
      if (!options_.interfaceV6.empty()) {
        index = if_nametoindex(options_.interfaceV6.c_str());
        if (index == 0) {
          ec = make_error_code(boost::system::errc::no_such_device);
        }
      }
      if (!ec) s.set_option(asio::ip::multicast::join_group(group.to_v6(), index), ec);
      if (!ec && index != 0) s.set_option(asio::ip::multicast::outbound_interface(index), ec);
    } else {
      asio::ip::address_v4 interface = asio::ip::address_v4::any();
      if (!options_.interfaceV4.empty())
        interface = asio::ip::make_address_v4(options_.interfaceV4, ec);
      if (!ec) s.set_option(asio::ip::multicast::join_group(group.to_v4(), interface), ec);
      if (!ec && !options_.interfaceV4.empty()) {
        s.set_option(asio::ip::multicast::outbound_interface(interface), ec);
      }
    }
  }
  if (!ec) {
    step = "setting multicast options";
    s.set_option(asio::ip::multicast::enable_loopback(options_.loopback), ec);
    if (!ec) s.set_option(asio::ip::multicast::hops(1), ec);  // beacons stay on the LAN
  }
  if (ec) {
    log_("warn",
         "LAN discovery: " + family.name + " beacons are off (" + step + ": " + ec.message() + ")");
    s.close(ec);
    return false;
  }
  family.up = true;
  receive(family);
  return true;
}

bool MulticastDiscoverySocket::start() {
  const bool v4 = options_.ipv4 && open(v4_, false);
  const bool v6 = options_.ipv6 && open(v6_, true);
  if (!v4 && !v6) return false;
  // The first beacon goes out soon, spread a little so nodes started together do not collide.
  std::uniform_int_distribution<std::int64_t> first(
      0, std::max<std::int64_t>(options_.intervalUs / 10, 1));
  armBeacon(first(rng_));
  return true;
}

void MulticastDiscoverySocket::stop() {
  stopped_ = true;
  timer_.cancel();
  boost::system::error_code ec;
  v4_.socket.close(ec);
  v6_.socket.close(ec);
  v4_.up = v6_.up = false;
}

void MulticastDiscoverySocket::receive(Family& family) {
  family.socket.async_receive_from(
      asio::buffer(family.buffer), family.sender,
      [this, &family, alive = alive_](const boost::system::error_code& ec, std::size_t n) {
        if (!*alive || stopped_ || ec == asio::error::operation_aborted) return;
        if (!ec) {
          auto beacon = filter_.onDatagram(std::string_view(family.buffer.data(), n), unixSeconds(),
                                           monotonicUs(), haveLink_);
          if (beacon) dial_(family.sender.address().to_string(), *beacon);
        }
        receive(family);
      });
}

void MulticastDiscoverySocket::sendBeacons() {
  const std::string beacon = encodeBeacon(key_, listenPort_, unixSeconds());
  for (Family* family : {&v4_, &v6_}) {
    if (!family->up) continue;
    boost::system::error_code ec;
    family->socket.send_to(asio::buffer(beacon), family->group, 0, ec);
    if (!ec) {
      ++filter_.counters().beaconsSent;
      continue;
    }
    ++filter_.counters().sendErrors;
    if (!family->sendErrorLogged) {
      family->sendErrorLogged = true;
      log_("warn", "LAN discovery: sending the " + family->name + " beacon failed (" +
                       ec.message() + "); still trying, logged once");
    }
  }
}

void MulticastDiscoverySocket::armBeacon(std::int64_t delayUs) {
  timer_.expires_after(std::chrono::microseconds(delayUs));
  timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (!*alive || stopped_ || ec) return;
    sendBeacons();
    std::uniform_real_distribution<double> spread(1.0 - options_.jitter, 1.0 + options_.jitter);
    armBeacon(static_cast<std::int64_t>(static_cast<double>(options_.intervalUs) * spread(rng_)));
  });
}

}  // namespace plexus::overlay
