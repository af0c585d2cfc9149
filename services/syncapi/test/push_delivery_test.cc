// Push delivery: notifications reach a real HTTP push gateway (an http::Server on loopback)
// with the Push Gateway API body; retries, rejected pushkeys and unreachable gateways; https
// gateways with certificate verification (a CA made at test time). The last cases run through
// the real SyncService on SQLite and PostgreSQL.
#include "syncapi/impl/push_delivery.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "plexus/http/testing/test_certificates.h"
#include "push_test_support.h"
#include "service_fixture.h"

namespace plexus::syncapi::testing {
namespace {

using namespace std::chrono_literals;

// A CA and a gateway certificate for localhost, 127.0.0.1 and push.test, in a temp dir.
class GatewayCertificates {
 public:
  GatewayCertificates() {
    char pattern[] = "/tmp/plexus-push-tls-XXXXXX";
    EXPECT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    auto ca = http::testing::TestCertificateAuthority::create(dir_);
    EXPECT_TRUE(ca.ok());
    if (!ca.ok()) return;
    ca_.emplace(std::move(ca).value());
    http::testing::CertificateSpec spec;
    spec.names = {"localhost", "127.0.0.1", "push.test"};
    auto files = ca_->issue("gateway", spec);
    EXPECT_TRUE(files.ok());
    if (files.ok()) files_ = *files;
  }
  ~GatewayCertificates() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  http::ServerTlsOptions serverTls() const {
    http::ServerTlsOptions o;
    o.certificateChainFile = files_.chain.string();
    o.privateKeyFile = files_.key.string();
    return o;
  }
  std::string caFile() const { return ca_ ? ca_->caFile().string() : ""; }

 private:
  std::filesystem::path dir_;
  std::optional<http::testing::TestCertificateAuthority> ca_;
  http::testing::CertificateFiles files_;
};

TEST(PushGatewayUrlTest, AcceptsHttpAndHttpsNotifyUrlsOnly) {
  auto ok = parseGatewayUrl("http://127.0.0.1:8090/_matrix/push/v1/notify");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->host, "127.0.0.1");
  EXPECT_EQ(ok->port, 8090);
  EXPECT_EQ(ok->target, "/_matrix/push/v1/notify");
  auto v6 = parseGatewayUrl("http://[::1]/prefix/_matrix/push/v1/notify");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 80);
  auto tls = parseGatewayUrl("https://push.example/_matrix/push/v1/notify");
  ASSERT_TRUE(tls.ok());
  EXPECT_EQ(tls->scheme, http::Scheme::kHttps);
  EXPECT_EQ(tls->port, 443);
  EXPECT_FALSE(parseGatewayUrl("ftp://push.example/_matrix/push/v1/notify").ok());
  EXPECT_FALSE(parseGatewayUrl("https://push.example/_matrix/push/v1/notify?x=1").ok());
  EXPECT_FALSE(parseGatewayUrl("http://push.example/other").ok());
  EXPECT_FALSE(parseGatewayUrl("http://push.example:99999/_matrix/push/v1/notify").ok());
  EXPECT_FALSE(parseGatewayUrl("http://:80/_matrix/push/v1/notify").ok());
  EXPECT_FALSE(parseGatewayUrl("http://u@h/_matrix/push/v1/notify").ok());
}

TEST(PushDelivererTest, PostsSpecBodyToGateway) {
  FakeGateway gateway;
  FakePushers pushers;
  pushers.add("@bob:test", "key-bob", gateway.url());
  PushDeliverer deliverer(pushers, [](const std::string&, const std::string&) {
    PushRoomDetails d;
    d.roomName = "Lounge";
    d.unread = 3;
    return d;
  });
  deliverer.start();
  ASSERT_TRUE(deliverer.enqueue(messageFor("@bob:test", "$e1")));
  auto bodies = gateway.waitFor(1);
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(gateway.paths().front(), "/_matrix/push/v1/notify");
  const json::Object& n = notificationOf(bodies[0]);
  json::Value v(n);
  EXPECT_EQ(v.getStringAt("event_id"), "$e1");
  EXPECT_EQ(v.getStringAt("room_id"), "!room:test");
  EXPECT_EQ(v.getStringAt("type"), "m.room.message");
  EXPECT_EQ(v.getStringAt("sender"), "@alice:test");
  EXPECT_EQ(v.getStringAt("sender_display_name"), "Alice");
  EXPECT_EQ(v.getStringAt("room_name"), "Lounge");
  EXPECT_EQ(v.getStringAt("prio"), "high");
  EXPECT_EQ(v.get("content")->getStringAt("body"), "hello");
  EXPECT_EQ(v.get("counts")->get("unread")->getInt(), 3);
  EXPECT_EQ(v.get("user_is_target"), nullptr);
  const json::Array& devices = *v.get("devices")->getArray();
  ASSERT_EQ(devices.size(), 1u);
  EXPECT_EQ(devices[0].getStringAt("app_id"), "org.example.app");
  EXPECT_EQ(devices[0].getStringAt("pushkey"), "key-bob");
  EXPECT_EQ(devices[0].get("pushkey_ts")->getInt(), 1700000000);
  EXPECT_EQ(*devices[0].get("data"), json::Value(json::Object{{"extra", "kept"}}));
  EXPECT_EQ(*devices[0].get("tweaks"),
            json::Value(json::Object{{"highlight", false}, {"sound", "default"}}));
  EXPECT_TRUE(waitUntil([&] { return deliverer.stats().delivered == 1; }));
}

TEST(PushDelivererTest, EventIdOnlyFormatOmitsContent) {
  FakeGateway gateway;
  FakePushers pushers;
  pushers.add("@bob:test", "key-bob", gateway.url(), "event_id_only");
  PushDeliverer deliverer(pushers, {});
  deliverer.start();
  PushNotification n = messageFor("@bob:test", "$e1");
  n.actions = json::Array{"notify"};
  ASSERT_TRUE(deliverer.enqueue(std::move(n)));
  auto bodies = gateway.waitFor(1);
  ASSERT_EQ(bodies.size(), 1u);
  json::Value v(notificationOf(bodies[0]));
  EXPECT_EQ(v.getStringAt("event_id"), "$e1");
  EXPECT_EQ(v.getStringAt("room_id"), "!room:test");
  EXPECT_EQ(v.get("content"), nullptr);
  EXPECT_EQ(v.get("sender"), nullptr);
  EXPECT_EQ(v.getStringAt("prio"), "low");
  EXPECT_EQ(v.get("counts")->get("unread")->getInt(), 0);
  EXPECT_EQ(*v.get("devices")->getArray()->front().get("data"),
            json::Value(json::Object{{"extra", "kept"}}));
}

TEST(PushDelivererTest, SkipsNotificationsWithoutNotify) {
  FakePushers pushers;
  PushDeliverer deliverer(pushers, {});
  PushNotification n = messageFor("@bob:test", "$e1");
  n.actions = json::Array{"dont_notify"};
  EXPECT_FALSE(deliverer.enqueue(std::move(n)));
}

TEST(PushDelivererTest, RejectedPushkeyRemovesPusher) {
  FakeGateway gateway;
  gateway.setResponder([](int) {
    return http::Response::json(json::Object{{"rejected", json::Array{"key-bob"}}});
  });
  FakePushers pushers;
  pushers.add("@bob:test", "key-bob", gateway.url());
  pushers.add("@bob:test", "key-other", gateway.url());
  PushDeliverer deliverer(pushers, {});
  deliverer.start();
  ASSERT_TRUE(deliverer.enqueue(messageFor("@bob:test", "$e1")));
  ASSERT_EQ(gateway.waitFor(2).size(), 2u);
  ASSERT_TRUE(waitUntil([&] { return deliverer.stats().rejected == 1; }));
  EXPECT_EQ(pushers.count("@bob:test"), 1u);  // only the rejected pushkey went
  EXPECT_EQ(pushers.queryPushers("@bob:test")->front().pushkey, "key-other");
}

TEST(PushDelivererTest, RetriesServerErrorThenSucceeds) {
  FakeGateway gateway;
  gateway.setResponder([](int n) {
    return n < 3 ? http::Response::text("busy", 500) : http::Response::json(json::Object{});
  });
  FakePushers pushers;
  pushers.add("@bob:test", "key-bob", gateway.url());
  PushDeliveryOptions options;
  options.firstRetryDelay = 5ms;
  options.maxAttempts = 4;
  PushDeliverer deliverer(pushers, {}, options);
  deliverer.start();
  ASSERT_TRUE(deliverer.enqueue(messageFor("@bob:test", "$e1")));
  auto bodies = gateway.waitFor(3);
  ASSERT_EQ(bodies.size(), 3u);
  EXPECT_EQ(bodies[0], bodies[2]);  // the same notification, sent again
  ASSERT_TRUE(waitUntil([&] { return deliverer.stats().delivered == 1; }));
  EXPECT_EQ(deliverer.stats().retried, 2u);
  EXPECT_EQ(deliverer.stats().failed, 0u);
}

TEST(PushDelivererTest, GivesUpAfterBoundedAttempts) {
  FakeGateway gateway;
  gateway.setResponder([](int) { return http::Response::text("down", 503); });
  FakePushers pushers;
  pushers.add("@bob:test", "key-bob", gateway.url());
  PushDeliveryOptions options;
  options.firstRetryDelay = 1ms;
  options.maxAttempts = 3;
  PushDeliverer deliverer(pushers, {}, options);
  deliverer.start();
  ASSERT_TRUE(deliverer.enqueue(messageFor("@bob:test", "$e1")));
  ASSERT_TRUE(waitUntil([&] { return deliverer.stats().failed == 1; }));
  EXPECT_EQ(gateway.waitFor(3).size(), 3u);
  EXPECT_EQ(deliverer.stats().delivered, 0u);
}

TEST(PushDelivererTest, UnreachableGatewayDoesNotBlockOtherDeliveries) {
  std::string deadUrl;
  {
    FakeGateway closed;  // a port that was just free and is now closed again
    deadUrl = closed.url();
  }
  FakeGateway gateway;
  FakePushers pushers;
  pushers.add("@carol:test", "key-dead", deadUrl);
  pushers.add("@bob:test", "key-bob", gateway.url());
  PushDeliveryOptions options;
  options.workers = 1;  // even one worker is not held by the dead gateway's retries
  options.firstRetryDelay = 60s;
  PushDeliverer deliverer(pushers, {}, options);
  deliverer.start();
  ASSERT_TRUE(deliverer.enqueue(messageFor("@carol:test", "$e1")));
  ASSERT_TRUE(deliverer.enqueue(messageFor("@bob:test", "$e2")));
  auto bodies = gateway.waitFor(1);
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(json::Value(notificationOf(bodies[0])).getStringAt("event_id"), "$e2");
  EXPECT_TRUE(waitUntil([&] { return deliverer.stats().delivered == 1; }));
  EXPECT_TRUE(waitUntil([&] { return deliverer.stats().retried == 1; }));
}

TEST(PushDelivererTlsTest, DeliversToAnHttpsGatewayVerifiedAgainstTheConfiguredCa) {
  GatewayCertificates certs;
  FakeGateway gateway(certs.serverTls());
  FakePushers pushers;
  pushers.add("@bob:test", "key-bob", "https://push.test/_matrix/push/v1/notify");
  PushDeliveryOptions options;
  options.client.tls.caFile = certs.caFile();
  // The pusher names push.test on port 443; the test gateway listens on loopback.
  options.client.resolveOverrides["push.test:443"] = "127.0.0.1:" + std::to_string(gateway.port());
  PushDeliverer deliverer(pushers, {}, options);
  deliverer.start();
  ASSERT_TRUE(deliverer.enqueue(messageFor("@bob:test", "$e1")));
  auto bodies = gateway.waitFor(1);
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(json::Value(notificationOf(bodies[0])).getStringAt("event_id"), "$e1");
  EXPECT_TRUE(waitUntil([&] { return deliverer.stats().delivered == 1; }));
}

TEST(PushDelivererTlsTest, UntrustedGatewayCertificateIsNotSentTheNotification) {
  GatewayCertificates certs;
  FakeGateway gateway(certs.serverTls());
  FakePushers pushers;
  pushers.add("@bob:test", "key-bob", gateway.url("localhost"));
  PushDeliveryOptions options;  // verification against the system store: the test CA is unknown
  options.maxAttempts = 1;
  PushDeliverer deliverer(pushers, {}, options);
  deliverer.start();
  ASSERT_TRUE(deliverer.enqueue(messageFor("@bob:test", "$e1")));
  ASSERT_TRUE(waitUntil([&] { return deliverer.stats().failed == 1; }));
  EXPECT_EQ(gateway.received(), 0u);
  EXPECT_EQ(deliverer.stats().delivered, 0u);
}

TEST(PushDelivererTlsTest, InsecureOptionReachesAnUnverifiedGateway) {
  GatewayCertificates certs;
  FakeGateway gateway(certs.serverTls());
  FakePushers pushers;
  pushers.add("@bob:test", "key-bob", gateway.url("localhost"));
  PushDeliveryOptions options;
  options.client.tls.verifyPeer = false;  // test networks only
  PushDeliverer deliverer(pushers, {}, options);
  deliverer.start();
  ASSERT_TRUE(deliverer.enqueue(messageFor("@bob:test", "$e1")));
  EXPECT_EQ(gateway.waitFor(1).size(), 1u);
  EXPECT_TRUE(waitUntil([&] { return deliverer.stats().delivered == 1; }));
}

// Through the real SyncService: push rules decide who is notified.
class SyncPushTest : public SyncServiceTest {
 protected:
  void SetUp() override {
    SyncServiceTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    sync_->stop();
    SyncServiceOptions options;
    options.serverName = "test";
    options.clock = [this] { return clockMs_.load(); };
    PushDeliveryOptions pushOptions;
    pushOptions.workers = 1;  // FIFO: pushes arrive in the order the events were stored
    auto made = SyncService::create(db(), bus_, &keys_, nullptr, &pushers_, options, pushOptions);
    ASSERT_TRUE(made.ok()) << made.error().message;
    sync_ = std::move(*made);
    ASSERT_TRUE(sync_->start().ok());
  }

  FakeGateway gateway_;
  FakePushers pushers_;
};

TEST_P(SyncPushTest, MessageNotifiesOtherMemberButNotSender) {
  TestRoom room = makeRoom("!push:test", true);
  pushers_.add("@alice:test", "key-alice", gateway_.url());
  pushers_.add("@bob:test", "key-bob", gateway_.url());
  auto fromAlice = room.message("@alice:test", "hi bob");
  feed(fromAlice);
  auto fromBob = room.message("@bob:test", "hi alice");
  feed(fromBob);
  auto bodies = gateway_.waitFor(2);
  ASSERT_EQ(bodies.size(), 2u);
  json::Value first(notificationOf(bodies[0]));
  json::Value second(notificationOf(bodies[1]));
  EXPECT_EQ(first.getStringAt("event_id"), fromAlice.eventId);
  EXPECT_EQ(first.get("devices")->getArray()->front().getStringAt("pushkey"), "key-bob");
  EXPECT_EQ(first.getStringAt("sender"), "@alice:test");
  EXPECT_EQ(first.getStringAt("room_id"), "!push:test");
  EXPECT_EQ(first.get("content")->getStringAt("body"), "hi bob");
  EXPECT_GE(first.get("counts")->get("unread")->getInt().value_or(0), 1);
  // One-to-one room: the default rule adds the sound tweak.
  EXPECT_EQ(first.get("devices")->getArray()->front().get("tweaks")->getStringAt("sound"),
            "default");
  EXPECT_EQ(second.getStringAt("event_id"), fromBob.eventId);
  EXPECT_EQ(second.get("devices")->getArray()->front().getStringAt("pushkey"), "key-alice");
  EXPECT_TRUE(waitUntil([&] { return sync_->pushDeliverer()->stats().delivered == 2; }));
  EXPECT_EQ(gateway_.waitFor(2).size(), 2u);  // nothing went to a sender
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(SyncPushTest);

// SyncServiceOptions::pushGatewayCaFile reaches the deliverer: an https gateway whose
// certificate only that CA vouches for gets the push.
class SyncPushTlsTest : public SyncServiceTest {
 protected:
  void SetUp() override {
    SyncServiceTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    sync_->stop();
    SyncServiceOptions options;
    options.serverName = "test";
    options.clock = [this] { return clockMs_.load(); };
    options.pushGatewayCaFile = certs_.caFile();
    auto made = SyncService::create(db(), bus_, &keys_, nullptr, &pushers_, options, {});
    ASSERT_TRUE(made.ok()) << made.error().message;
    sync_ = std::move(*made);
    ASSERT_TRUE(sync_->start().ok());
  }

  GatewayCertificates certs_;
  FakeGateway gateway_{certs_.serverTls()};
  FakePushers pushers_;
};

TEST_P(SyncPushTlsTest, MessageIsPushedToAnHttpsGatewayTrustedThroughTheServiceOptions) {
  TestRoom room = makeRoom("!pushtls:test", true);
  pushers_.add("@bob:test", "key-bob", gateway_.url("localhost"));
  auto fromAlice = room.message("@alice:test", "hi bob");
  feed(fromAlice);
  auto bodies = gateway_.waitFor(1);
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(json::Value(notificationOf(bodies[0])).getStringAt("event_id"), fromAlice.eventId);
  EXPECT_TRUE(waitUntil([&] { return sync_->pushDeliverer()->stats().delivered == 1; }));
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(SyncPushTlsTest);

}  // namespace
}  // namespace plexus::syncapi::testing
