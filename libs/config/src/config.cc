// defaults() live in the header; here: every section's verify() and the HOST:PORT splitter.
#include "plexus/config/config.h"

#include <charconv>

namespace plexus::config {
namespace {

void add(std::vector<std::string>& out, std::string_view prefix, std::vector<std::string> more) {
  for (auto& m : more) out.push_back(std::string(prefix) + "." + m);
}

void checkAddress(std::vector<std::string>& out, std::string_view key, const std::string& value,
                  bool mayBeEmpty) {
  if (value.empty() && mayBeEmpty) return;
  std::string host;
  std::uint16_t port = 0;
  if (!splitHostPort(value, host, port))
    out.push_back(std::string(key) + ": expected HOST:PORT, got \"" + value + "\"");
}

bool isValidServerName(const std::string& name) {
  // SPEC: appendices "Server Name": hostname (DNS name, IPv4, [IPv6]) with an optional port.
  if (name.empty() || name.size() > 255) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == ':' || c == '[' || c == ']';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool splitHostPort(const std::string& text, std::string& host, std::uint16_t& port) {
  std::size_t colon;
  if (!text.empty() && text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return false;
    host = text.substr(1, close - 1);
    colon = close + 1;
  } else {
    colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) return false;
    host = text.substr(0, colon);
    if (host.find(':') != std::string::npos) return false;  // bare IPv6 needs brackets
  }
  std::string_view digits(text.data() + colon + 1, text.size() - colon - 1);
  if (digits.empty() || host.empty()) return false;
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

std::vector<std::string> GlobalConfig::verify() const {
  std::vector<std::string> out;
  if (!isValidServerName(serverName))
    out.push_back("server_name: \"" + serverName + "\" is not a valid server name");
  if (dataDir.empty()) out.push_back("data_dir: must not be empty");
  return out;
}

std::string GlobalConfig::effectiveSigningKeyPath() const {
  if (!signingKeyPath.empty()) return signingKeyPath;
  std::string dir = dataDir;
  if (!dir.empty() && dir.back() != '/') dir += '/';
  return dir + "signing.key";
}

std::vector<std::string> DatabaseConfig::verify() const {
  std::vector<std::string> out;
  if (postgresPoolSize < 1 || postgresPoolSize > 1000)
    out.push_back("postgres_pool_size: must be between 1 and 1000");
  if (sqliteReaders < 0 || sqliteReaders > 64)
    out.push_back("sqlite_readers: must be between 0 and 64");
  if (!postgresDsn.empty() && postgresDsn.find('\n') != std::string::npos)
    out.push_back("postgres_dsn: must be one line");
  return out;
}

std::vector<std::string> RateLimitsConfig::verify() const {
  std::vector<std::string> out;
  if (!(requestsPerSecond > 0)) out.push_back("requests_per_second: must be positive");
  if (!(burst >= 1)) out.push_back("burst: must be at least 1");
  return out;
}

std::vector<std::string> TurnSection::verify() const {
  std::vector<std::string> out;
  if (ttlSeconds <= 0) out.push_back("ttl_seconds: must be positive");
  for (const auto& u : uris)
    if (u.rfind("turn:", 0) != 0 && u.rfind("turns:", 0) != 0 && u.rfind("stun:", 0) != 0)
      out.push_back("uris: \"" + u + "\" is not a turn:, turns: or stun: URI");
  return out;
}

std::vector<std::string> ClientApiSection::verify() const {
  std::vector<std::string> out;
  checkAddress(out, "listen", listen, false);
  if (maxBodyBytes < 1024) out.push_back("max_body_bytes: must be at least 1024");
  if (!wellKnownBaseUrl.empty() && wellKnownBaseUrl.rfind("http://", 0) != 0 &&
      wellKnownBaseUrl.rfind("https://", 0) != 0)
    out.push_back("well_known_base_url: must start with http:// or https://");
  if (workerThreads < 1 || workerThreads > 256)
    out.push_back("worker_threads: must be between 1 and 256");
  if (ioThreads < 1 || ioThreads > 64) out.push_back("io_threads: must be between 1 and 64");
  add(out, "rate_limits", rateLimits.verify());
  add(out, "turn", turn.verify());
  return out;
}

std::vector<std::string> AccountSyncSection::verify() const {
  std::vector<std::string> out;
  if (accessTokenLifetimeMs < 1000) out.push_back("access_token_lifetime_ms: must be >= 1000");
  return out;
}

std::vector<std::string> SyncApiSection::verify() const {
  std::vector<std::string> out;
  if (maxTimeoutMs < 0) out.push_back("max_timeout_ms: must not be negative");
  if (wakeThreads < 1 || wakeThreads > 64) out.push_back("wake_threads: must be between 1 and 64");
  if (pushGatewayCaFile.find('\n') != std::string::npos)
    out.push_back("push_gateway_ca_file: must be one line");
  if (pushGatewayInsecureTls && !pushGatewayCaFile.empty())
    out.push_back(
        "push_gateway_ca_file, push_gateway_insecure_tls: a CA file has no effect "
        "when certificates are not verified");
  return out;
}

std::vector<std::string> MediaSection::verify() const {
  std::vector<std::string> out;
  if (maxUploadBytes < 1) out.push_back("max_upload_bytes: must be at least 1");
  if (maxImagePixels < 1) out.push_back("max_image_pixels: must be at least 1");
  if (mediaDir.find('\n') != std::string::npos) out.push_back("media_dir: must be one line");
  return out;
}

std::vector<std::string> LoggingSection::verify() const {
  static const char* const kLevels[] = {"trace",   "debug", "info", "warn",
                                        "warning", "error", "off"};
  for (const char* l : kLevels)
    if (level == l) return {};
  return {"level: \"" + level + "\" is not one of trace, debug, info, warn, error, off"};
}

std::vector<std::string> FederationSection::verify() const {
  std::vector<std::string> out;
  checkAddress(out, "listen", listen, true);
  if (tlsCert.empty() != tlsKey.empty()) out.push_back("tls_cert, tls_key: give both or neither");
  for (const auto& r : resolve) {
    auto eq = r.find('=');
    if (eq == std::string::npos || eq == 0) {
      out.push_back("resolve: '" + r + "' is not NAME=HOST:PORT");
      continue;
    }
    checkAddress(out, "resolve", r.substr(eq + 1), false);
  }
  if (wellKnownServer.find_first_of("/ \t@?#") != std::string::npos)
    out.push_back("well_known_server: '" + wellKnownServer + "' is not HOST[:PORT]");
  return out;
}

std::vector<std::string> P2pSection::verify() const {
  std::vector<std::string> out;
  checkAddress(out, "overlay_listen", overlayListen, true);
  for (const auto& p : peers) checkAddress(out, "peers", p, false);
  return out;
}

std::vector<std::string> MetricsSection::verify() const {
  std::vector<std::string> out;
  checkAddress(out, "listen", listen, true);
  return out;
}

std::vector<std::string> ClusterSection::verify() const {
  std::vector<std::string> out;
  checkAddress(out, "grpc_listen", grpcListen, true);
  if (!redisUrl.empty() && redisUrl.rfind("redis://", 0) != 0)
    out.push_back("redis_url: expected redis://host[:port][/db], got " + redisUrl);
  for (const char* service :
       {"roomserver", "federationsender", "syncapi", "keyserver", "accountsync", "media"}) {
    for (const std::string& target : targetsOf(service)) {
      if (target.empty()) out.push_back(std::string(service) + ": empty target");
    }
  }
  if (shard < 0) out.push_back("shard: must not be negative");
  return out;
}

const std::vector<std::string>& ClusterSection::targetsOf(std::string_view service) const {
  static const std::vector<std::string> kNone;
  if (service == "roomserver") return roomserver;
  if (service == "federationsender") return federationsender;
  if (service == "syncapi") return syncapi;
  if (service == "keyserver") return keyserver;
  if (service == "accountsync") return accountsync;
  if (service == "media") return media;
  return kNone;
}

std::vector<std::string> Config::verify() const {
  std::vector<std::string> out;
  add(out, "global", global.verify());
  add(out, "database", database.verify());
  add(out, "client_api", clientApi.verify());
  add(out, "account_sync", accountSync.verify());
  add(out, "sync_api", syncApi.verify());
  add(out, "media", media.verify());
  add(out, "logging", logging.verify());
  add(out, "federation", federation.verify());
  add(out, "p2p", p2p.verify());
  add(out, "metrics", metrics.verify());
  add(out, "cluster", cluster.verify());
  return out;
}

}  // namespace plexus::config
