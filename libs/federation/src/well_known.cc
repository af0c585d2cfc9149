// Parsing `.well-known/matrix/server` responses and the cache lifetimes of their results.
#include "plexus/federation/well_known.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>

#include "plexus/json/parse.h"

namespace plexus::federation {
namespace {

constexpr std::size_t kMaxBodyBytes = 64 * 1024;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Cache-Control lifetime in ms: max-age, or 0 for no-store / no-cache; nullopt when neither.
std::optional<std::int64_t> cacheControlLifetime(std::string_view header) {
  std::optional<std::int64_t> maxAge;
  bool noStore = false;
  while (!header.empty()) {
    std::size_t comma = header.find(',');
    std::string_view directive = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    std::size_t eq = directive.find('=');
    std::string_view name = trim(directive.substr(0, eq));
    if (equalsIgnoreCase(name, "no-store") || equalsIgnoreCase(name, "no-cache")) noStore = true;
    if (!equalsIgnoreCase(name, "max-age") || eq == std::string_view::npos) continue;
    std::string_view value = trim(directive.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (value.empty() || value.size() > 12) continue;
    std::int64_t seconds = 0;
    bool digits = true;
    for (char c : value) {
      if (c < '0' || c > '9') digits = false;
      seconds = seconds * 10 + (c - '0');
    }
    if (digits) maxAge = seconds * 1000;
  }
  if (noStore) return 0;
  return maxAge;
}

}  // namespace

std::int64_t systemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<ServerName> parseWellKnown(const WellKnownResponse& response) {
  if (!response.reached || response.status != 200) return std::nullopt;
  if (response.body.size() > kMaxBodyBytes) return std::nullopt;
  json::ParseOptions options;
  options.strictIntegers = false;  // only m.server matters; other members may be anything
  auto object = json::parseObject(response.body, options);
  if (!object) return std::nullopt;
  const json::Value* server = object->find("m.server");
  if (!server || !server->getString()) return std::nullopt;
  auto name = ServerName::parse(*server->getString());
  if (!name) return std::nullopt;
  return std::move(name).value();
}

std::optional<std::int64_t> parseHttpDate(std::string_view text) {
  std::string s(trim(text));
  std::tm tm{};
  const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end != '\0') return std::nullopt;
  time_t t = timegm(&tm);
  if (t == static_cast<time_t>(-1)) return std::nullopt;
  return static_cast<std::int64_t>(t) * 1000;
}

std::int64_t wellKnownLifetimeMs(const WellKnownResponse& response, std::int64_t nowMs,
                                 const WellKnownCachePolicy& policy) {
  std::optional<std::int64_t> lifetime;
  if (response.cacheControl) lifetime = cacheControlLifetime(*response.cacheControl);
  if (!lifetime && response.expires) {
    auto expires = parseHttpDate(*response.expires);
    std::optional<std::int64_t> date = response.date ? parseHttpDate(*response.date) : nowMs;
    // An unparsable Expires means "already expired" (RFC 9111 §5.3).
    lifetime = expires && date ? *expires - *date : 0;
  }
  std::int64_t ms = lifetime.value_or(policy.defaultLifetimeMs);
  return std::clamp(ms, policy.minLifetimeMs, policy.maxLifetimeMs);
}

const WellKnownCache::Entry* WellKnownCache::get(const std::string& hostname) const {
  auto it = entries_.find(hostname);
  if (it == entries_.end() || it->second.expiresAtMs <= clock_()) return nullptr;
  return &it->second;
}

const WellKnownCache::Entry& WellKnownCache::store(const std::string& hostname,
                                                   const WellKnownResponse& response) {
  std::int64_t now = clock_();
  Entry& entry = entries_[hostname];
  if (!response.reached) {
    entry.delegated.reset();
    ++entry.consecutiveFailures;
    std::int64_t backoff = policy_.unreachableInitialMs;
    for (int i = 1; i < entry.consecutiveFailures && backoff < policy_.invalidLifetimeMs; ++i) {
      backoff *= 2;
    }
    entry.expiresAtMs = now + std::min(backoff, policy_.invalidLifetimeMs);
    return entry;
  }
  entry.consecutiveFailures = 0;
  entry.delegated = parseWellKnown(response);
  entry.expiresAtMs = now + (entry.delegated ? wellKnownLifetimeMs(response, now, policy_)
                                             : policy_.invalidLifetimeMs);
  return entry;
}

std::optional<ServerName> WellKnownCache::lookup(const std::string& hostname,
                                                 WellKnownFetcher& fetcher) {
  if (const Entry* cached = get(hostname)) return cached->delegated;
  return store(hostname, fetcher.fetch(hostname)).delegated;
}

}  // namespace plexus::federation
