// RouteCache: where to connect for a destination, from server discovery, remembered for a while
// so kept-alive and new connections skip DNS and .well-known. ServerResolver and its well-known
// cache are not thread-safe, so discovery runs under one lock per shard of destinations.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/federation/dns_resolver.h"
#include "plexus/federation/server_name.h"
#include "plexus/federation/well_known.h"

namespace plexus::federation_https::detail {

struct RouteAddress {
  std::string dial;  // "address:port" ("[v6]:port") or "host:port" from an override
  std::uint16_t port = 0;
};

struct Route {
  std::vector<RouteAddress> addresses;  // never empty; try from `preferred` on
  std::string hostHeader;
  std::string tlsName;        // SNI and certificate name (a bare IP: no SNI, IP certificate)
  std::size_t preferred = 0;  // the address that answered last
};

struct RouteCacheOptions {
  std::map<std::string, std::string> overrides;  // server name -> dial target
  std::chrono::milliseconds ttl{10 * 60'000};
  std::chrono::milliseconds failedTtl{10'000};
  std::size_t shards = 8;
};

class RouteCache {
 public:
  RouteCache(federation::DnsResolver& dns, federation::WellKnownFetcher& wellKnown,
             RouteCacheOptions options);
  ~RouteCache();

  // The route of `server`: remembered, or discovered now (blocking). Errors: kUnavailable
  // (discovery failed now or within failedTtl).
  Result<Route> lookup(const federation::ServerName& server);
  // Records that address `index` of the route answered.
  void prefer(const std::string& destination, std::size_t index);
  // Drops a remembered route (its addresses stopped answering).
  void forget(const std::string& destination);

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    Result<Route> route;
    Clock::time_point expires;
  };
  struct Shard;

  // The remembered entry, if unexpired; mutex_ must be held.
  const Entry* findLocked(const std::string& destination, Clock::time_point now) const;

  RouteCacheOptions options_;
  std::vector<std::unique_ptr<Shard>> shards_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace plexus::federation_https::detail
