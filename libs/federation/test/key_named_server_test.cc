// Key-named servers (DESIGN.md §4): names that are an ed25519 public key in hex. The key ring
// answers them from the name without fetching and refuses any other key for them, so events
// and X-Matrix requests from such a server verify while it is unreachable and fail when signed
// by another key; key responses naming another key are rejected; discovery never asks DNS for
// them; the transport selector sends them to the overlay. DNS-named servers stay as they were.
#include <gtest/gtest.h>

#include <cctype>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "plexus/events/event_signing.h"
#include "plexus/federation/key_fetcher.h"
#include "plexus/federation/key_ring.h"
#include "plexus/federation/server_name.h"
#include "plexus/federation/server_resolver.h"
#include "plexus/federation/transport_selector.h"
#include "plexus/federation/x_matrix.h"
#include "test_keys.h"

namespace plexus::federation {
namespace {

constexpr std::int64_t kNow = 1'700'000'000'000;
constexpr std::int64_t kHour = 3600'000;

const events::RoomVersion& version(const char* id) { return *events::findRoomVersion(id); }

// Counts every fetch; answers with whatever response it was given.
class CountingKeyFetcher : public KeyFetcher {
 public:
  Result<json::Object> fetchDirect(const ServerName&) override {
    ++calls;
    if (!direct) return fail(ErrorCode::kUnavailable, "unreachable");
    return *direct;
  }
  Result<json::Object> fetchViaNotary(const ServerName&, const json::Object&) override {
    ++calls;
    if (!notary) return fail(ErrorCode::kUnavailable, "unreachable");
    return *notary;
  }
  std::optional<json::Object> direct;
  std::optional<json::Object> notary;
  int calls = 0;
};

class KeyNamedServerTest : public ::testing::Test {
 protected:
  // A key response for `server` listing `key` as ed25519:k, self-signed by it.
  static json::Object responseFor(const std::string& server, const crypto::SigningKey& key) {
    std::vector<SigningKeyEntry> current{{"ed25519:k", key}};
    return buildServerKeyResponse(server, current, {}, kNow + kHour);
  }

  crypto::SigningKey nodeKey_ = testkeys::keyFrom('n');
  crypto::SigningKey otherKey_ = testkeys::keyFrom('x');
  std::string node_ = nodeKey_.publicKey().toHex();
  KeyRing ring_;
};

TEST_F(KeyNamedServerTest, NameIsTheHexOfAValidPublicKey) {
  EXPECT_EQ(keyNamedServerName(nodeKey_.publicKey()), node_);
  EXPECT_EQ(node_.size(), kKeyNamedServerLength);
  EXPECT_TRUE(isKeyNamedServer(node_));
  EXPECT_EQ(keyNamedServerKey(node_), nodeKey_.publicKey());

  std::string upper = node_;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_FALSE(isKeyNamedServer(upper));
  EXPECT_FALSE(isKeyNamedServer(node_.substr(1)));
  EXPECT_FALSE(isKeyNamedServer(node_ + "0"));
  EXPECT_FALSE(isKeyNamedServer(node_ + ":8448"));
  EXPECT_FALSE(isKeyNamedServer("example.org"));
  // Not canonical encodings of a point, or the small-order identity: no key, so no name.
  EXPECT_FALSE(isKeyNamedServer(std::string(64, 'f')));
  EXPECT_FALSE(isKeyNamedServer("01" + std::string(62, '0')));
}

TEST_F(KeyNamedServerTest, IsAValidServerNameDespiteTheDnsLabelLimit) {
  auto parsed = ServerName::parse(node_);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_TRUE(parsed->isKeyNamed());
  EXPECT_EQ(parsed->kind(), HostKind::kDnsName);
  EXPECT_FALSE(parsed->port());
  EXPECT_FALSE(ServerName::parse("example.org")->isKeyNamed());
}

TEST_F(KeyNamedServerTest, RingAnswersEveryEd25519KeyIdWithTheNameKeyForever) {
  EXPECT_EQ(ring_.keyForRequest(node_, "ed25519:p2p", kNow), nodeKey_.publicKey());
  EXPECT_EQ(ring_.keyForRequest(node_, "ed25519:anything_1", kNow), nodeKey_.publicKey());
  EXPECT_EQ(ring_.keyForEvent(node_, "ed25519:p2p", kNow, version("10")), nodeKey_.publicKey());
  // Validity does not end: far-future timestamps in rooms that enforce it still verify.
  EXPECT_EQ(ring_.keyForEvent(node_, "ed25519:p2p", std::numeric_limits<std::int64_t>::max(),
                              version("10")),
            nodeKey_.publicKey());
  EXPECT_TRUE(ring_.keyForRequest(node_, "ed25519:p2p", kKeyNamedValidUntilTs));
  auto record = ring_.find(node_, "ed25519:p2p");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->validUntilTs, kKeyNamedValidUntilTs);
  EXPECT_FALSE(record->expiredTs);
  // Only ed25519 keys, and only well-formed IDs.
  EXPECT_FALSE(ring_.keyForRequest(node_, "curve25519:p2p", kNow));
  EXPECT_FALSE(ring_.keyForRequest(node_, "ed25519:", kNow));
  EXPECT_FALSE(ring_.keyForRequest(node_, "ed25519:bad-id", kNow));
  EXPECT_EQ(ring_.size(), 0u);  // implied, not stored
}

TEST_F(KeyNamedServerTest, RingRefusesAnyOtherKeyForTheName) {
  EXPECT_FALSE(ring_.addKey(node_, "ed25519:p2p", {otherKey_.publicKey(), kNow + kHour, {}}));
  EXPECT_FALSE(ring_.addKey(node_, "ed25519:evil", {otherKey_.publicKey(), kNow + kHour, {}}));
  EXPECT_TRUE(ring_.addKey(node_, "ed25519:p2p", {nodeKey_.publicKey(), kNow + kHour, {}}));
  EXPECT_EQ(ring_.keyForRequest(node_, "ed25519:evil", kNow), nodeKey_.publicKey());
  EXPECT_EQ(ring_.size(), 0u);

  // A response that slipped past validation (built by hand) adds nothing either.
  ServerKeys forged;
  forged.serverName = node_;
  forged.verifyKeys.emplace("ed25519:k", otherKey_.publicKey());
  forged.oldVerifyKeys.emplace("ed25519:o", OldVerifyKey{otherKey_.publicKey(), kNow + kHour});
  forged.validUntilTs = kNow + kHour;
  ring_.addServerKeys(forged, kNow);
  EXPECT_EQ(ring_.keyForRequest(node_, "ed25519:k", kNow), nodeKey_.publicKey());
  EXPECT_EQ(ring_.keyForEvent(node_, "ed25519:o", kNow, version("10")), nodeKey_.publicKey());
  EXPECT_EQ(ring_.size(), 0u);
}

TEST_F(KeyNamedServerTest, KeyResponsesListingAnotherKeyAreRejected) {
  // Self-signed by the other key, so only the name check can catch it.
  auto forged = parseServerKeys(responseFor(node_, otherKey_), node_);
  ASSERT_FALSE(forged.ok());
  EXPECT_EQ(forged.error().code, ErrorCode::kForbidden);

  // An old key other than the name's is refused too.
  std::vector<SigningKeyEntry> current{{"ed25519:k", nodeKey_}};
  std::vector<OldKeyEntry> old{{"ed25519:o", otherKey_.publicKey(), kNow}};
  EXPECT_FALSE(parseServerKeys(buildServerKeyResponse(node_, current, old, kNow + kHour), node_));

  auto own = parseServerKeys(responseFor(node_, nodeKey_), node_);
  ASSERT_TRUE(own.ok()) << own.error().message;
  EXPECT_EQ(own->verifyKeys.at("ed25519:k"), nodeKey_.publicKey());
}

TEST_F(KeyNamedServerTest, NotaryEntriesListingAnotherKeyAreLeftOut) {
  crypto::SigningKey notaryKey = testkeys::keyFrom('t');
  SigningKeyEntry notaryEntry{"ed25519:t", notaryKey};
  json::Object entry = responseFor(node_, otherKey_);
  addNotarySignature(entry, "notary.org", notaryEntry);
  json::Object response = buildNotaryResponse({entry});
  auto notaryKeys = [&](std::string_view server,
                        std::string_view keyId) -> std::optional<crypto::PublicKey> {
    if (server == "notary.org" && keyId == "ed25519:t") return notaryKey.publicKey();
    return std::nullopt;
  };
  auto result = parseNotaryResponse(response, "notary.org", notaryKeys, {node_});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_TRUE(result->accepted.empty());
  ASSERT_EQ(result->rejected.size(), 1u);
  EXPECT_NE(result->rejected.front().find("other than its name"), std::string::npos);
}

TEST_F(KeyNamedServerTest, RefreshNeverFetchesAndNothingOfferedReplacesTheNameKey) {
  CountingKeyFetcher fetcher;
  fetcher.direct = responseFor(node_, otherKey_);
  crypto::SigningKey notaryKey = testkeys::keyFrom('t');
  json::Object entry = responseFor(node_, otherKey_);
  addNotarySignature(entry, "notary.org", {"ed25519:t", notaryKey});
  fetcher.notary = buildNotaryResponse({entry});
  ring_.addKey("notary.org", "ed25519:t", {notaryKey.publicKey(), kNow + kHour, {}});
  KeyRefreshOptions options;
  options.notaries.push_back(*ServerName::parse("notary.org"));

  std::vector<std::string> ids{"ed25519:k"};
  auto name = *ServerName::parse(node_);
  EXPECT_TRUE(refreshKeys(ring_, fetcher, name, ids, kNow, options).ok());
  EXPECT_TRUE(refreshKeys(ring_, fetcher, name, {}, kNow, options).ok());
  EXPECT_EQ(fetcher.calls, 0);
  EXPECT_EQ(ring_.keyForRequest(node_, "ed25519:k", kNow), nodeKey_.publicKey());

  std::vector<std::string> notEd25519{"curve25519:k"};
  auto refused = refreshKeys(ring_, fetcher, name, notEd25519, kNow, options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(fetcher.calls, 0);
}

TEST_F(KeyNamedServerTest, DnsNamedServersAreFetchedAndCachedAsBefore) {
  CountingKeyFetcher fetcher;
  fetcher.direct = responseFor("remote.org", otherKey_);
  std::vector<std::string> ids{"ed25519:k"};
  ASSERT_TRUE(refreshKeys(ring_, fetcher, *ServerName::parse("remote.org"), ids, kNow).ok());
  EXPECT_EQ(fetcher.calls, 1);
  EXPECT_EQ(ring_.keyForRequest("remote.org", "ed25519:k", kNow), otherKey_.publicKey());
  EXPECT_FALSE(ring_.keyForRequest("remote.org", "ed25519:p2p", kNow));
  EXPECT_TRUE(ring_.addKey("remote.org", "ed25519:z", {nodeKey_.publicKey(), kNow + kHour, {}}));
  EXPECT_EQ(ring_.size(), 2u);
}

// An event of room version 10 sent by @alice on `server`, hashed and signed by `key`.
json::Object signedEvent(const std::string& server, const crypto::SigningKey& key) {
  json::Object event{{"type", "m.room.message"},
                     {"room_id", "!room:" + server},
                     {"sender", "@alice:" + server},
                     {"content", json::Object{{"msgtype", "m.text"}, {"body", "hi"}}},
                     {"origin_server_ts", kNow},
                     {"depth", 3},
                     {"auth_events", json::Array{}},
                     {"prev_events", json::Array{}}};
  events::hashAndSignEvent(event, server, "ed25519:p2p", key, version("10"));
  return event;
}

TEST_F(KeyNamedServerTest, EventSignedByTheNameKeyVerifiesWithoutAnyFetchedKey) {
  // The ring is empty: the server was never reached.
  json::Object event = signedEvent(node_, nodeKey_);
  auto status = events::verifyEventSignatures(event, version("10"),
                                              ring_.eventKeyLookup(kNow, version("10")));
  EXPECT_TRUE(status.ok()) << status.error().message;
}

TEST_F(KeyNamedServerTest, EventSignedByAnotherKeyIsRejectedEvenIfOffered) {
  // Whoever offers the other key for the name, the ring will not hold it.
  ring_.addKey(node_, "ed25519:p2p", {otherKey_.publicKey(), kNow + kHour, {}});
  json::Object event = signedEvent(node_, otherKey_);
  auto status = events::verifyEventSignatures(event, version("10"),
                                              ring_.eventKeyLookup(kNow, version("10")));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidSignature);
}

TEST_F(KeyNamedServerTest, XMatrixFromAKeyNamedOriginVerifiesWithTheNameKey) {
  const std::string uri = "/_matrix/federation/v1/send/1";
  json::Value body(json::Object{{"pdus", json::Array{}}});
  XMatrixAuth good = signRequest(node_, "dest.org", "ed25519:p2p", nodeKey_, "PUT", uri, &body);
  auto parsed = parseXMatrix(formatXMatrix(good));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->origin, node_);
  auto key = ring_.keyForRequest(parsed->origin, parsed->keyId, kNow);
  ASSERT_TRUE(key);
  EXPECT_TRUE(verifyXMatrix(*parsed, "dest.org", "PUT", uri, &body, *key).ok());

  XMatrixAuth forged = signRequest(node_, "dest.org", "ed25519:p2p", otherKey_, "PUT", uri, &body);
  EXPECT_FALSE(verifyXMatrix(forged, "dest.org", "PUT", uri, &body, *key).ok());

  // The other direction: a key-named destination.
  XMatrixAuth toNode =
      signRequest("remote.org", node_, "ed25519:k", otherKey_, "GET", uri, nullptr);
  auto back = parseXMatrix(formatXMatrix(toNode));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(checkDestination(*back, node_).ok());
}

// Records every DNS question; knows every name.
class RecordingDns : public DnsResolver {
 public:
  Result<std::vector<SrvRecord>> lookupSrv(const std::string& name) override {
    asked.push_back(name);
    return std::vector<SrvRecord>{};
  }
  Result<std::vector<IpAddress>> lookupAddresses(const std::string& host) override {
    asked.push_back(host);
    return std::vector<IpAddress>{*IpAddress::parse("192.0.2.1")};
  }
  std::vector<std::string> asked;
};

class RecordingWellKnown : public WellKnownFetcher {
 public:
  WellKnownResponse fetch(const std::string& hostname) override {
    asked.push_back(hostname);
    return {};
  }
  std::vector<std::string> asked;
};

TEST_F(KeyNamedServerTest, DiscoveryRefusesKeyNamedServersWithoutAskingDns) {
  RecordingDns dns;
  RecordingWellKnown wellKnown;
  WellKnownCache cache{[] { return kNow; }};
  ServerResolver resolver(dns, wellKnown, cache);
  auto resolved = resolver.resolve(*ServerName::parse(node_));
  ASSERT_FALSE(resolved.ok());
  EXPECT_EQ(resolved.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(resolved.error().message.find("overlay"), std::string::npos);
  EXPECT_TRUE(dns.asked.empty());
  EXPECT_TRUE(wellKnown.asked.empty());

  // A 64-hex-digit name that is no key is an ordinary (if unresolvable) DNS name.
  EXPECT_TRUE(resolver.resolve(*ServerName::parse(std::string(64, 'f'))).ok());
  EXPECT_FALSE(dns.asked.empty());
}

class NamedTransport : public FederationTransport {
 public:
  explicit NamedTransport(int status) : status_(status) {}
  Result<OutboundResponse> send(std::string_view destination, const OutboundRequest&) override {
    destinations.emplace_back(destination);
    OutboundResponse response;
    response.status = status_;
    return response;
  }
  std::vector<std::string> destinations;

 private:
  int status_;
};

TEST_F(KeyNamedServerTest, SelectorSendsKeyNamedDestinationsToTheOverlay) {
  NamedTransport https(200), overlay(201);
  TransportSelector selector(https, &overlay);
  EXPECT_EQ(selector.send(node_, {})->status, 201);
  EXPECT_EQ(selector.send("remote.org", {})->status, 200);
  EXPECT_EQ(overlay.destinations, std::vector<std::string>{node_});
  EXPECT_EQ(https.destinations, std::vector<std::string>{"remote.org"});

  // Without an overlay everything goes to HTTPS (whose discovery refuses key-named names).
  TransportSelector httpsOnly(https);
  EXPECT_EQ(&httpsOnly.transportFor(node_), &https);
}

}  // namespace
}  // namespace plexus::federation
