// The commented YAML file that `plexus generate-config` prints: every key with its default and
// a line saying what it does. Written by hand (not through yaml-cpp's emitter) to keep comments.
#include <cstdio>

#include "plexus/config/load.h"

namespace plexus::config {
namespace {

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string boolText(bool b) { return b ? "true" : "false"; }

std::string numberText(double d) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  std::string s = buf;
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

std::string listText(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + quote(items[i]);
  return out + "]";
}

}  // namespace

std::string toYaml(const Config& c) {
  std::string y;
  auto line = [&](const std::string& text) { y += text + "\n"; };
  line("# Plexus configuration (plexus node --config FILE). Command-line flags override it.");
  line("# Unknown keys are errors. Environment variables override secrets:");
  line("#   PLEXUS_DATABASE_DSN (database.postgres_dsn), PLEXUS_TURN_PASSWORD.");
  line("");
  line("global:");
  line("  # The part after ':' in user IDs (@alice:<server_name>). Cannot change later.");
  line("  server_name: " + quote(c.global.serverName));
  line("  # Where the node keeps its signing key and SQLite databases; created on first start.");
  line("  data_dir: " + quote(c.global.dataDir));
  line("  # The ed25519 signing key; empty: <data_dir>/signing.key, generated on first start.");
  line("  signing_key_path: " + quote(c.global.signingKeyPath));
  line("  # Route calls between services through gRPC on loopback (not available yet).");
  line("  loopback_grpc: " + boolText(c.loopbackGrpc));
  line("");
  line("database:");
  line("  # PostgreSQL connection string (\"host=... dbname=...\" or postgresql://...); each");
  line("  # service gets its own schema. Empty: SQLite, one file per service.");
  line("  postgres_dsn: " + quote(c.database.postgresDsn));
  line("  # PostgreSQL connections per service.");
  line("  postgres_pool_size: " + std::to_string(c.database.postgresPoolSize));
  line("  # Directory of the SQLite files (<service>.db); empty: data_dir.");
  line("  sqlite_dir: " + quote(c.database.sqliteDir));
  line("  # Read-only SQLite connections per service (reads run beside the one writer).");
  line("  sqlite_readers: " + std::to_string(c.database.sqliteReaders));
  line("");
  line("client_api:");
  line("  # HOST:PORT the Client-Server API listens on.");
  line("  listen: " + quote(c.clientApi.listen));
  line("  # Anyone may register an account (user-interactive auth with m.login.dummy).");
  line("  registration_enabled: " + boolText(c.clientApi.registrationEnabled));
  line("  guest_access_enabled: " + boolText(c.clientApi.guestAccessEnabled));
  line("  # Request bodies larger than this get 413 M_TOO_LARGE.");
  line("  max_body_bytes: " + std::to_string(c.clientApi.maxBodyBytes));
  line("  # base_url served in /.well-known/matrix/client; empty: no well-known answer.");
  line("  well_known_base_url: " + quote(c.clientApi.wellKnownBaseUrl));
  line("  # Most threads running request handlers (the pool starts with 4 and grows while all are");
  line("  # busy: they mostly wait on the database, and the more writes wait at once the more of");
  line("  # them SQLite puts in one commit), and threads doing network I/O.");
  line("  worker_threads: " + std::to_string(c.clientApi.workerThreads));
  line("  io_threads: " + std::to_string(c.clientApi.ioThreads));
  line("  rate_limits:");
  line("    # Over the limit, requests get 429 M_LIMIT_EXCEEDED with retry_after_ms.");
  line("    enabled: " + boolText(c.clientApi.rateLimits.enabled));
  line("    requests_per_second: " + numberText(c.clientApi.rateLimits.requestsPerSecond));
  line("    burst: " + numberText(c.clientApi.rateLimits.burst));
  line("  turn:");
  line("    # TURN servers offered to VoIP clients (GET /voip/turnServer); empty: none.");
  line("    uris: " + listText(c.clientApi.turn.uris));
  line("    username: " + quote(c.clientApi.turn.username));
  line("    password: " + quote(c.clientApi.turn.password));
  line("    ttl_seconds: " + std::to_string(c.clientApi.turn.ttlSeconds));
  line("");
  line("account_sync:");
  line("  # Lifetime of access tokens issued with a refresh token.");
  line("  access_token_lifetime_ms: " + std::to_string(c.accountSync.accessTokenLifetimeMs));
  line("");
  line("sync_api:");
  line("  # Upper bound of a /sync long-poll timeout.");
  line("  max_timeout_ms: " + std::to_string(c.syncApi.maxTimeoutMs));
  line("  # Threads that compute /sync responses for woken long-polls.");
  line("  wake_threads: " + std::to_string(c.syncApi.wakeThreads));
  line("  # PEM file of the CAs trusted for https push gateways; empty: the system store.");
  line("  push_gateway_ca_file: " + quote(c.syncApi.pushGatewayCaFile));
  line("  # Accept any push gateway certificate. Test networks only: pushes can be read.");
  line("  push_gateway_insecure_tls: " + boolText(c.syncApi.pushGatewayInsecureTls));
  line("");
  line("media:");
  line("  # Uploads larger than this get 413 M_TOO_LARGE (also advertised as m.upload.size).");
  line("  max_upload_bytes: " + std::to_string(c.media.maxUploadBytes));
  line("  # Images declaring more pixels than this are served without thumbnails.");
  line("  max_image_pixels: " + std::to_string(c.media.maxImagePixels));
  line("  # Where uploaded files are kept; empty: <data_dir>/media.");
  line("  media_dir: " + quote(c.media.mediaDir));
  line("");
  line("logging:");
  line("  # trace, debug, info, warn, error or off. One line per event on stderr.");
  line("  level: " + quote(c.logging.level));
  line("");
  line("# Federation: the Server-Server API (rooms shared with other servers over HTTPS).");
  line("federation:");
  line("  # HOST:PORT of the federation listener; empty: no federation.");
  line("  listen: " + quote(c.federation.listen));
  line("  # PEM certificate chain and private key of the listener (give both). Without them it");
  line("  # makes a self-signed certificate in data_dir, which verifying servers refuse.");
  line("  tls_cert: " + quote(c.federation.tlsCert));
  line("  tls_key: " + quote(c.federation.tlsKey));
  line("  # Accept any certificate from other servers when fetching their keys. Test networks");
  line("  # only.");
  line("  skip_tls_verify: " + boolText(c.federation.skipTlsVerify));
  line("  # NAME=HOST:PORT entries that bypass server discovery for NAME (test networks).");
  line("  resolve: " + listText(c.federation.resolve));
  line("  # HOST[:PORT] announced as /.well-known/matrix/server on the client listener (when the");
  line("  # server name's DNS points at a web front); empty: not served.");
  line("  well_known_server: " + quote(c.federation.wellKnownServer));
  line("");
  line("# Peer-to-peer overlay (not available yet: accepted and checked only).");
  line("p2p:");
  line("  enabled: " + boolText(c.p2p.enabled));
  line("  overlay_listen: " + quote(c.p2p.overlayListen));
  line("  peers: " + listText(c.p2p.peers));
  line("  multicast: " + boolText(c.p2p.multicast));
  line("");
  line("# Prometheus metrics (GET /metrics) and health checks (GET /healthz, /readyz).");
  line("metrics:");
  line("  # HOST:PORT of their listener (plain HTTP; keep it private); empty: not served.");
  line("  listen: " + quote(c.metrics.listen));
  line("");
  line(
      "# The cloud cluster (`plexus serve SERVICE`): ignored by `plexus node`. Each service lists "
      "its");
  line("# gRPC targets; several entries shard it (roomserver by room, federationsender by");
  line(
      "# destination; shard = fnv1a-64(key) mod entries). This process's shard: --shard or "
      "PLEXUS_SHARD.");
  line("cluster:");
  line("  grpc_listen: " + quote(c.cluster.grpcListen));
  line("  redis_url: " + quote(c.cluster.redisUrl));
  for (const char* service :
       {"roomserver", "federationsender", "syncapi", "keyserver", "accountsync", "media"})
    line(std::string("  ") + service + ": " + listText(c.cluster.targetsOf(service)));
  return y;
}

std::string generateYaml(const GenerateOptions& options) {
  Config c = Config::defaults();
  c.global.serverName = options.serverName;
  c.global.dataDir = options.dataDir;
  c.database.postgresDsn = options.postgresDsn;
  return toYaml(c);
}

}  // namespace plexus::config
