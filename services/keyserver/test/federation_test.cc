// KeyserverApi over federation: the cache of remote users' device lists (m.device_list_update
// chains, gaps and resyncs, deletions, m.signing_key_update), /keys/query and /keys/claim for
// remote users (cached, fetched, failures), and the EDUs DeviceListSender sends for local
// users' changes. Runs on SQLite and PostgreSQL.
#include <condition_variable>

#include "fake_federation_sender.h"
#include "keyserver/impl/device_list_sender.h"
#include "keyserver/impl/key_json.h"
#include "keyserver_fixture.h"
#include "plexus/bus/typed_topic.h"

namespace plexus::keyserver::testing {
namespace {

const std::string kOurs = "ours.org";
const std::string kAlice = "@alice:ours.org";
const std::string kBob = "@bob:remote.org";
const std::string kCarol = "@carol:third.org";
const std::string kDave = "@dave:down.org";

class FederationTest : public KeyserverServiceTest {
 protected:
  KeyserverService::Options serviceOptions() override {
    KeyserverService::Options o;
    o.serverName = kOurs;
    o.federation = &federation_;
    o.rooms = &rooms_;
    o.remoteQueryTimeout = std::chrono::milliseconds(2000);
    return o;
  }

  // Bob's /user/devices answer: devices (ID -> signing key) at streamId.
  void setBobDevices(
      std::int64_t streamId,
      const std::vector<std::pair<std::string, const crypto::SigningKey*>>& devices) {
    json::Array list;
    for (const auto& [id, key] : devices) {
      list.emplace_back(json::Object{{"device_display_name", "name " + id},
                                     {"device_id", id},
                                     {"keys", deviceKeys(kBob, id, *key)}});
    }
    federation_.userDevices[kBob] =
        json::Object{{"devices", std::move(list)}, {"stream_id", streamId}, {"user_id", kBob}};
  }

  json::Object update(const std::string& device, std::int64_t streamId,
                      std::vector<std::int64_t> prev, const crypto::SigningKey* key) {
    json::Array prevIds;
    for (auto p : prev) prevIds.emplace_back(p);
    json::Object content{{"device_id", device},
                         {"prev_id", std::move(prevIds)},
                         {"stream_id", streamId},
                         {"user_id", kBob}};
    if (key) {
      content.set("keys", deviceKeys(kBob, device, *key));
    } else {
      content.set("deleted", true);
    }
    return content;
  }

  // Bob's device IDs as /keys/query shows them to Alice.
  std::vector<std::string> bobDevices() {
    auto keys = service().queryKeys(ctx(), kAlice, {{kBob, {}}});
    EXPECT_TRUE(keys.ok());
    std::vector<std::string> out;
    if (!keys.ok()) return out;
    const json::Value* devices = keys->deviceKeys.find(kBob);
    if (devices && devices->getObject()) {
      for (const auto& [id, _] : *devices->getObject()) out.push_back(id);
    }
    return out;
  }

  FakeFederationSender federation_;
  FakeSharedRoomServers rooms_;
};

TEST_P(FederationTest, DeviceListUpdatesApplyInOrderAndGapsResync) {
  rooms_.servers[kBob] = {kOurs, "remote.org"};
  auto k1 = crypto::SigningKey::generate(), k2 = crypto::SigningKey::generate();
  setBobDevices(5, {{"B1", &k1}});

  // Not cached yet: the first update fetches the whole list.
  ASSERT_TRUE(service().inputDeviceListUpdate(ctx(), "remote.org", update("B1", 5, {}, &k1)).ok());
  EXPECT_EQ(federation_.count("devices"), 1u);
  EXPECT_EQ(bobDevices(), (std::vector<std::string>{"B1"}));

  // The next one in the chain applies without asking.
  ASSERT_TRUE(service().inputDeviceListUpdate(ctx(), "remote.org", update("B2", 6, {5}, &k2)).ok());
  EXPECT_EQ(bobDevices(), (std::vector<std::string>{"B1", "B2"}));
  // A repeated EDU changes nothing.
  ASSERT_TRUE(service().inputDeviceListUpdate(ctx(), "remote.org", update("B2", 6, {5}, &k2)).ok());
  // deleted: true removes the device.
  ASSERT_TRUE(
      service().inputDeviceListUpdate(ctx(), "remote.org", update("B2", 7, {6}, nullptr)).ok());
  EXPECT_EQ(bobDevices(), (std::vector<std::string>{"B1"}));
  EXPECT_EQ(federation_.count("devices"), 1u);
  EXPECT_EQ(federation_.count("keys"), 0u);  // answered from the cache

  // A missed update (prev_id 8 never seen) refetches the list.
  auto k3 = crypto::SigningKey::generate();
  setBobDevices(9, {{"B1", &k1}, {"B3", &k3}});
  ASSERT_TRUE(service().inputDeviceListUpdate(ctx(), "remote.org", update("B3", 9, {8}, &k3)).ok());
  EXPECT_EQ(federation_.count("devices"), 2u);
  EXPECT_EQ(bobDevices(), (std::vector<std::string>{"B1", "B3"}));
}

TEST_P(FederationTest, RemoteChangesAreDeviceListChanges) {
  rooms_.servers[kBob] = {kOurs, "remote.org"};
  auto k1 = crypto::SigningKey::generate();
  setBobDevices(1, {{"B1", &k1}});
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<DeviceListUpdate> seen;
  auto sub = bus::subscribeTyped<DeviceListUpdate>(
      bus(), "test", [&](const DeviceListUpdate& u, std::uint64_t) -> Status {
        std::lock_guard lock(mutex);
        seen.push_back(u);
        cv.notify_all();
        return {};
      });
  ASSERT_TRUE(sub.ok());
  auto before = *service().queryDeviceListPosition(ctx());
  ASSERT_TRUE(service().inputDeviceListUpdate(ctx(), "remote.org", update("B1", 1, {}, &k1)).ok());
  auto changes =
      service().queryKeyChanges(ctx(), kAlice, before, *service().queryDeviceListPosition(ctx()));
  ASSERT_TRUE(changes.ok());
  EXPECT_EQ(changes->changed, (std::vector<std::string>{kBob}));
  std::unique_lock lock(mutex);
  cv.wait_for(lock, std::chrono::seconds(5), [&] { return !seen.empty(); });
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front().userId, kBob);
}

TEST_P(FederationTest, IgnoresUsersSharingNoRoomAndForeignUsers) {
  auto k1 = crypto::SigningKey::generate();
  setBobDevices(1, {{"B1", &k1}});
  // Nobody here shares a room with Bob: nothing is fetched or stored.
  ASSERT_TRUE(service().inputDeviceListUpdate(ctx(), "remote.org", update("B1", 1, {}, &k1)).ok());
  EXPECT_EQ(federation_.count("devices"), 0u);
  // A server may only speak for its own users, never for ours.
  auto wrongOrigin = service().inputDeviceListUpdate(ctx(), "evil.org", update("B1", 2, {1}, &k1));
  EXPECT_EQ(wrongOrigin.error().code, ErrorCode::kForbidden);
  json::Object ours{{"device_id", "A1"}, {"stream_id", 3}, {"user_id", kAlice}};
  EXPECT_EQ(service().inputDeviceListUpdate(ctx(), kOurs, ours).error().code,
            ErrorCode::kForbidden);
  // Keys that are not signed by their device are refused.
  auto other = crypto::SigningKey::generate();
  json::Object forged = update("B1", 2, {1}, &k1);
  forged.set("keys", deviceKeys(kBob, "B1", other));
  json::Object keys = *forged.find("keys")->getObject();
  keys.set("device_id", "B9");
  forged.set("keys", keys);
  EXPECT_FALSE(service().inputDeviceListUpdate(ctx(), "remote.org", forged).ok());
}

TEST_P(FederationTest, UnreachableResyncMarksTheCacheStale) {
  rooms_.servers[kBob] = {kOurs, "remote.org"};
  auto k1 = crypto::SigningKey::generate();
  // No /user/devices answer: remote.org is down. The EDU is still accepted.
  ASSERT_TRUE(service().inputDeviceListUpdate(ctx(), "remote.org", update("B1", 1, {}, &k1)).ok());
  EXPECT_EQ(federation_.count("devices"), 1u);
  auto down = service().queryKeys(ctx(), kAlice, {{kBob, {}}});
  ASSERT_TRUE(down.ok());
  EXPECT_TRUE(down->failures.contains("remote.org"));
  EXPECT_FALSE(down->deviceKeys.contains(kBob));
  // Back up: the stale cache is refetched on the next query.
  setBobDevices(4, {{"B1", &k1}});
  EXPECT_EQ(bobDevices(), (std::vector<std::string>{"B1"}));
  EXPECT_EQ(federation_.count("devices"), 3u);
  EXPECT_EQ(bobDevices(), (std::vector<std::string>{"B1"}));
  EXPECT_EQ(federation_.count("devices"), 3u);  // fresh now
}

TEST_P(FederationTest, KeysQueryAsksServersOfUnsharedUsersAndReportsFailures) {
  auto kc = crypto::SigningKey::generate(), km = crypto::SigningKey::generate();
  federation_.keysAnswers["third.org"] = json::Object{
      {"device_keys",
       json::Object{
           {kCarol, json::Object{{"C1", deviceKeys(kCarol, "C1", kc)}}},
           // A server answering for another server's user is not believed.
           {"@mallory:evil.org", json::Object{{"M1", deviceKeys("@mallory:evil.org", "M1", km)}}}}},
      {"master_keys",
       json::Object{{kCarol, crossSigningKey(kCarol, "master", crypto::SigningKey::generate())}}}};
  uploadDevice(kAlice, "A1", crypto::SigningKey::generate());
  auto keys = service().queryKeys(ctx(), kAlice, {{kCarol, {}}, {kDave, {"D1"}}, {kAlice, {}}});
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->deviceKeys.contains(kCarol));
  EXPECT_TRUE(keys->deviceKeys.contains(kAlice));
  EXPECT_FALSE(keys->deviceKeys.contains("@mallory:evil.org"));
  EXPECT_TRUE(keys->masterKeys.contains(kCarol));
  // SPEC: the unreachable server is keyed in failures; reachable ones are not.
  EXPECT_TRUE(keys->failures.contains("down.org"));
  EXPECT_FALSE(keys->failures.contains("third.org"));
  auto requests = federation_.requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& r : requests) {
    EXPECT_EQ(r.kind, "keys");
    if (r.destination == "down.org") {
      const json::Value* wanted = r.body.find(kDave);
      ASSERT_TRUE(wanted && wanted->getArray());
      EXPECT_EQ(wanted->getArray()->size(), 1u);
    }
  }
  // Not cached: a second query asks again.
  ASSERT_TRUE(service().queryKeys(ctx(), kAlice, {{kCarol, {}}}).ok());
  EXPECT_EQ(federation_.count("keys"), 3u);
}

TEST_P(FederationTest, KeysQueryCachesSharedUsersAndSigningKeyUpdates) {
  rooms_.servers[kBob] = {kOurs, "remote.org"};
  auto k1 = crypto::SigningKey::generate();
  setBobDevices(3, {{"B1", &k1}});
  EXPECT_EQ(bobDevices(), (std::vector<std::string>{"B1"}));
  EXPECT_EQ(bobDevices(), (std::vector<std::string>{"B1"}));
  EXPECT_EQ(federation_.count("devices"), 1u);
  EXPECT_EQ(federation_.count("keys"), 0u);

  auto master = crypto::SigningKey::generate();
  json::Object masterKey = crossSigningKey(kBob, "master", master);
  ASSERT_TRUE(service()
                  .inputSigningKeyUpdate(ctx(), "remote.org",
                                         json::Object{{"master_key", masterKey}, {"user_id", kBob}})
                  .ok());
  auto keys = service().queryKeys(ctx(), kAlice, {{kBob, {}}});
  ASSERT_TRUE(keys.ok());
  const json::Value* cached = keys->masterKeys.find(kBob);
  ASSERT_TRUE(cached && cached->getObject());
  EXPECT_TRUE(sameSignedContent(*cached->getObject(), masterKey));
  EXPECT_FALSE(keys->userSigningKeys.contains(kBob));
  EXPECT_FALSE(
      service().inputSigningKeyUpdate(ctx(), "remote.org", json::Object{{"user_id", kBob}}).ok());
}

TEST_P(FederationTest, ClaimsRemoteKeysPerServer) {
  federation_.claimAnswers["remote.org"] = json::Object{
      {"one_time_keys",
       json::Object{{kBob, json::Object{{"B1", json::Object{{"signed_curve25519:AAA",
                                                             json::Object{{"key", "k"}}}}}}}}}};
  uploadDevice(kAlice, "A1", crypto::SigningKey::generate(),
               json::Object{{"signed_curve25519:X", json::Object{{"key", "x"}}}});
  ClaimKeysRequest request{{kBob, {{"B1", "signed_curve25519"}}},
                           {kDave, {{"D1", "signed_curve25519"}}},
                           {kAlice, {{"A1", "signed_curve25519"}}}};
  auto claimed = service().performClaimKeys(ctx(), request);
  ASSERT_TRUE(claimed.ok());
  EXPECT_TRUE(claimed->oneTimeKeys.contains(kBob));
  EXPECT_TRUE(claimed->oneTimeKeys.contains(kAlice));
  EXPECT_TRUE(claimed->failures.contains("down.org"));
  auto requests = federation_.requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& r : requests) {
    EXPECT_EQ(r.kind, "claim");
    if (r.destination == "remote.org") {
      EXPECT_EQ(r.body.find(kBob)->get("B1")->getString() != nullptr, true);
    }
  }
}

TEST_P(FederationTest, SenderAnnouncesLocalChangesToServersSharingARoom) {
  rooms_.servers[kAlice] = {"other.org", kOurs, "remote.org"};
  DeviceListSender sender(service(), federation_, rooms_, kOurs);
  auto k1 = crypto::SigningKey::generate(), k2 = crypto::SigningKey::generate();
  // Each change is announced as the bus would deliver it, right after it happened.
  uploadDevice(kAlice, "A1", k1);
  auto p1 = *service().queryDeviceListPosition(ctx());
  ASSERT_TRUE(sender.send(ctx(), DeviceListUpdate{kAlice, "A1", p1, false}).ok());
  ASSERT_TRUE(service().performSetDeviceDisplayName(ctx(), kAlice, "A2", "Laptop").ok());
  uploadDevice(kAlice, "A2", k2);
  auto p3 = *service().queryDeviceListPosition(ctx());
  ASSERT_TRUE(sender.send(ctx(), DeviceListUpdate{kAlice, "A2", p3, false}).ok());
  ASSERT_TRUE(service().performDeleteDeviceKeys(ctx(), kAlice, {"A1"}).ok());
  auto p4 = *service().queryDeviceListPosition(ctx());
  ASSERT_TRUE(sender.send(ctx(), DeviceListUpdate{kAlice, "A1", p4, true}).ok());
  EXPECT_EQ(*service().queryUserDeviceListStreamId(ctx(), kAlice), p4);

  // A remote user's change is not ours to announce.
  ASSERT_TRUE(sender.send(ctx(), DeviceListUpdate{kBob, "B1", p4 + 1, false}).ok());

  auto edus = federation_.edus();
  ASSERT_EQ(edus.size(), 3u);
  for (const auto& e : edus) {
    EXPECT_EQ(e.edu.type, "m.device_list_update");
    EXPECT_EQ(e.destinations, (std::vector<std::string>{"other.org", "remote.org"}));
  }
  const json::Object& first = edus[0].edu.content;
  EXPECT_EQ(first.find("stream_id")->getInt(), p1);
  EXPECT_TRUE(first.find("prev_id")->getArray()->empty());
  ASSERT_TRUE(first.find("keys") && first.find("keys")->getObject());
  EXPECT_FALSE(first.find("keys")->getObject()->contains("unsigned"));
  // prev_id chains each update to the one before it (the name-only change counts too).
  const json::Object& second = edus[1].edu.content;
  EXPECT_EQ(second.find("device_id")->getString() != nullptr, true);
  EXPECT_EQ(*second.find("device_id")->getString(), "A2");
  EXPECT_EQ(second.find("prev_id")->getArray()->front().getInt(), p3 - 1);
  EXPECT_EQ(*second.find("device_display_name")->getString(), "Laptop");
  const json::Object& third = edus[2].edu.content;
  EXPECT_EQ(third.find("deleted")->getBool(), true);
  EXPECT_EQ(third.find("prev_id")->getArray()->front().getInt(), p3);
  EXPECT_FALSE(third.contains("keys"));
}

TEST_P(FederationTest, SenderAnnouncesCrossSigningKeys) {
  rooms_.servers[kAlice] = {kOurs, "remote.org"};
  DeviceListSender sender(service(), federation_, rooms_, kOurs);
  auto master = crypto::SigningKey::generate(), self = crypto::SigningKey::generate();
  CrossSigningKeys keys{crossSigningKey(kAlice, "master", master),
                        crossSigningKey(kAlice, "self_signing", self, &master), std::nullopt};
  ASSERT_TRUE(service().performUploadCrossSigningKeys(ctx(), kAlice, keys).ok());
  auto p = *service().queryDeviceListPosition(ctx());
  ASSERT_TRUE(sender.send(ctx(), DeviceListUpdate{kAlice, "", p, false}).ok());
  auto edus = federation_.edus();
  ASSERT_EQ(edus.size(), 1u);
  EXPECT_EQ(edus[0].edu.type, "m.signing_key_update");
  EXPECT_TRUE(edus[0].edu.content.contains("master_key"));
  EXPECT_TRUE(edus[0].edu.content.contains("self_signing_key"));
  EXPECT_EQ(edus[0].destinations, (std::vector<std::string>{"remote.org"}));
  // Once the keys are gone (deactivation) there is nothing to announce.
  ASSERT_TRUE(service().performDeleteUserKeys(ctx(), kAlice).ok());
  ASSERT_TRUE(sender.send(ctx(), DeviceListUpdate{kAlice, "", p + 1, false}).ok());
  EXPECT_EQ(federation_.edus().size(), 1u);
  ASSERT_TRUE(service().performUploadCrossSigningKeys(ctx(), kAlice, keys).ok());
  // Nobody else shares a room: nothing to send.
  rooms_.servers[kAlice] = {kOurs};
  ASSERT_TRUE(sender.send(ctx(), DeviceListUpdate{kAlice, "", p, false}).ok());
  EXPECT_EQ(federation_.edus().size(), 1u);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(FederationTest);

}  // namespace
}  // namespace plexus::keyserver::testing
