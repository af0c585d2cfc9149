// Tests for the configuration: defaults, YAML parsing (unknown keys, wrong types, every problem
// at once), environment overrides, verification, and generate -> parse round trips.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "plexus/config/config.h"
#include "plexus/config/load.h"

namespace plexus::config {
namespace {

TEST(ConfigTest, DefaultsVerifyCleanly) {
  Config c = Config::defaults();
  EXPECT_TRUE(c.verify().empty());
  EXPECT_EQ(c.global.serverName, "localhost");
  EXPECT_EQ(c.global.dataDir, "./var");
  EXPECT_EQ(c.clientApi.listen, "127.0.0.1:8008");
  EXPECT_FALSE(c.database.usesPostgres());
  EXPECT_EQ(c.global.effectiveSigningKeyPath(), "./var/signing.key");
}

TEST(ConfigTest, EmptyDocumentGivesDefaults) {
  auto c = parseYaml("");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->global.serverName, "localhost");
}

TEST(ConfigTest, ReadsEverySectionItSets) {
  auto c = parseYaml(R"(
global: {server_name: example.org, data_dir: /srv/plexus, signing_key_path: /k}
database: {postgres_dsn: "host=db dbname=plexus", postgres_pool_size: 3}
client_api:
  listen: "0.0.0.0:9000"
  registration_enabled: true
  max_body_bytes: 2048
  rate_limits: {enabled: false, requests_per_second: 2.5, burst: 7}
  turn: {uris: ["turn:t.example.org"], username: u}
sync_api: {max_timeout_ms: 1000}
logging: {level: debug}
p2p: {enabled: true, peers: ["10.0.0.1:7000"]}
)");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->global.serverName, "example.org");
  EXPECT_EQ(c->global.effectiveSigningKeyPath(), "/k");
  EXPECT_EQ(c->database.postgresDsn, "host=db dbname=plexus");
  EXPECT_EQ(c->database.postgresPoolSize, 3);
  EXPECT_EQ(c->clientApi.listen, "0.0.0.0:9000");
  EXPECT_TRUE(c->clientApi.registrationEnabled);
  EXPECT_EQ(c->clientApi.maxBodyBytes, 2048);
  EXPECT_FALSE(c->clientApi.rateLimits.enabled);
  EXPECT_DOUBLE_EQ(c->clientApi.rateLimits.requestsPerSecond, 2.5);
  EXPECT_EQ(c->clientApi.turn.uris.size(), 1u);
  EXPECT_EQ(c->syncApi.maxTimeoutMs, 1000);
  EXPECT_EQ(c->logging.level, "debug");
  EXPECT_TRUE(c->p2p.enabled);
  EXPECT_TRUE(c->verify().empty());
}

TEST(ConfigTest, RejectsUnknownKeysAtEveryLevel) {
  auto c = parseYaml("global: {server_nam: x}\nclient_api: {rate_limits: {burstt: 1}}\nextra: 1\n",
                     "f.yaml");
  ASSERT_FALSE(c.ok());
  const std::string& m = c.error().message;
  EXPECT_NE(m.find("global.server_nam: unknown key"), std::string::npos) << m;
  EXPECT_NE(m.find("client_api.rate_limits.burstt: unknown key"), std::string::npos) << m;
  EXPECT_NE(m.find("f.yaml.extra: unknown key"), std::string::npos) << m;
}

TEST(ConfigTest, ReportsEveryWrongTypeAtOnce) {
  auto c = parseYaml("client_api: {registration_enabled: maybe, max_body_bytes: big}\n"
                     "sync_api: {wake_threads: [1]}\n");
  ASSERT_FALSE(c.ok());
  const std::string& m = c.error().message;
  EXPECT_NE(m.find("client_api.registration_enabled: expected true or false"), std::string::npos);
  EXPECT_NE(m.find("client_api.max_body_bytes: expected an integer"), std::string::npos);
  EXPECT_NE(m.find("sync_api.wake_threads: expected an integer"), std::string::npos);
}

TEST(ConfigTest, RejectsSyntaxErrorsWithoutThrowing) {
  auto c = parseYaml("global: [unclosed\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidParam);
  EXPECT_FALSE(parseYaml("- a list\n- not a map\n").ok());
  EXPECT_FALSE(parseYaml("global: 5\n").ok());
}

TEST(ConfigTest, VerifyCollectsEveryProblem) {
  Config c = Config::defaults();
  c.global.serverName = "bad name!";
  c.clientApi.listen = "nowhere";
  c.clientApi.rateLimits.burst = 0;
  c.logging.level = "loud";
  c.federation.tlsCert = "cert.pem";
  auto problems = c.verify();
  EXPECT_EQ(problems.size(), 5u);
  auto status = verifyOrFail(c);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("client_api.listen"), std::string::npos);
  EXPECT_NE(status.error().message.find("federation.tls_cert, tls_key"), std::string::npos);
}

TEST(ConfigTest, EnvironmentOverridesSecrets) {
  Config c = Config::defaults();
  std::map<std::string, std::string> env = {{"PLEXUS_DATABASE_DSN", "host=x dbname=y"},
                                            {"PLEXUS_TURN_PASSWORD", "s3cret"}};
  applyEnvironment(c, [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
  EXPECT_EQ(c.database.postgresDsn, "host=x dbname=y");
  EXPECT_EQ(c.clientApi.turn.password, "s3cret");
  Config untouched = Config::defaults();
  applyEnvironment(untouched, [](const char*) -> const char* { return nullptr; });
  EXPECT_TRUE(untouched.database.postgresDsn.empty());
}

TEST(ConfigTest, GeneratedFileLoadsBackToTheSameValues) {
  GenerateOptions options;
  options.serverName = "chat.example.org";
  options.dataDir = "/var/lib/plexus";
  options.postgresDsn = "host=127.0.0.1 port=5432 user=\"plexus\" dbname=plexus";
  std::string yaml = generateYaml(options);
  EXPECT_NE(yaml.find("# "), std::string::npos);
  auto c = parseYaml(yaml);
  ASSERT_TRUE(c.ok()) << c.error().message << "\n" << yaml;
  EXPECT_EQ(c->global.serverName, options.serverName);
  EXPECT_EQ(c->global.dataDir, options.dataDir);
  EXPECT_EQ(c->database.postgresDsn, options.postgresDsn);
  EXPECT_TRUE(c->verify().empty());
  EXPECT_EQ(toYaml(*c), yaml);
}

TEST(ConfigTest, EveryValueSurvivesARoundTrip) {
  Config c = Config::defaults();
  c.clientApi.rateLimits.requestsPerSecond = 0.1;
  c.clientApi.turn.uris = {"turn:a", "turns:b:5349"};
  c.clientApi.turn.password = "p\"w\\";
  c.p2p.peers = {"1.2.3.4:5"};
  c.federation.resolve = {"hs1.test=127.0.0.1:8448"};
  c.loopbackGrpc = true;
  auto back = parseYaml(toYaml(c));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(toYaml(*back), toYaml(c));
  EXPECT_EQ(back->clientApi.turn.password, "p\"w\\");
}

TEST(ConfigTest, ReadsPushGatewayTlsSettings) {
  Config defaults = Config::defaults();
  EXPECT_TRUE(defaults.syncApi.pushGatewayCaFile.empty());
  EXPECT_FALSE(defaults.syncApi.pushGatewayInsecureTls);

  auto c = parseYaml("sync_api: {push_gateway_ca_file: /etc/plexus/push-ca.pem}\n");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->syncApi.pushGatewayCaFile, "/etc/plexus/push-ca.pem");
  EXPECT_FALSE(c->syncApi.pushGatewayInsecureTls);
  EXPECT_TRUE(c->verify().empty());

  auto insecure = parseYaml("sync_api: {push_gateway_insecure_tls: true}\n");
  ASSERT_TRUE(insecure.ok()) << insecure.error().message;
  EXPECT_TRUE(insecure->syncApi.pushGatewayInsecureTls);
  EXPECT_TRUE(insecure->verify().empty());

  auto wrongType = parseYaml("sync_api: {push_gateway_insecure_tls: sometimes}\n");
  ASSERT_FALSE(wrongType.ok());
  EXPECT_NE(wrongType.error().message.find("sync_api.push_gateway_insecure_tls"),
            std::string::npos);
}

TEST(ConfigTest, ReadsAndChecksFederationResolveOverrides) {
  auto c = parseYaml("federation: {resolve: [\"hs1.test=127.0.0.1:8448\", \"[::1]:9=[::1]:8449\"]}\n");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->federation.resolve,
            (std::vector<std::string>{"hs1.test=127.0.0.1:8448", "[::1]:9=[::1]:8449"}));
  EXPECT_TRUE(c->verify().empty());

  auto bad = parseYaml("federation: {resolve: [\"hs1.test\", \"=1.2.3.4:5\", \"a=nowhere\"]}\n");
  ASSERT_TRUE(bad.ok()) << bad.error().message;
  EXPECT_EQ(bad->verify().size(), 3u);
}

TEST(ConfigTest, ReadsAndChecksTheServerWellKnown) {
  auto c = parseYaml("federation: {well_known_server: \"fed.example.org:443\"}\n");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->federation.wellKnownServer, "fed.example.org:443");
  EXPECT_TRUE(c->verify().empty());
  auto bad = parseYaml("federation: {well_known_server: \"https://fed.example.org/\"}\n");
  ASSERT_TRUE(bad.ok()) << bad.error().message;
  EXPECT_EQ(bad->verify().size(), 1u);
}

TEST(ConfigTest, RejectsACaFileTogetherWithInsecurePushTls) {
  Config c = Config::defaults();
  c.syncApi.pushGatewayCaFile = "ca.pem";
  c.syncApi.pushGatewayInsecureTls = true;
  auto problems = c.verify();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("sync_api.push_gateway_ca_file, push_gateway_insecure_tls"),
            std::string::npos);
}

TEST(ConfigTest, GeneratedFileDocumentsPushGatewayTls) {
  Config c = Config::defaults();
  c.syncApi.pushGatewayCaFile = "/etc/ssl/push.pem";
  std::string yaml = toYaml(c);
  EXPECT_NE(yaml.find("push_gateway_ca_file: \"/etc/ssl/push.pem\""), std::string::npos);
  EXPECT_NE(yaml.find("push_gateway_insecure_tls: false"), std::string::npos);
  auto back = parseYaml(yaml);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->syncApi.pushGatewayCaFile, "/etc/ssl/push.pem");
}

TEST(ConfigTest, ReadsChecksAndGeneratesTheMetricsListener) {
  EXPECT_TRUE(Config::defaults().metrics.listen.empty());
  auto c = parseYaml("metrics: {listen: \"127.0.0.1:9092\"}");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->metrics.listen, "127.0.0.1:9092");
  auto back = parseYaml(toYaml(*c));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->metrics.listen, "127.0.0.1:9092");
  c->metrics.listen = "nowhere";
  auto problems = c->verify();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("metrics.listen"), std::string::npos) << problems[0];
}

TEST(ConfigTest, SplitsHostAndPort) {
  std::string host;
  std::uint16_t port = 0;
  EXPECT_TRUE(splitHostPort("127.0.0.1:8008", host, port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8008);
  EXPECT_TRUE(splitHostPort("[::1]:0", host, port));
  EXPECT_EQ(host, "::1");
  EXPECT_FALSE(splitHostPort("::1:80", host, port));
  EXPECT_FALSE(splitHostPort("host:99999", host, port));
  EXPECT_FALSE(splitHostPort("host:", host, port));
  EXPECT_FALSE(splitHostPort(":80", host, port));
}

}  // namespace
}  // namespace plexus::config

namespace plexus::config {
namespace {

TEST(ConfigClusterTest, ReadsTargetsAsListsOrOneScalar) {
  auto c = parseYaml(R"(
cluster:
  grpc_listen: "0.0.0.0:9100"
  redis_url: "redis://redis:6379/0"
  roomserver: ["rs-0:9100", "rs-1:9100"]
  syncapi: "syncapi:9100"
)");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c.value().cluster.grpcListen, "0.0.0.0:9100");
  EXPECT_EQ(c.value().cluster.redisUrl, "redis://redis:6379/0");
  EXPECT_EQ(c.value().cluster.targetsOf("roomserver"),
            (std::vector<std::string>{"rs-0:9100", "rs-1:9100"}));
  EXPECT_EQ(c.value().cluster.targetsOf("syncapi"), (std::vector<std::string>{"syncapi:9100"}));
  EXPECT_TRUE(c.value().cluster.targetsOf("media").empty());
  EXPECT_TRUE(c.value().verify().empty());
}

TEST(ConfigClusterTest, VerifyNamesBadEntries) {
  Config c = Config::defaults();
  c.cluster.redisUrl = "http://redis";
  c.cluster.syncapi = {"a:1", ""};
  c.cluster.grpcListen = "nope";
  auto problems = c.verify();
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_NE(problems[0].find("cluster.grpc_listen"), std::string::npos);
  EXPECT_NE(problems[1].find("cluster.redis_url"), std::string::npos);
  EXPECT_NE(problems[2].find("cluster.syncapi: empty target"), std::string::npos);
  // Several sync-api entries are replicas, not a mistake.
  c = Config::defaults();
  c.cluster.syncapi = {"a:1", "b:1"};
  EXPECT_TRUE(c.verify().empty());
}

TEST(ConfigClusterTest, GeneratedConfigRoundTripsTheClusterSection) {
  GenerateOptions options;
  options.serverName = "example.org";
  auto c = parseYaml(generateYaml(options));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c.value().cluster.roomserver.empty());
}

}  // namespace
}  // namespace plexus::config
