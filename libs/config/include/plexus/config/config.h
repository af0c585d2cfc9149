// The configuration of a Plexus node: one YAML file with a section per service. Each section is
// a plain struct with defaults() and verify(); verify() returns every problem it finds (one
// message per entry, prefixed with the key's path) so that an operator fixes them all at once.
// Loading (plexus/config/load.h) rejects unknown keys. Composition roots (services/node) are the
// only readers: they turn these structs into each service's options.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace plexus::config {

struct GlobalConfig {
  std::string serverName = "localhost";  // the part after ':' in user IDs and room IDs
  std::string dataDir = "./var";         // created on first start
  // The ed25519 signing key file; empty: <dataDir>/signing.key (generated on first start).
  std::string signingKeyPath;

  static GlobalConfig defaults() { return {}; }
  std::vector<std::string> verify() const;
  // signingKeyPath, or its default under dataDir.
  std::string effectiveSigningKeyPath() const;
};

struct DatabaseConfig {
  // PostgreSQL connection string (libpq keyword or URI form). Empty: SQLite, one file per
  // service under sqliteDir. Overridden by the environment variable PLEXUS_DATABASE_DSN.
  std::string postgresDsn;
  int postgresPoolSize = 8;  // connections per service
  std::string sqliteDir;     // empty: the global data_dir
  int sqliteReaders = 2;     // read-only connections per service database

  static DatabaseConfig defaults() { return {}; }
  std::vector<std::string> verify() const;
  bool usesPostgres() const { return !postgresDsn.empty(); }
};

struct RateLimitsConfig {
  bool enabled = true;
  double requestsPerSecond = 10.0;  // sustained, per user (per IP before login)
  double burst = 50.0;

  static RateLimitsConfig defaults() { return {}; }
  std::vector<std::string> verify() const;
};

struct TurnSection {
  std::vector<std::string> uris;  // empty: no TURN server offered
  std::string username;
  std::string password;  // overridden by PLEXUS_TURN_PASSWORD
  std::int64_t ttlSeconds = 86400;

  static TurnSection defaults() { return {}; }
  std::vector<std::string> verify() const;
};

struct ClientApiSection {
  std::string listen = "127.0.0.1:8008";  // HOST:PORT of the Client-Server API
  bool registrationEnabled = false;       // open registration (dummy auth)
  bool guestAccessEnabled = false;
  std::int64_t maxBodyBytes = 1024 * 1024;  // larger bodies get 413 M_TOO_LARGE
  std::string wellKnownBaseUrl;             // base_url in /.well-known/matrix/client
  int workerThreads = 32;                   // at most; the pool starts with 4 and grows under load
  int ioThreads = 2;
  RateLimitsConfig rateLimits;
  TurnSection turn;

  static ClientApiSection defaults() { return {}; }
  std::vector<std::string> verify() const;
};

struct AccountSyncSection {
  std::int64_t accessTokenLifetimeMs = 5 * 60 * 1000;  // with refresh tokens only

  static AccountSyncSection defaults() { return {}; }
  std::vector<std::string> verify() const;
};

struct SyncApiSection {
  std::int64_t maxTimeoutMs = 5 * 60 * 1000;  // upper bound of a /sync long-poll
  int wakeThreads = 2;
  // https push gateways: a PEM file of trusted CAs (empty: the system store), and accepting
  // any gateway certificate (test networks only).
  std::string pushGatewayCaFile;
  bool pushGatewayInsecureTls = false;

  static SyncApiSection defaults() { return {}; }
  std::vector<std::string> verify() const;
};

struct MediaSection {
  std::int64_t maxUploadBytes = 50 * 1024 * 1024;  // larger uploads get 413 M_TOO_LARGE
  std::int64_t maxImagePixels = 32 * 1000 * 1000;  // larger images get no thumbnail
  std::string mediaDir;  // where uploaded files live; empty: <data_dir>/media

  static MediaSection defaults() { return {}; }
  std::vector<std::string> verify() const;
};

struct LoggingSection {
  std::string level = "info";  // trace, debug, info, warn, error, off

  static LoggingSection defaults() { return {}; }
  std::vector<std::string> verify() const;
};

// Federation: the Server-Server listener of `plexus node`.
struct FederationSection {
  std::string listen;  // HOST:PORT; empty: no federation listener
  std::string tlsCert;
  std::string tlsKey;
  bool skipTlsVerify = false;
  // "NAME=HOST:PORT" entries: connect to HOST:PORT for server NAME instead of discovering it
  // (.well-known, SRV, DNS). For test networks and private deployments.
  std::vector<std::string> resolve;
  // HOST[:PORT] other servers should use for this server's federation, served as
  // /.well-known/matrix/server on the client listener (for a server name whose DNS points at a
  // web front, not the federation port); empty: not served (404).
  std::string wellKnownServer;

  static FederationSection defaults() { return {}; }
  std::vector<std::string> verify() const;
};

// Prometheus metrics and health checks (DESIGN.md §7): GET /metrics, /healthz, /readyz.
struct MetricsSection {
  std::string listen;  // HOST:PORT of their own listener; empty: not served

  static MetricsSection defaults() { return {}; }
  std::vector<std::string> verify() const;
};

// The peer-to-peer overlay (a later issue).
struct P2pSection {
  bool enabled = false;
  std::string overlayListen;       // HOST:PORT
  std::vector<std::string> peers;  // HOST:PORT each
  bool multicast = true;

  static P2pSection defaults() { return {}; }
  std::vector<std::string> verify() const;
};

// The cloud cluster (`plexus serve SERVICE`, DESIGN.md §1–2): where this process serves its
// service over gRPC, the Redis bus, and where every other service is. A service with several
// entries is sharded: entry i is shard i (roomserver by room, federation sender by destination;
// the shard of a key is fnv1a-64 of the room ID or server name, modulo the number of entries).
// Several sync-api entries are replicas sharing one store (entry 0 stores the bus inputs);
// callers pick one by user ID.
struct ClusterSection {
  std::string grpcListen;  // HOST:PORT; empty: the default 0.0.0.0:9100 for `plexus serve`
  std::string redisUrl;    // redis://[[user]:password@]host[:port][/db]
  std::vector<std::string> roomserver;        // gRPC targets, one per shard
  std::vector<std::string> federationsender;  // gRPC targets, one per shard
  std::vector<std::string> syncapi;           // gRPC targets, one per replica
  std::vector<std::string> keyserver;
  std::vector<std::string> accountsync;
  std::vector<std::string> media;
  // This process's shard (flag --shard, else PLEXUS_SHARD); not read from the file.
  int shard = 0;

  static ClusterSection defaults() { return {}; }
  std::vector<std::string> verify() const;
  // The targets of `service` ("roomserver", ...); empty for an unknown name.
  const std::vector<std::string>& targetsOf(std::string_view service) const;
};

struct Config {
  GlobalConfig global;
  DatabaseConfig database;
  ClientApiSection clientApi;
  AccountSyncSection accountSync;
  SyncApiSection syncApi;
  MediaSection media;
  LoggingSection logging;
  FederationSection federation;
  P2pSection p2p;
  MetricsSection metrics;
  ClusterSection cluster;
  bool loopbackGrpc = false;  // node: route cross-service calls through gRPC on loopback

  static Config defaults() { return {}; }
  // Every section's problems, each prefixed with its section ("client_api.listen: ...").
  std::vector<std::string> verify() const;
};

// Splits "HOST:PORT" ("[v6]:PORT" too); false when malformed or the port is not 0..65535.
bool splitHostPort(const std::string& text, std::string& host, std::uint16_t& port);

}  // namespace plexus::config
