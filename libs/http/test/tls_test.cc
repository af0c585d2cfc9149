// TLS over loopback: https round trips verified against a CA made at test time, each way
// verification fails (unknown CA, wrong name, expired), the insecure option, resolver
// overrides, handshake timeouts, plain HTTP on the TLS port, and plain + TLS in one process.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <thread>

#include "plexus/http/client.h"
#include "plexus/http/router.h"
#include "plexus/http/server.h"
#include "plexus/http/testing/test_certificates.h"
#include "test_support.h"

namespace plexus::http {
namespace {

using testing::CertificateFiles;
using testing::CertificateSpec;
using testing::RawConnection;
using testing::TestCertificateAuthority;
using namespace std::chrono_literals;

Handler makeHandler() {
  Router router;
  router.addSync("GET", "/hello", [](const Request&) { return Response::text("hello over tls"); });
  router.addSync("POST", "/echo", [](const Request& r) { return Response::text(r.body); });
  router.addSync("GET", "/port",
                 [](const Request& r) { return Response::text(std::to_string(r.remotePort)); });
  return std::move(router).toHandler();
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/plexus-tls-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    auto ca = TestCertificateAuthority::create(dir_);
    ASSERT_TRUE(ca.ok()) << ca.error().message;
    ca_.emplace(std::move(ca).value());
    CertificateSpec spec;
    spec.names = {"localhost", "127.0.0.1", "push.test"};
    auto files = ca_->issue("server", spec);
    ASSERT_TRUE(files.ok()) << files.error().message;
    serverFiles_ = *files;
  }
  void TearDown() override {
    for (auto& s : servers_) s->stop();
    servers_.clear();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // A TLS server with `files` (default: the localhost certificate); its port.
  std::uint16_t startTls(std::optional<CertificateFiles> files = std::nullopt,
                         std::chrono::milliseconds handshakeTimeout = 10s) {
    ServerOptions options;
    const CertificateFiles& f = files ? *files : serverFiles_;
    options.tls = ServerTlsOptions{f.chain.string(), f.key.string(), handshakeTimeout};
    servers_.push_back(std::make_unique<Server>(options, makeHandler()));
    auto started = servers_.back()->start();
    EXPECT_TRUE(started.ok()) << started.error().message;
    return servers_.back()->port();
  }
  ClientOptions trusting() const {
    ClientOptions o;
    o.tls.caFile = ca_->caFile().string();
    o.connectTimeout = 5s;
    o.requestTimeout = 5s;
    return o;
  }

  std::filesystem::path dir_;
  std::optional<TestCertificateAuthority> ca_;
  CertificateFiles serverFiles_;
  std::vector<std::unique_ptr<Server>> servers_;
};

TEST_F(TlsTest, HttpsGetAndPostRoundTripVerifiedAgainstTheTestCa) {
  const std::uint16_t port = startTls();
  Client client(Scheme::kHttps, "localhost", port, trusting());
  auto got = client.get("/hello");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, "hello over tls");
  // A body spanning many TLS records arrives whole.
  std::string big(300 * 1024, 'x');
  for (std::size_t i = 0; i < big.size(); i += 7) big[i] = static_cast<char>('a' + i % 26);
  auto posted = client.send("POST", "/echo", big, "text/plain");
  ASSERT_TRUE(posted.ok()) << posted.error().message;
  EXPECT_EQ(posted->status, 200);
  EXPECT_EQ(posted->body, big);
}

TEST_F(TlsTest, KeepsTheTlsConnectionAliveAcrossRequests) {
  const std::uint16_t port = startTls();
  Client client(Scheme::kHttps, "localhost", port, trusting());
  auto first = client.get("/port");
  auto second = client.get("/port");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->body, second->body);
}

TEST_F(TlsTest, VerifiesAnIpAddressAgainstTheCertificatesIpNames) {
  const std::uint16_t port = startTls();
  Client client(Scheme::kHttps, "127.0.0.1", port, trusting());
  auto got = client.get("/hello");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->status, 200);
}

TEST_F(TlsTest, RejectsACertificateTheSystemStoreDoesNotTrust) {
  const std::uint16_t port = startTls();
  ClientOptions options;  // default: the system CA store
  Client client(Scheme::kHttps, "localhost", port, options);
  auto got = client.get("/hello");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(got.error().message.find("certificate verification failed"), std::string::npos)
      << got.error().message;
}

TEST_F(TlsTest, RejectsACertificateForAnotherHostName) {
  const std::uint16_t port = startTls();
  ClientOptions options = trusting();
  options.resolveOverrides["wrong.test"] = "127.0.0.1";
  Client client(Scheme::kHttps, "wrong.test", port, options);
  auto got = client.get("/hello");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(got.error().message.find("hostname mismatch"), std::string::npos)
      << got.error().message;
}

TEST_F(TlsTest, RejectsAnExpiredCertificate) {
  CertificateSpec expired;
  expired.validFrom = -std::chrono::hours(48);
  expired.validUntil = -std::chrono::hours(24);
  auto files = ca_->issue("expired", expired);
  ASSERT_TRUE(files.ok());
  const std::uint16_t port = startTls(*files);
  Client client(Scheme::kHttps, "localhost", port, trusting());
  auto got = client.get("/hello");
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().message.find("certificate has expired"), std::string::npos)
      << got.error().message;
}

TEST_F(TlsTest, InsecureOptionAcceptsUntrustedExpiredAndMisnamedCertificates) {
  CertificateSpec bad;
  bad.names = {"elsewhere.test"};
  bad.validFrom = -std::chrono::hours(48);
  bad.validUntil = -std::chrono::hours(24);
  auto files = ca_->issue("bad", bad);
  ASSERT_TRUE(files.ok());
  const std::uint16_t port = startTls(*files);
  ClientOptions options;
  options.tls.verifyPeer = false;
  Client client(Scheme::kHttps, "localhost", port, options);
  auto got = client.get("/hello");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->body, "hello over tls");
}

TEST_F(TlsTest, ResolverOverrideSendsANameToLoopbackAndVerifiesThatName) {
  const std::uint16_t port = startTls();
  ClientOptions options = trusting();
  // The more specific host:port key wins over the bare host.
  options.resolveOverrides["push.test"] = "192.0.2.1";
  options.resolveOverrides["push.test:443"] = "127.0.0.1:" + std::to_string(port);
  Client client(Scheme::kHttps, "push.test", 443, options);
  auto got = client.get("/hello");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->status, 200);
}

TEST_F(TlsTest, DropsAPeerThatNeverSendsAClientHello) {
  const std::uint16_t port = startTls(std::nullopt, 200ms);
  RawConnection silent(port, 5s);
  ASSERT_TRUE(silent.connected());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(silent.waitClosed());
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 150ms);
  EXPECT_LT(waited, 4s);
  // The server still serves.
  Client client(Scheme::kHttps, "localhost", port, trusting());
  EXPECT_TRUE(client.get("/hello").ok());
}

TEST_F(TlsTest, StopDoesNotWaitForAPeerStillInTheHandshake) {
  const std::uint16_t port = startTls(std::nullopt, 60s);
  RawConnection silent(port, 5s);
  ASSERT_TRUE(silent.connected());
  for (int i = 0; i < 500 && servers_.back()->connectionCount() == 0; ++i)
    std::this_thread::sleep_for(2ms);
  const auto start = std::chrono::steady_clock::now();
  servers_.back()->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(TlsTest, PlainHttpToTheTlsPortIsClosedAndTheServerKeepsServing) {
  const std::uint16_t port = startTls();
  {
    RawConnection plain(port, 5s);
    ASSERT_TRUE(plain.connected());
    ASSERT_TRUE(plain.send("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    auto response = plain.readResponse();
    EXPECT_FALSE(response && response->status == 200);
    EXPECT_TRUE(plain.waitClosed());
  }
  Client plainClient(Scheme::kHttp, "127.0.0.1", port, trusting());
  auto refused = plainClient.get("/hello");
  EXPECT_FALSE(refused.ok());
  Client client(Scheme::kHttps, "localhost", port, trusting());
  auto got = client.get("/hello");
  ASSERT_TRUE(got.ok()) << got.error().message;
  for (int i = 0; i < 500 && servers_.back()->connectionCount() > 1; ++i)
    std::this_thread::sleep_for(2ms);
  EXPECT_LE(servers_.back()->connectionCount(), 1u);
}

TEST_F(TlsTest, HttpsClientToAPlainServerFailsWithAnError) {
  Server plain(ServerOptions{}, makeHandler());
  ASSERT_TRUE(plain.start().ok());
  Client client(Scheme::kHttps, "localhost", plain.port(), trusting());
  auto got = client.get("/hello");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(got.error().message.find("TLS handshake"), std::string::npos) << got.error().message;
  plain.stop();
}

TEST_F(TlsTest, ClientHandshakeTimesOutOnASilentServer) {
  // A listening socket nobody accepts from: TCP connects, the ClientHello is never answered.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ClientOptions options = trusting();
  options.connectTimeout = 200ms;
  Client client(Scheme::kHttps, "localhost", ntohs(addr.sin_port), options);
  auto got = client.get("/hello");
  ::close(fd);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().message.find("timed out"), std::string::npos) << got.error().message;
}

TEST_F(TlsTest, PlainAndTlsListenersServeTheSameHandlerInOneProcess) {
  Handler handler = makeHandler();
  Server plain(ServerOptions{}, handler);
  ServerOptions tlsOptions;
  tlsOptions.tls = ServerTlsOptions{serverFiles_.chain.string(), serverFiles_.key.string()};
  Server secure(tlsOptions, handler);
  ASSERT_TRUE(plain.start().ok());
  ASSERT_TRUE(secure.start().ok());
  Client plainClient("127.0.0.1", plain.port());
  Client tlsClient(Scheme::kHttps, "localhost", secure.port(), trusting());
  auto a = plainClient.get("/hello");
  auto b = tlsClient.get("/hello");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->body, b->body);
  secure.stop();
  plain.stop();
}

TEST_F(TlsTest, ServerStartFailsOnMissingOrMismatchedKeyFiles) {
  ServerOptions missing;
  missing.tls = ServerTlsOptions{(dir_ / "none.pem").string(), serverFiles_.key.string()};
  Server a(missing, makeHandler());
  auto started = a.start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, ErrorCode::kInvalidParam);

  auto other = ca_->issue("other");
  ASSERT_TRUE(other.ok());
  ServerOptions mismatched;
  mismatched.tls = ServerTlsOptions{serverFiles_.chain.string(), other->key.string()};
  Server b(mismatched, makeHandler());
  started = b.start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, ErrorCode::kInvalidParam);
}

TEST_F(TlsTest, ClientReportsAnUnreadableCaFile) {
  const std::uint16_t port = startTls();
  ClientOptions options;
  options.tls.caFile = (dir_ / "missing-ca.pem").string();
  Client client(Scheme::kHttps, "localhost", port, options);
  auto got = client.get("/hello");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kInvalidParam);
}

TEST(UrlTest, ParsesHttpAndHttpsUrls) {
  auto a = parseUrl("https://push.example/_matrix/push/v1/notify");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->scheme, Scheme::kHttps);
  EXPECT_EQ(a->host, "push.example");
  EXPECT_EQ(a->port, 443);
  EXPECT_EQ(a->target, "/_matrix/push/v1/notify");
  auto b = parseUrl("http://[::1]:8008?x=1");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->scheme, Scheme::kHttp);
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 8008);
  EXPECT_EQ(b->target, "/?x=1");
  auto c = parseUrl("http://example.org");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->port, 80);
  EXPECT_EQ(c->target, "/");
  for (const char* bad :
       {"ftp://x/", "https://", "https://:1/", "https://u:p@h/", "https://h:0/", "https://h:70000/",
        "https://h/#f", "https://h/a b", "https://::1/", "https://h:/"}) {
    EXPECT_FALSE(parseUrl(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace plexus::http
