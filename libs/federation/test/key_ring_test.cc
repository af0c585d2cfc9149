// KeyRing validity rules (requests vs events, room versions up to 4 vs 5+, old keys by
// expired_ts, the seven-day cap, merging) and refreshKeys over a fake KeyFetcher.
#include "plexus/federation/key_ring.h"

#include <gtest/gtest.h>

#include "plexus/federation/key_fetcher.h"
#include "test_keys.h"

namespace plexus::federation {
namespace {

constexpr std::int64_t kNow = 1'700'000'000'000;
constexpr std::int64_t kHour = 3600'000;
constexpr std::int64_t kDay = 24 * kHour;

const events::RoomVersion& v4() { return *events::findRoomVersion("4"); }
const events::RoomVersion& v5() { return *events::findRoomVersion("5"); }

class KeyRingTest : public ::testing::Test {
 protected:
  ServerKeys keys(std::int64_t validUntil) {
    std::vector<SigningKeyEntry> current{{"ed25519:cur", cur_}};
    std::vector<OldKeyEntry> old{{"ed25519:old", old_.publicKey(), kNow - kDay}};
    return *parseServerKeys(buildServerKeyResponse("remote.org", current, old, validUntil),
                            "remote.org");
  }

  crypto::SigningKey cur_ = testkeys::keyFrom('c');
  crypto::SigningKey old_ = testkeys::keyFrom('o');
  KeyRing ring_;
};

TEST_F(KeyRingTest, CurrentKeyMaySignRequestsUntilItsValidityEnds) {
  ring_.addServerKeys(keys(kNow + kHour), kNow);
  EXPECT_EQ(ring_.keyForRequest("remote.org", "ed25519:cur", kNow), cur_.publicKey());
  EXPECT_TRUE(ring_.keyForRequest("remote.org", "ed25519:cur", kNow + kHour));
  EXPECT_FALSE(ring_.keyForRequest("remote.org", "ed25519:cur", kNow + kHour + 1));
}

TEST_F(KeyRingTest, OldKeysNeverSignRequests) {
  ring_.addServerKeys(keys(kNow + kHour), kNow);
  EXPECT_FALSE(ring_.keyForRequest("remote.org", "ed25519:old", kNow - 2 * kDay));
}

TEST_F(KeyRingTest, UnknownKeysAndServersAreNotFound) {
  ring_.addServerKeys(keys(kNow + kHour), kNow);
  EXPECT_FALSE(ring_.keyForRequest("remote.org", "ed25519:nope", kNow));
  EXPECT_FALSE(ring_.keyForRequest("other.org", "ed25519:cur", kNow));
  EXPECT_FALSE(ring_.keyForEvent("other.org", "ed25519:cur", kNow, v4()));
}

TEST_F(KeyRingTest, ValidityIsCappedAtSevenDaysAfterFetch) {
  ring_.addServerKeys(keys(kNow + 365 * kDay), kNow);
  EXPECT_EQ(ring_.find("remote.org", "ed25519:cur")->validUntilTs, kNow + 7 * kDay);
  EXPECT_FALSE(ring_.keyForRequest("remote.org", "ed25519:cur", kNow + 8 * kDay));
  EXPECT_FALSE(ring_.keyForEvent("remote.org", "ed25519:cur", kNow + 8 * kDay, v5()));
}

TEST_F(KeyRingTest, RoomVersionsUpToFourIgnoreValidUntil) {
  ring_.addServerKeys(keys(kNow + kHour), kNow);
  EXPECT_TRUE(ring_.keyForEvent("remote.org", "ed25519:cur", kNow + 30 * kDay, v4()));
  EXPECT_TRUE(ring_.keyForEvent("remote.org", "ed25519:old", kNow + 30 * kDay, v4()));
}

TEST_F(KeyRingTest, RoomVersionFiveEnforcesValidUntilAtTheEventTime) {
  ring_.addServerKeys(keys(kNow + kHour), kNow);
  EXPECT_TRUE(ring_.keyForEvent("remote.org", "ed25519:cur", kNow + kHour, v5()));
  EXPECT_FALSE(ring_.keyForEvent("remote.org", "ed25519:cur", kNow + kHour + 1, v5()));
  // Events from the past stay verifiable with the current key.
  EXPECT_TRUE(ring_.keyForEvent("remote.org", "ed25519:cur", kNow - 100 * kDay, v5()));
}

TEST_F(KeyRingTest, OldKeysVerifyEventsUpToTheirExpiry) {
  ring_.addServerKeys(keys(kNow + kHour), kNow);
  EXPECT_EQ(ring_.keyForEvent("remote.org", "ed25519:old", kNow - kDay, v5()), old_.publicKey());
  EXPECT_FALSE(ring_.keyForEvent("remote.org", "ed25519:old", kNow - kDay + 1, v5()));
}

TEST_F(KeyRingTest, EventKeyLookupAppliesTheRules) {
  ring_.addServerKeys(keys(kNow + kHour), kNow);
  auto lookup = ring_.eventKeyLookup(kNow + 2 * kHour, v5());
  EXPECT_FALSE(lookup("remote.org", "ed25519:cur"));
  auto lenient = ring_.eventKeyLookup(kNow + 2 * kHour, v4());
  EXPECT_TRUE(lenient("remote.org", "ed25519:cur"));
}

TEST_F(KeyRingTest, LongerValidityWinsAndRetirementSticks) {
  ring_.addServerKeys(keys(kNow + 2 * kHour), kNow);
  ring_.addServerKeys(keys(kNow + kHour), kNow);
  EXPECT_EQ(ring_.find("remote.org", "ed25519:cur")->validUntilTs, kNow + 2 * kHour);
  // The server retires the key: it moves to old_verify_keys.
  std::vector<SigningKeyEntry> current{{"ed25519:new", testkeys::keyFrom('n')}};
  std::vector<OldKeyEntry> old{{"ed25519:cur", cur_.publicKey(), kNow + 10}};
  ring_.addServerKeys(
      *parseServerKeys(buildServerKeyResponse("remote.org", current, old, kNow + kDay),
                       "remote.org"),
      kNow + 20);
  EXPECT_FALSE(ring_.keyForRequest("remote.org", "ed25519:cur", kNow + 30));
  EXPECT_TRUE(ring_.keyForEvent("remote.org", "ed25519:cur", kNow + 10, v5()));
  EXPECT_FALSE(ring_.keyForEvent("remote.org", "ed25519:cur", kNow + 11, v5()));
  ring_.addServerKeys(keys(kNow + kDay), kNow + 40);
  EXPECT_FALSE(ring_.keyForRequest("remote.org", "ed25519:cur", kNow + 50));
}

TEST_F(KeyRingTest, ChangedKeyBytesReplaceTheRecord) {
  ring_.addKey("remote.org", "ed25519:k", KeyRecord{cur_.publicKey(), kNow + kDay, std::nullopt});
  ring_.addKey("remote.org", "ed25519:k", KeyRecord{old_.publicKey(), kNow, std::nullopt});
  EXPECT_EQ(ring_.find("remote.org", "ed25519:k")->key, old_.publicKey());
  EXPECT_EQ(ring_.find("remote.org", "ed25519:k")->validUntilTs, kNow);
}

class FakeKeyFetcher : public KeyFetcher {
 public:
  Result<json::Object> fetchDirect(const ServerName& server) override {
    ++directCalls;
    lastDirect = server.str();
    return direct;
  }
  Result<json::Object> fetchViaNotary(const ServerName& notary, const json::Object& body) override {
    notariesAsked.push_back(notary.str());
    lastBody = body;
    auto it = notaryResponses.find(notary.str());
    if (it == notaryResponses.end()) return fail(ErrorCode::kUnavailable, "down");
    return it->second;
  }

  Result<json::Object> direct = fail(ErrorCode::kUnavailable, "connection refused");
  std::map<std::string, json::Object> notaryResponses;
  int directCalls = 0;
  std::string lastDirect;
  std::vector<std::string> notariesAsked;
  json::Object lastBody;
};

class RefreshKeysTest : public KeyRingTest {
 protected:
  void SetUp() override {
    ring_.addKey("notary.org", "ed25519:n",
                 KeyRecord{notaryKey_.publicKey(), kNow + kDay, std::nullopt});
    options_.notaries.push_back(*ServerName::parse("notary.org"));
  }
  json::Object remoteResponse(std::int64_t validUntil) {
    std::vector<SigningKeyEntry> current{{"ed25519:cur", cur_}};
    return buildServerKeyResponse("remote.org", current, {}, validUntil);
  }
  json::Object notarised(json::Object entry) {
    addNotarySignature(entry, "notary.org", SigningKeyEntry{"ed25519:n", notaryKey_});
    return buildNotaryResponse({std::move(entry)});
  }

  crypto::SigningKey notaryKey_ = testkeys::keyFrom('n');
  ServerName remote_ = *ServerName::parse("remote.org");
  std::vector<std::string> wanted_{"ed25519:cur"};
  KeyRefreshOptions options_;
  FakeKeyFetcher fetcher_;
};

TEST_F(RefreshKeysTest, DirectFetchIsTriedFirst) {
  fetcher_.direct = remoteResponse(kNow + kDay);
  EXPECT_TRUE(refreshKeys(ring_, fetcher_, remote_, wanted_, kNow, options_));
  EXPECT_EQ(fetcher_.lastDirect, "remote.org");
  EXPECT_TRUE(fetcher_.notariesAsked.empty());
  EXPECT_TRUE(ring_.keyForRequest("remote.org", "ed25519:cur", kNow));
}

TEST_F(RefreshKeysTest, NotaryIsAskedWhenTheServerIsDown) {
  fetcher_.notaryResponses["notary.org"] = notarised(remoteResponse(kNow + kDay));
  EXPECT_TRUE(refreshKeys(ring_, fetcher_, remote_, wanted_, kNow, options_));
  ASSERT_EQ(fetcher_.notariesAsked, std::vector<std::string>{"notary.org"});
  EXPECT_TRUE(fetcher_.lastBody.find("server_keys")->get("remote.org")->get("ed25519:cur"));
  EXPECT_TRUE(ring_.keyForRequest("remote.org", "ed25519:cur", kNow));
}

TEST_F(RefreshKeysTest, ForgedDirectResponseFallsBackToNotary) {
  json::Object forged = remoteResponse(kNow + kDay);
  forged.set("server_name", "evil.org");
  fetcher_.direct = forged;
  fetcher_.notaryResponses["notary.org"] = notarised(remoteResponse(kNow + kDay));
  EXPECT_TRUE(refreshKeys(ring_, fetcher_, remote_, wanted_, kNow, options_));
  EXPECT_EQ(fetcher_.notariesAsked.size(), 1u);
}

TEST_F(RefreshKeysTest, NotaryWithoutItsSignatureIsNotTrusted) {
  fetcher_.notaryResponses["notary.org"] = buildNotaryResponse({remoteResponse(kNow + kDay)});
  Status st = refreshKeys(ring_, fetcher_, remote_, wanted_, kNow, options_);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(ring_.find("remote.org", "ed25519:cur"));
}

TEST_F(RefreshKeysTest, KeysExpiringTooSoonDoNotSatisfyTheRefresh) {
  fetcher_.direct = remoteResponse(kNow + kHour);
  options_.minimumValidUntilTs = kNow + 2 * kHour;
  fetcher_.notaryResponses["notary.org"] = notarised(remoteResponse(kNow + 3 * kHour));
  EXPECT_TRUE(refreshKeys(ring_, fetcher_, remote_, wanted_, kNow, options_));
  EXPECT_EQ(ring_.find("remote.org", "ed25519:cur")->validUntilTs, kNow + 3 * kHour);
  EXPECT_EQ(*fetcher_.lastBody.find("server_keys")
                 ->get("remote.org")
                 ->get("ed25519:cur")
                 ->get("minimum_valid_until_ts")
                 ->getInt(),
            kNow + 2 * kHour);
}

TEST_F(RefreshKeysTest, FailsWhenNoSourceHasTheKey) {
  Status st = refreshKeys(ring_, fetcher_, remote_, wanted_, kNow, options_);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("notary.org"), std::string::npos);
}

TEST_F(RefreshKeysTest, EmptyKeyListIsSatisfiedByAnyValidResponse) {
  fetcher_.direct = remoteResponse(kNow + kDay);
  EXPECT_TRUE(refreshKeys(ring_, fetcher_, remote_, {}, kNow, options_));
}

}  // namespace
}  // namespace plexus::federation
