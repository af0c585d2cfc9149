// Discovery results per destination with expiry, resolved under per-shard locks.
#include "route_cache.h"

#include <functional>

#include "plexus/federation/server_resolver.h"

namespace plexus::federation_https::detail {

struct RouteCache::Shard {
  Shard(federation::DnsResolver& dns, federation::WellKnownFetcher& wellKnown)
      : resolver(dns, wellKnown, wellKnownCache) {}
  std::mutex mutex;  // held while resolving: guards wellKnownCache through resolver
  federation::WellKnownCache wellKnownCache;
  federation::ServerResolver resolver;
};

namespace {

// Past this many entries, expired ones are dropped on the next insertion.
constexpr std::size_t kSweepThreshold = 4096;

Route fromResolved(const federation::ResolvedServer& resolved) {
  Route route;
  route.hostHeader = resolved.hostHeader;
  route.tlsName = resolved.tlsName;
  for (const auto& endpoint : resolved.endpoints) {
    route.addresses.push_back(RouteAddress{
        federation::formatHostPort(endpoint.address.text, endpoint.address.ipv6, endpoint.port),
        endpoint.port});
  }
  return route;
}

}  // namespace

RouteCache::RouteCache(federation::DnsResolver& dns, federation::WellKnownFetcher& wellKnown,
                       RouteCacheOptions options)
    : options_(std::move(options)) {
  const std::size_t count = std::max<std::size_t>(options_.shards, 1);
  for (std::size_t i = 0; i < count; ++i)
    shards_.push_back(std::make_unique<Shard>(dns, wellKnown));
}

RouteCache::~RouteCache() = default;

const RouteCache::Entry* RouteCache::findLocked(const std::string& destination,
                                                Clock::time_point now) const {
  auto it = entries_.find(destination);
  if (it == entries_.end() || it->second.expires <= now) return nullptr;
  return &it->second;
}

Result<Route> RouteCache::lookup(const federation::ServerName& server) {
  const std::string& destination = server.str();
  if (auto it = options_.overrides.find(destination); it != options_.overrides.end()) {
    Route route;
    route.hostHeader = destination;
    route.tlsName = std::string(server.host());
    route.addresses.push_back(
        RouteAddress{it->second, server.port().value_or(federation::kDefaultFederationPort)});
    return route;
  }
  {
    std::lock_guard lock(mutex_);
    if (const Entry* entry = findLocked(destination, Clock::now())) return entry->route;
  }
  // The well-known cache is keyed by host, so one host always resolves in the same shard.
  Shard& shard = *shards_[std::hash<std::string_view>{}(server.host()) % shards_.size()];
  std::lock_guard shardLock(shard.mutex);
  {
    // Another thread may have resolved it while we waited for the shard.
    std::lock_guard lock(mutex_);
    if (const Entry* entry = findLocked(destination, Clock::now())) return entry->route;
  }
  auto resolved = shard.resolver.resolve(server);
  Entry entry{resolved ? Result<Route>(fromResolved(*resolved))
                       : Result<Route>(fail(ErrorCode::kUnavailable, resolved.error().message)),
              Clock::now() + (resolved ? options_.ttl : options_.failedTtl)};
  std::lock_guard lock(mutex_);
  if (entries_.size() > kSweepThreshold) {
    const auto now = Clock::now();
    std::erase_if(entries_, [&](const auto& item) { return item.second.expires <= now; });
  }
  entries_.insert_or_assign(destination, entry);
  return entry.route;
}

void RouteCache::prefer(const std::string& destination, std::size_t index) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(destination);
  if (it != entries_.end() && it->second.route.ok()) it->second.route->preferred = index;
}

void RouteCache::forget(const std::string& destination) {
  std::lock_guard lock(mutex_);
  entries_.erase(destination);
}

}  // namespace plexus::federation_https::detail
