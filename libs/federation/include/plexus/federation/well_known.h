// `/.well-known/matrix/server` delegation (spec: server discovery step 3 and the "wellknown"
// API): the fetch as an injected interface, parsing of a response, and a cache of results whose
// lifetimes follow the response's Cache-Control / Expires headers within the spec's bounds
// (default 24 h, at most 48 h; errors up to 1 h with exponential back-off).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "plexus/federation/server_name.h"

namespace plexus::federation {

// Milliseconds since the Unix epoch; injected so caches are testable.
using Clock = std::function<std::int64_t()>;
std::int64_t systemNowMs();

// What the fetcher saw. `reached` is false when no HTTP response arrived (DNS, connect, TLS,
// timeout); otherwise the final response after redirects.
struct WellKnownResponse {
  bool reached = false;
  int status = 0;
  std::string body;
  std::optional<std::string> cacheControl;  // Cache-Control header
  std::optional<std::string> expires;       // Expires header
  std::optional<std::string> date;          // Date header
};

class WellKnownFetcher {
 public:
  virtual ~WellKnownFetcher() = default;
  // GET https://<hostname>/.well-known/matrix/server with normal certificate validation,
  // following 30x redirects without loops, with a size and time limit. Never fails: a failure is
  // a response with reached = false. May block; callable from several threads.
  virtual WellKnownResponse fetch(const std::string& hostname) = 0;
};

// The delegated server name of a valid response: status 200, a JSON object (whatever the
// Content-Type) whose `m.server` is a string parsing as a server name. nullopt when invalid.
std::optional<ServerName> parseWellKnown(const WellKnownResponse& response);

struct WellKnownCachePolicy {
  std::int64_t defaultLifetimeMs = 24LL * 3600 * 1000;  // SPEC: "recommended ... 24 hours"
  std::int64_t maxLifetimeMs = 48LL * 3600 * 1000;      // SPEC: "48 hours is recommended"
  // NOTSPEC: the spec sets no floor; a header of max-age=0 would otherwise cost a fetch per
  // request to that server.
  std::int64_t minLifetimeMs = 5LL * 60 * 1000;
  // An HTTP answer that is not a valid delegation (404, bad JSON, ...): SPEC "Errors are
  // recommended to be cached for up to an hour".
  std::int64_t invalidLifetimeMs = 3600LL * 1000;
  // No answer at all: back off exponentially from this, doubling per consecutive failure, up to
  // invalidLifetimeMs.
  std::int64_t unreachableInitialMs = 2LL * 60 * 1000;
};

// How long a valid response may be cached: Cache-Control max-age (no-store / no-cache: not at
// all), else Expires minus Date (or minus now without Date), else the default; then clamped to
// [minLifetimeMs, maxLifetimeMs].
std::int64_t wellKnownLifetimeMs(const WellKnownResponse& response, std::int64_t nowMs,
                                 const WellKnownCachePolicy& policy = {});

// Parses an HTTP-date (IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT") to ms; nullopt when
// malformed.
std::optional<std::int64_t> parseHttpDate(std::string_view text);

// Results per hostname: a delegated name, or "no delegation" (invalid or unreachable), each until
// its expiry. A value type with an injected clock; not thread-safe.
class WellKnownCache {
 public:
  struct Entry {
    std::optional<ServerName> delegated;
    std::int64_t expiresAtMs = 0;
    int consecutiveFailures = 0;  // unreachable fetches in a row
  };

  explicit WellKnownCache(Clock clock = systemNowMs, WellKnownCachePolicy policy = {})
      : clock_(std::move(clock)), policy_(policy) {}

  // The unexpired entry for `hostname`, or nullptr.
  const Entry* get(const std::string& hostname) const;

  // Records a fetch result and returns the entry now cached.
  const Entry& store(const std::string& hostname, const WellKnownResponse& response);

  // The delegation for `hostname`: from the cache, or fetched with `fetcher` and cached.
  std::optional<ServerName> lookup(const std::string& hostname, WellKnownFetcher& fetcher);

  std::int64_t now() const { return clock_(); }

 private:
  Clock clock_;
  WellKnownCachePolicy policy_;
  std::map<std::string, Entry> entries_;
};

}  // namespace plexus::federation
