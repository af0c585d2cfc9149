// parseYaml / loadFile / applyEnvironment / verifyOrFail: from YAML text to a checked Config.
#include "plexus/config/load.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "yaml_section.h"

namespace plexus::config {
namespace {

using detail::YamlSection;

Status joinProblems(std::string_view prefix, const std::vector<std::string>& problems) {
  std::string message(prefix);
  for (const auto& p : problems) message += "\n  " + p;
  return fail(ErrorCode::kInvalidParam, std::move(message));
}

void readClientApi(YamlSection& root, ClientApiSection& c, std::vector<std::string>& problems) {
  YamlSection s(root.child("client_api"), "client_api", problems);
  s.str("listen", c.listen);
  s.boolean("registration_enabled", c.registrationEnabled);
  s.boolean("guest_access_enabled", c.guestAccessEnabled);
  s.integer("max_body_bytes", c.maxBodyBytes);
  s.str("well_known_base_url", c.wellKnownBaseUrl);
  s.integer("worker_threads", c.workerThreads);
  s.integer("io_threads", c.ioThreads);
  {
    YamlSection r(s.child("rate_limits"), s.childPath("rate_limits"), problems);
    r.boolean("enabled", c.rateLimits.enabled);
    r.number("requests_per_second", c.rateLimits.requestsPerSecond);
    r.number("burst", c.rateLimits.burst);
  }
  {
    YamlSection t(s.child("turn"), s.childPath("turn"), problems);
    t.strings("uris", c.turn.uris);
    t.str("username", c.turn.username);
    t.str("password", c.turn.password);
    t.integer("ttl_seconds", c.turn.ttlSeconds);
  }
}

}  // namespace

Result<Config> parseYaml(std::string_view text, std::string_view source) {
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return fail(ErrorCode::kInvalidParam, std::string(source) + ": not valid YAML: " + e.what());
  }
  Config c = Config::defaults();
  std::vector<std::string> problems;
  {
    YamlSection root(doc, std::string(source), problems);
    {
      YamlSection s(root.child("global"), "global", problems);
      s.str("server_name", c.global.serverName);
      s.str("data_dir", c.global.dataDir);
      s.str("signing_key_path", c.global.signingKeyPath);
      s.boolean("loopback_grpc", c.loopbackGrpc);
    }
    {
      YamlSection s(root.child("database"), "database", problems);
      s.str("postgres_dsn", c.database.postgresDsn);
      s.integer("postgres_pool_size", c.database.postgresPoolSize);
      s.str("sqlite_dir", c.database.sqliteDir);
      s.integer("sqlite_readers", c.database.sqliteReaders);
    }
    readClientApi(root, c.clientApi, problems);
    {
      YamlSection s(root.child("account_sync"), "account_sync", problems);
      s.integer("access_token_lifetime_ms", c.accountSync.accessTokenLifetimeMs);
    }
    {
      YamlSection s(root.child("sync_api"), "sync_api", problems);
      s.integer("max_timeout_ms", c.syncApi.maxTimeoutMs);
      s.integer("wake_threads", c.syncApi.wakeThreads);
      s.str("push_gateway_ca_file", c.syncApi.pushGatewayCaFile);
      s.boolean("push_gateway_insecure_tls", c.syncApi.pushGatewayInsecureTls);
    }
    {
      YamlSection s(root.child("media"), "media", problems);
      s.integer("max_upload_bytes", c.media.maxUploadBytes);
      s.integer("max_image_pixels", c.media.maxImagePixels);
      s.str("media_dir", c.media.mediaDir);
    }
    {
      YamlSection s(root.child("logging"), "logging", problems);
      s.str("level", c.logging.level);
    }
    {
      YamlSection s(root.child("federation"), "federation", problems);
      s.str("listen", c.federation.listen);
      s.str("tls_cert", c.federation.tlsCert);
      s.str("tls_key", c.federation.tlsKey);
      s.boolean("skip_tls_verify", c.federation.skipTlsVerify);
      s.strings("resolve", c.federation.resolve);
      s.str("well_known_server", c.federation.wellKnownServer);
    }
    {
      YamlSection s(root.child("p2p"), "p2p", problems);
      s.boolean("enabled", c.p2p.enabled);
      s.str("overlay_listen", c.p2p.overlayListen);
      s.strings("peers", c.p2p.peers);
      s.boolean("multicast", c.p2p.multicast);
    }
    {
      YamlSection s(root.child("metrics"), "metrics", problems);
      s.str("listen", c.metrics.listen);
    }
    {
      YamlSection s(root.child("cluster"), "cluster", problems);
      s.str("grpc_listen", c.cluster.grpcListen);
      s.str("redis_url", c.cluster.redisUrl);
      s.strings("roomserver", c.cluster.roomserver);
      s.strings("federationsender", c.cluster.federationsender);
      s.strings("syncapi", c.cluster.syncapi);
      s.strings("keyserver", c.cluster.keyserver);
      s.strings("accountsync", c.cluster.accountsync);
      s.strings("media", c.cluster.media);
    }
  }  // section destructors report unknown keys here
  if (!problems.empty()) {
    return joinProblems(std::string(source) + ": invalid configuration:", problems).takeError();
  }
  return c;
}

Result<Config> loadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kNotFound, "cannot read config file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return parseYaml(text.str(), path);
}

void applyEnvironment(Config& config, const Getenv& getenv) {
  auto get = [&](const char* name) -> const char* {
    return getenv ? getenv(name) : std::getenv(name);
  };
  if (const char* dsn = get("PLEXUS_DATABASE_DSN"); dsn && *dsn) config.database.postgresDsn = dsn;
  if (const char* pw = get("PLEXUS_TURN_PASSWORD"); pw && *pw) config.clientApi.turn.password = pw;
  if (const char* url = get("PLEXUS_REDIS_URL"); url && *url) config.cluster.redisUrl = url;
}

Status verifyOrFail(const Config& config) {
  auto problems = config.verify();
  if (problems.empty()) return {};
  return joinProblems("invalid configuration:", problems);
}

}  // namespace plexus::config
