// Which servers must sign an event (sender, v1-v2 event ID server, restricted-join authoriser,
// third-party-invite exemption) and the receipt check on a parsed Pdu.
#include "plexus/events/event_signing.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "plexus/crypto/base64.h"
#include "plexus/events/room_version.h"
#include "plexus/json/canonical.h"

namespace plexus::events {
namespace {

const RoomVersion& v(std::string_view id) { return *findRoomVersion(id); }

class EventSigningTest : public ::testing::Test {
 protected:
  crypto::SigningKey keyFor(const std::string& server) {
    auto it = keys_.find(server);
    if (it == keys_.end()) it = keys_.emplace(server, crypto::SigningKey::generate()).first;
    return it->second;
  }
  crypto::KeyLookup lookup() {
    return [this](std::string_view server, std::string_view keyId) -> std::optional<crypto::PublicKey> {
      auto it = keys_.find(std::string(server));
      if (it == keys_.end() || keyId != "ed25519:k") return std::nullopt;
      return it->second.publicKey();
    };
  }
  void sign(json::Object& event, const std::string& server, std::string_view version) {
    hashAndSignEvent(event, server, "ed25519:k", keyFor(server), v(version));
  }

  std::map<std::string, crypto::SigningKey> keys_;
};

json::Object event(std::string_view type = "m.room.message") {
  return json::Object{
      {"type", type},
      {"room_id", "!r:a"},
      {"sender", "@u:a"},
      {"origin_server_ts", 1},
      {"depth", 2},
      {"content", json::Object{{"body", "hello"}}},
      {"prev_events", json::Array{"$p"}},
      {"auth_events", json::Array{"$c"}},
  };
}

ErrorCode codeOf(const Status& s) { return s.ok() ? ErrorCode::kUnknown : s.error().code; }

TEST_F(EventSigningTest, AcceptsSignedPduWithMatchingHash) {
  json::Object e = event();
  sign(e, "a", "10");
  auto pdu = Pdu::parse(json::canonical(e), v("10"));
  ASSERT_TRUE(pdu.ok());
  auto integrity = checkEventIntegrity(*pdu, lookup());
  ASSERT_TRUE(integrity.ok()) << integrity.error().message;
  EXPECT_FALSE(integrity->redactionNeeded);
}

TEST_F(EventSigningTest, FlagsRedactionWhenContentWasChangedAfterSigning) {
  json::Object e = event();
  sign(e, "a", "10");
  e.set("content", json::Object{{"body", "changed"}});
  auto pdu = Pdu::parse(json::canonical(e), v("10"));
  ASSERT_TRUE(pdu.ok());
  auto integrity = checkEventIntegrity(*pdu, lookup());
  ASSERT_TRUE(integrity.ok());
  EXPECT_TRUE(integrity->redactionNeeded);
}

TEST_F(EventSigningTest, RejectsEventWithBadSignature) {
  json::Object e = event();
  sign(e, "a", "10");
  e.set("depth", 3);  // a kept key: the signature no longer matches
  auto pdu = Pdu::parse(json::canonical(e), v("10"));
  ASSERT_TRUE(pdu.ok());
  auto integrity = checkEventIntegrity(*pdu, lookup());
  ASSERT_FALSE(integrity.ok());
  EXPECT_EQ(integrity.error().code, ErrorCode::kInvalidSignature);
}

TEST_F(EventSigningTest, RejectsPduWhoseVerificationFieldsWereDropped) {
  json::Object e = event();
  sign(e, "a", "10");
  auto pdu = Pdu::parse(json::canonical(e), v("10"));
  ASSERT_TRUE(pdu.ok());
  pdu->dropVerificationFields();
  EXPECT_FALSE(checkEventIntegrity(*pdu, lookup()).ok());
}

TEST_F(EventSigningTest, RejectsWhenTheOnlySignatureIsByAnotherServer) {
  json::Object e = event();
  sign(e, "b", "10");
  EXPECT_EQ(codeOf(verifyEventSignatures(e, v("10"), lookup())), ErrorCode::kInvalidSignature);
}

TEST_F(EventSigningTest, V1EventsNeedTheEventIdServersSignatureToo) {
  json::Object e = event();
  e.set("event_id", "$x:b");
  sign(e, "a", "1");
  EXPECT_EQ(codeOf(verifyEventSignatures(e, v("1"), lookup())), ErrorCode::kInvalidSignature);
  sign(e, "b", "1");
  EXPECT_TRUE(verifyEventSignatures(e, v("1"), lookup()).ok());
}

TEST_F(EventSigningTest, RestrictedJoinsNeedTheAuthorisingServersSignatureFromV8) {
  json::Object e = event("m.room.member");
  e.set("state_key", "@u:a");
  e.set("content", json::Object{{"membership", "join"}, {"join_authorised_via_users_server", "@admin:c"}});
  json::Object v7 = e;
  sign(v7, "a", "7");
  EXPECT_TRUE(verifyEventSignatures(v7, v("7"), lookup()).ok());
  for (const char* version : {"8", "9", "12"}) {
    json::Object join = e;
    sign(join, "a", version);
    EXPECT_EQ(codeOf(verifyEventSignatures(join, v(version), lookup())),
              ErrorCode::kInvalidSignature) << version;
    sign(join, "c", version);
    EXPECT_TRUE(verifyEventSignatures(join, v(version), lookup()).ok()) << version;
  }
}

TEST_F(EventSigningTest, RejectsAuthorisingUserThatIsNotAUserId) {
  json::Object e = event("m.room.member");
  e.set("state_key", "@u:a");
  e.set("content", json::Object{{"membership", "join"}, {"join_authorised_via_users_server", 7}});
  sign(e, "a", "10");
  EXPECT_EQ(codeOf(verifyEventSignatures(e, v("10"), lookup())), ErrorCode::kInvalidSignature);
}

TEST_F(EventSigningTest, ThirdPartyInvitesDoNotNeedTheSendersServer) {
  json::Object e = event("m.room.member");
  e.set("state_key", "@invitee:b");
  e.set("content", json::Object{{"membership", "invite"},
                                {"third_party_invite", json::Object{{"signed", json::Object{}}}}});
  sign(e, "b", "10");  // relayed and signed by the invitee's server only
  EXPECT_TRUE(verifyEventSignatures(e, v("10"), lookup()).ok());
  // A plain invite still needs the sender's server.
  json::Object plain = event("m.room.member");
  plain.set("state_key", "@invitee:b");
  plain.set("content", json::Object{{"membership", "invite"}});
  sign(plain, "b", "10");
  EXPECT_EQ(codeOf(verifyEventSignatures(plain, v("10"), lookup())), ErrorCode::kInvalidSignature);
}

TEST_F(EventSigningTest, IgnoresUnknownAlgorithmsButNotBadKnownSignatures) {
  json::Object e = event();
  sign(e, "a", "10");
  json::Object& bySigner = *(*e.find("signatures")->getObject()).find("a")->getObject();
  bySigner.set("curve25519:x", "garbage");
  bySigner.set("ed25519:unknown", "garbage");
  EXPECT_TRUE(verifyEventSignatures(e, v("10"), lookup()).ok());

  // A second known key whose signature fails makes the event fail.
  crypto::SigningKey second = crypto::SigningKey::generate();
  auto lookupBoth = [&](std::string_view server, std::string_view keyId) -> std::optional<crypto::PublicKey> {
    if (keyId == "ed25519:second") return second.publicKey();
    return lookup()(server, keyId);
  };
  bySigner.set("ed25519:second", crypto::encodeBase64(std::string(64, 'x')));
  EXPECT_EQ(codeOf(verifyEventSignatures(e, v("10"), lookupBoth)), ErrorCode::kInvalidSignature);
}

TEST_F(EventSigningTest, SignatureSurvivesRedaction) {
  json::Object e = event();
  sign(e, "a", "11");
  json::Object redacted = e;
  redacted.set("content", json::Object{});
  redacted.erase("unsigned");
  EXPECT_TRUE(verifyEventSignatures(redacted, v("11"), lookup()).ok());
}

}  // namespace
}  // namespace plexus::events
