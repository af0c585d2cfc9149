// Account-side endpoints over HTTP against the real services: devices, profile, account data,
// tags, push rules, filters, presence, user directory, E2EE keys and key backup, send-to-device
// and /sync (including a long poll woken by new data).
#include <future>
#include <thread>

#include "client_api_fixture.h"
#include "plexus/crypto/json_signing.h"

namespace plexus::clientapi::testing {
namespace {

class AccountFeaturesTest : public ClientApiTest {
 protected:
  json::Object passwordAuth(const std::string& user, const std::string& password) {
    return json::Object{{"type", json::Value("m.login.password")},
                        {"identifier", json::Object{{"type", json::Value("m.id.user")}, {"user", json::Value(user)}}},
                        {"password", json::Value(password)}};
  }

  // Device keys for `u` signed by a fresh device key.
  json::Object signedDeviceKeys(const TestUser& u, const crypto::SigningKey& key) {
    json::Object keys{{"user_id", json::Value(u.userId)},
                      {"device_id", json::Value(u.deviceId)},
                      {"algorithms", json::Array{json::Value("m.olm.v1.curve25519-aes-sha2"), json::Value("m.megolm.v1.aes-sha2")}},
                      {"keys", json::Object{{"curve25519:" + u.deviceId, json::Value("curvekeycurvekeycurvekeycurvekeycurvekeyabc")},
                                            {"ed25519:" + u.deviceId, json::Value(key.publicKey().toBase64())}}}};
    crypto::signJson(keys, u.userId, "ed25519:" + u.deviceId, key);
    return keys;
  }
};

TEST_F(AccountFeaturesTest, DevicesListRenameAndDeleteWithAuth) {
  TestUser u = registerUser("dev", "dev-pw");
  Reply list = call("GET", "/_matrix/client/v3/devices", "", u.accessToken);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body.find("devices")->getArray()->size(), 1u);

  Reply rename = call("PUT", "/_matrix/client/v3/devices/" + u.deviceId,
                      json::Object{{"display_name", json::Value("phone")}}, u.accessToken);
  ASSERT_EQ(rename.status, 200) << rename.raw;
  Reply one = call("GET", "/_matrix/client/v3/devices/" + u.deviceId, "", u.accessToken);
  EXPECT_EQ(one.str("display_name"), "phone");
  EXPECT_EQ(call("GET", "/_matrix/client/v3/devices/NOPE", "", u.accessToken).errcode(), "M_NOT_FOUND");
  EXPECT_EQ(call("PUT", "/_matrix/client/v3/devices/NOPE", json::Object{}, u.accessToken).status, 404);

  Reply second = call("POST", "/_matrix/client/v3/login",
                      json::Object{{"type", json::Value("m.login.password")}, {"user", json::Value("dev")},
                                   {"password", json::Value("dev-pw")}});
  std::string other = second.str("device_id");
  Reply challenge = call("DELETE", "/_matrix/client/v3/devices/" + other, "", u.accessToken);
  ASSERT_EQ(challenge.status, 401);
  Reply deleted = call("DELETE", "/_matrix/client/v3/devices/" + other,
                       json::Object{{"auth", passwordAuth("dev", "dev-pw")}}, u.accessToken);
  ASSERT_EQ(deleted.status, 200) << deleted.raw;
  EXPECT_EQ(call("GET", "/_matrix/client/v3/account/whoami", "", second.str("access_token")).errcode(), "M_UNKNOWN_TOKEN");

  Reply bulk = call("POST", "/_matrix/client/v3/delete_devices",
                    json::Object{{"devices", json::Array{json::Value("X1")}}, {"auth", passwordAuth("dev", "dev-pw")}},
                    u.accessToken);
  EXPECT_EQ(bulk.status, 200);
  Reply bad = call("POST", "/_matrix/client/v3/delete_devices", json::Object{{"devices", json::Value(3)}}, u.accessToken);
  EXPECT_EQ(bad.errcode(), "M_BAD_JSON");
}

TEST_F(AccountFeaturesTest, ProfileSetAndGet) {
  TestUser u = registerUser("prof");
  TestUser other = registerUser("other");
  Reply set = call("PUT", "/_matrix/client/v3/profile/" + u.userId + "/displayname",
                   json::Object{{"displayname", json::Value("Pro F")}}, u.accessToken);
  ASSERT_EQ(set.status, 200) << set.raw;
  Reply avatar = call("PUT", "/_matrix/client/r0/profile/" + u.userId + "/avatar_url",
                      json::Object{{"avatar_url", json::Value("mxc://test.local/abc")}}, u.accessToken);
  ASSERT_EQ(avatar.status, 200);
  Reply profile = call("GET", "/_matrix/client/v3/profile/" + u.userId);
  ASSERT_EQ(profile.status, 200);
  EXPECT_EQ(profile.str("displayname"), "Pro F");
  EXPECT_EQ(profile.str("avatar_url"), "mxc://test.local/abc");
  EXPECT_EQ(call("GET", "/_matrix/client/v3/profile/" + u.userId + "/displayname").str("displayname"), "Pro F");
  Reply forbidden = call("PUT", "/_matrix/client/v3/profile/" + u.userId + "/displayname",
                         json::Object{{"displayname", json::Value("hijack")}}, other.accessToken);
  EXPECT_EQ(forbidden.status, 403);
  EXPECT_EQ(call("GET", "/_matrix/client/v3/profile/@nobody:test.local").status, 404);
  EXPECT_EQ(call("GET", "/_matrix/client/v3/profile/notauser").errcode(), "M_INVALID_PARAM");

  Reply found = call("POST", "/_matrix/client/v3/user_directory/search",
                     json::Object{{"search_term", json::Value("pro")}}, other.accessToken);
  ASSERT_EQ(found.status, 200) << found.raw;
  EXPECT_NE(found.raw.find(u.userId), std::string::npos);
}

TEST_F(AccountFeaturesTest, ProfileChangeUpdatesMemberEvents) {
  TestUser u = registerUser("member");
  Reply created = call("POST", "/_matrix/client/v3/createRoom", json::Object{}, u.accessToken);
  if (created.status == 404) GTEST_SKIP() << "createRoom not registered yet";
  ASSERT_EQ(created.status, 200) << created.raw;
  std::string roomId = created.str("room_id");
  ASSERT_EQ(call("PUT", "/_matrix/client/v3/profile/" + u.userId + "/displayname",
                 json::Object{{"displayname", json::Value("New Name")}}, u.accessToken).status, 200);
  auto member = rooms_->queryStateEvent(CallContext{}, roomId, "m.room.member", u.userId);
  ASSERT_TRUE(member.ok());
  EXPECT_EQ(json::Value(member->pdu.content()).getStringAt("displayname").value_or(""), "New Name");
}

TEST_F(AccountFeaturesTest, AccountDataAndTagsAreOwnerOnly) {
  TestUser u = registerUser("ad");
  TestUser other = registerUser("ad2");
  std::string base = "/_matrix/client/v3/user/" + u.userId;
  EXPECT_EQ(call("GET", base + "/account_data/org.example", "", u.accessToken).errcode(), "M_NOT_FOUND");
  ASSERT_EQ(call("PUT", base + "/account_data/org.example", std::string(R"({"a":1,"f":0.5})"), u.accessToken).status, 200);
  Reply got = call("GET", base + "/account_data/org.example", "", u.accessToken);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body.find("a")->getInt(), 1);
  EXPECT_EQ(call("GET", base + "/account_data/org.example", "", other.accessToken).status, 403);
  Reply managed = call("PUT", base + "/account_data/m.push_rules", json::Object{}, u.accessToken);
  EXPECT_EQ(managed.status, 405);
  EXPECT_EQ(managed.errcode(), "M_BAD_JSON");

  std::string room = "/rooms/!r:test.local";
  ASSERT_EQ(call("PUT", base + room + "/account_data/org.room", json::Object{{"b", json::Value(2)}}, u.accessToken).status, 200);
  EXPECT_EQ(call("GET", base + room + "/account_data/org.room", "", u.accessToken).body.find("b")->getInt(), 2);
  EXPECT_EQ(call("PUT", base + room + "/account_data/m.fully_read", json::Object{}, u.accessToken).status, 405);
  EXPECT_EQ(call("GET", base + "/rooms/notaroom/account_data/x", "", u.accessToken).errcode(), "M_INVALID_PARAM");

  ASSERT_EQ(call("PUT", base + room + "/tags/m.favourite", std::string(R"({"order":0.25})"), u.accessToken).status, 200);
  Reply tags = call("GET", base + room + "/tags", "", u.accessToken);
  ASSERT_EQ(tags.status, 200);
  EXPECT_TRUE(tags.body.find("tags")->getObject()->contains("m.favourite"));
  ASSERT_EQ(call("DELETE", base + room + "/tags/m.favourite", "", u.accessToken).status, 200);
  EXPECT_TRUE(call("GET", base + room + "/tags", "", u.accessToken).body.find("tags")->getObject()->empty());
}

TEST_F(AccountFeaturesTest, PushRulesReadAndEdit) {
  TestUser u = registerUser("push");
  Reply all = call("GET", "/_matrix/client/v3/pushrules/", "", u.accessToken);
  ASSERT_EQ(all.status, 200) << all.raw;
  ASSERT_TRUE(all.body.contains("global"));
  std::string rule = "/_matrix/client/v3/pushrules/global/room/!r:test.local";
  ASSERT_EQ(call("PUT", rule, json::Object{{"actions", json::Array{json::Value("notify")}}}, u.accessToken).status, 200);
  Reply one = call("GET", rule, "", u.accessToken);
  ASSERT_EQ(one.status, 200) << one.raw;
  EXPECT_EQ(one.str("rule_id"), "!r:test.local");
  ASSERT_EQ(call("PUT", rule + "/enabled", json::Object{{"enabled", json::Value(false)}}, u.accessToken).status, 200);
  EXPECT_EQ(call("GET", rule + "/enabled", "", u.accessToken).body.find("enabled")->getBool(), false);
  ASSERT_EQ(call("PUT", rule + "/actions", json::Object{{"actions", json::Array{}}}, u.accessToken).status, 200);
  EXPECT_TRUE(call("GET", rule + "/actions", "", u.accessToken).body.find("actions")->getArray()->empty());
  ASSERT_EQ(call("DELETE", rule, "", u.accessToken).status, 200);
  EXPECT_EQ(call("GET", rule, "", u.accessToken).status, 404);

  Reply pushers = call("GET", "/_matrix/client/v3/pushers", "", u.accessToken);
  ASSERT_EQ(pushers.status, 200);
  EXPECT_TRUE(pushers.body.find("pushers")->getArray()->empty());
  EXPECT_EQ(call("GET", "/_matrix/client/v3/notifications", "", u.accessToken).status, 200);
}

TEST_F(AccountFeaturesTest, FiltersRoundTrip) {
  TestUser u = registerUser("filt");
  std::string base = "/_matrix/client/v3/user/" + u.userId + "/filter";
  json::Object filter{{"room", json::Object{{"timeline", json::Object{{"limit", json::Value(5)}}}}}};
  Reply made = call("POST", base, filter, u.accessToken);
  ASSERT_EQ(made.status, 200) << made.raw;
  std::string id = made.str("filter_id");
  ASSERT_FALSE(id.empty());
  Reply got = call("GET", base + "/" + id, "", u.accessToken);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body, filter);
  EXPECT_EQ(call("GET", base + "/999999", "", u.accessToken).status, 404);
}

TEST_F(AccountFeaturesTest, PresenceSetAndGet) {
  TestUser u = registerUser("pres");
  ASSERT_EQ(call("PUT", "/_matrix/client/v3/presence/" + u.userId + "/status",
                 json::Object{{"presence", json::Value("online")}, {"status_msg", json::Value("hi")}}, u.accessToken).status,
            200);
  Reply got = call("GET", "/_matrix/client/v3/presence/" + u.userId + "/status", "", u.accessToken);
  ASSERT_EQ(got.status, 200) << got.raw;
  EXPECT_EQ(got.str("presence"), "online");
  EXPECT_EQ(got.str("status_msg"), "hi");
}

TEST_F(AccountFeaturesTest, KeysUploadQueryAndClaim) {
  TestUser a = registerUser("keya");
  TestUser b = registerUser("keyb");
  auto key = crypto::SigningKey::generate();
  json::Object otk{{"signed_curve25519:AAAA", json::Object{{"key", json::Value("otkotkotk")}}}};
  Reply up = call("POST", "/_matrix/client/v3/keys/upload",
                  json::Object{{"device_keys", signedDeviceKeys(a, key)}, {"one_time_keys", otk}}, a.accessToken);
  ASSERT_EQ(up.status, 200) << up.raw;
  EXPECT_EQ(json::Value(up.body).get("one_time_key_counts")->get("signed_curve25519")->getInt(), 1);

  Reply query = call("POST", "/_matrix/client/v3/keys/query",
                     json::Object{{"device_keys", json::Object{{a.userId, json::Array{}}}}}, b.accessToken);
  ASSERT_EQ(query.status, 200) << query.raw;
  const json::Value queried(query.body);
  EXPECT_NE(queried.get("device_keys")->get(a.userId)->get(a.deviceId), nullptr);

  Reply claim = call("POST", "/_matrix/client/v3/keys/claim",
                     json::Object{{"one_time_keys", json::Object{{a.userId, json::Object{{a.deviceId, json::Value("signed_curve25519")}}}}}},
                     b.accessToken);
  ASSERT_EQ(claim.status, 200) << claim.raw;
  EXPECT_NE(claim.raw.find("signed_curve25519:AAAA"), std::string::npos);

  Reply badShape = call("POST", "/_matrix/client/v3/keys/query", json::Object{{"device_keys", json::Value(1)}}, b.accessToken);
  EXPECT_EQ(badShape.errcode(), "M_BAD_JSON");
  Reply changes = call("GET", "/_matrix/client/v3/keys/changes?from=s0&to=s1", "", a.accessToken);
  EXPECT_EQ(changes.status, 200);
}

TEST_F(AccountFeaturesTest, KeyBackupVersionAndKeys) {
  TestUser u = registerUser("backup");
  EXPECT_EQ(call("GET", "/_matrix/client/v3/room_keys/version", "", u.accessToken).errcode(), "M_NOT_FOUND");
  Reply made = call("POST", "/_matrix/client/v3/room_keys/version",
                    json::Object{{"algorithm", json::Value("m.megolm_backup.v1.curve25519-aes-sha2")},
                                 {"auth_data", json::Object{{"public_key", json::Value("abc")}}}},
                    u.accessToken);
  ASSERT_EQ(made.status, 200) << made.raw;
  std::string version = made.str("version");
  json::Object session{{"first_message_index", json::Value(0)},
                       {"forwarded_count", json::Value(0)},
                       {"is_verified", json::Value(true)},
                       {"session_data", json::Object{{"ciphertext", json::Value("x")}}}};
  Reply put = call("PUT", "/_matrix/client/v3/room_keys/keys/!r:test.local/sess1?version=" + version, session, u.accessToken);
  ASSERT_EQ(put.status, 200) << put.raw;
  EXPECT_EQ(put.body.find("count")->getInt(), 1);
  Reply got = call("GET", "/_matrix/client/v3/room_keys/keys/!r:test.local/sess1?version=" + version, "", u.accessToken);
  ASSERT_EQ(got.status, 200) << got.raw;
  EXPECT_EQ(got.body.find("first_message_index")->getInt(), 0);
  Reply latest = call("GET", "/_matrix/client/v3/room_keys/version", "", u.accessToken);
  EXPECT_EQ(latest.str("version"), version);
  EXPECT_EQ(call("PUT", "/_matrix/client/v3/room_keys/keys?version=" + version, std::string(R"({"rooms":{}})"), u.accessToken).status, 200);
  EXPECT_EQ(call("GET", "/_matrix/client/v3/room_keys/keys", "", u.accessToken).errcode(), "M_MISSING_PARAM");
}

TEST_F(AccountFeaturesTest, SendToDeviceIsDeliveredBySync) {
  TestUser a = registerUser("tda");
  TestUser b = registerUser("tdb");
  Reply initial = call("GET", "/_matrix/client/v3/sync", "", b.accessToken);
  ASSERT_EQ(initial.status, 200) << initial.raw;
  std::string since = initial.str("next_batch");
  ASSERT_FALSE(since.empty());

  Reply sent = call("PUT", "/_matrix/client/v3/sendToDevice/m.test/txn1",
                    json::Object{{"messages", json::Object{{b.userId, json::Object{{b.deviceId, json::Object{{"hello", json::Value("world")}}}}}}}},
                    a.accessToken);
  ASSERT_EQ(sent.status, 200) << sent.raw;
  EXPECT_TRUE(syncUntil(b, since, "\"hello\":\"world\""));
}

TEST_F(AccountFeaturesTest, SyncLongPollReturnsWhenDataArrives) {
  TestUser a = registerUser("lpa");
  TestUser b = registerUser("lpb");
  Reply initial = call("GET", "/_matrix/client/v3/sync", "", b.accessToken);
  ASSERT_EQ(initial.status, 200);
  std::string since = initial.str("next_batch");

  http::Client pollClient("127.0.0.1", server_->port());
  auto started = std::chrono::steady_clock::now();
  auto poll = [&](const std::string& from) {
    return std::async(std::launch::async, [&, from] {
      return call("GET", "/_matrix/client/v3/sync?timeout=20000&since=" + from, "", b.accessToken, &pollClient);
    });
  };
  // Drain what registration published in the background (bounded by the 1 s timeout), so the
  // next poll has nothing to return until the message below.
  Reply drained = call("GET", "/_matrix/client/v3/sync?timeout=1000&since=" + since, "", b.accessToken);
  ASSERT_EQ(drained.status, 200);
  auto pending = poll(drained.str("next_batch"));
  EXPECT_EQ(pending.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout) << "poll did not wait";
  ASSERT_EQ(call("PUT", "/_matrix/client/v3/sendToDevice/m.wake/txn2",
                 json::Object{{"messages", json::Object{{b.userId, json::Object{{"*", json::Object{{"x", json::Value(1)}}}}}}}},
                 a.accessToken).status,
            200);
  // Earlier background changes (e.g. account data published at registration) may wake the
  // first poll; each poll must still end long before its 20 s timeout.
  bool woke = false;
  for (int i = 0; i < 3 && !woke; ++i) {
    ASSERT_EQ(pending.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    Reply reply = pending.get();
    ASSERT_EQ(reply.status, 200);
    woke = reply.raw.find("m.wake") != std::string::npos;
    if (!woke) pending = poll(reply.str("next_batch"));
  }
  EXPECT_TRUE(woke);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(15));
}

TEST_F(AccountFeaturesTest, SyncTimeoutReturnsEmptyAndBadParamsAreRejected) {
  TestUser u = registerUser("sto");
  Reply initial = call("GET", "/_matrix/client/v3/sync", "", u.accessToken);
  std::string since = initial.str("next_batch");
  Reply empty = call("GET", "/_matrix/client/v3/sync?timeout=200&since=" + since, "", u.accessToken);
  EXPECT_EQ(empty.status, 200);
  EXPECT_FALSE(empty.str("next_batch").empty());
  EXPECT_EQ(call("GET", "/_matrix/client/v3/sync?timeout=abc", "", u.accessToken).errcode(), "M_INVALID_PARAM");
  EXPECT_EQ(call("GET", "/_matrix/client/v3/sync?set_presence=busy", "", u.accessToken).errcode(), "M_INVALID_PARAM");
  Reply inlineFilter = call("GET", "/_matrix/client/v3/sync?filter=%7B%22room%22%3A%7B%7D%7D", "", u.accessToken);
  EXPECT_EQ(inlineFilter.status, 200) << inlineFilter.raw;
}

TEST_F(AccountFeaturesTest, AccountDataReachesSync) {
  TestUser u = registerUser("ads");
  Reply initial = call("GET", "/_matrix/client/v3/sync", "", u.accessToken);
  std::string since = initial.str("next_batch");
  ASSERT_EQ(call("PUT", "/_matrix/client/v3/user/" + u.userId + "/account_data/org.sync", json::Object{{"v", json::Value(7)}},
                 u.accessToken).status,
            200);
  EXPECT_TRUE(syncUntil(u, since, "org.sync"));
}

TEST_F(AccountFeaturesTest, SingleEventLookupAppliesVisibility) {
  TestUser a = registerUser("eva");
  TestUser b = registerUser("evb");
  Reply created = call("POST", "/_matrix/client/v3/createRoom", json::Object{}, a.accessToken);
  ASSERT_EQ(created.status, 200) << created.raw;
  std::string roomId = created.str("room_id");
  Reply initial = call("GET", "/_matrix/client/v3/sync", "", a.accessToken);
  Reply sent = call("PUT", "/_matrix/client/v3/rooms/" + roomId + "/send/m.room.message/t1",
                    json::Object{{"msgtype", json::Value("m.text")}, {"body", json::Value("hi")}}, a.accessToken);
  ASSERT_EQ(sent.status, 200) << sent.raw;
  std::string eventId = sent.str("event_id");
  // Wait (event-driven, bounded) until sync-api has the event.
  ASSERT_TRUE(syncUntil(a, initial.str("next_batch"), eventId));
  Reply got = call("GET", "/_matrix/client/v3/events/" + eventId, "", a.accessToken);
  ASSERT_EQ(got.status, 200) << got.raw;
  EXPECT_EQ(got.str("event_id"), eventId);
  EXPECT_EQ(call("GET", "/_matrix/client/v3/events/" + eventId, "", b.accessToken).status, 404);
  EXPECT_EQ(call("GET", "/_matrix/client/v3/events/$nope", "", a.accessToken).errcode(), "M_NOT_FOUND");
}

TEST_F(AccountFeaturesTest, MiscEndpoints) {
  TestUser u = registerUser("misc");
  EXPECT_EQ(call("GET", "/_matrix/client/v3/thirdparty/protocols", "", u.accessToken).raw, "{}");
  EXPECT_EQ(call("GET", "/_matrix/client/v3/voip/turnServer", "", u.accessToken).status, 200);
  Reply openid = call("POST", "/_matrix/client/v3/user/" + u.userId + "/openid/request_token", json::Object{}, u.accessToken);
  ASSERT_EQ(openid.status, 200);
  EXPECT_EQ(openid.str("matrix_server_name"), "test.local");
  EXPECT_FALSE(openid.str("access_token").empty());
  EXPECT_EQ(openid.str("token_type"), "Bearer");
  Reply whois = call("GET", "/_matrix/client/v3/admin/whois/" + u.userId, "", u.accessToken);
  EXPECT_EQ(whois.status, 200);
  EXPECT_EQ(call("GET", "/_matrix/client/v1/register/m.login.registration_token/validity?token=x").body.find("valid")->getBool(),
            false);
}

// SPEC: client-server "OpenID": the token is account-sync's, so the federation userinfo
// endpoint (which resolves it through queryOpenIdToken) names the requesting user.
TEST_F(AccountFeaturesTest, OpenIdRequestTokenIsKeptByAccountSync) {
  TestUser u = registerUser("openid");
  const std::string path = "/_matrix/client/v3/user/" + u.userId + "/openid/request_token";
  Reply first = call("POST", path, json::Object{}, u.accessToken);
  ASSERT_EQ(first.status, 200) << first.raw;
  EXPECT_EQ(first.str("token_type"), "Bearer");
  EXPECT_EQ(first.str("matrix_server_name"), "test.local");
  ASSERT_TRUE(first.body.find("expires_in"));
  EXPECT_EQ(first.body.find("expires_in")->getInt(), 3600);
  EXPECT_EQ(first.body.size(), 4u) << first.raw;
  const std::string token = first.str("access_token");
  ASSERT_FALSE(token.empty());
  auto owner = accounts_->queryOpenIdToken(CallContext{}, token);
  ASSERT_TRUE(owner.ok()) << owner.error().message;
  EXPECT_EQ(*owner, u.userId);

  // Each request makes a new token; the older one keeps working until it expires.
  Reply second = call("POST", path, json::Object{}, u.accessToken);
  ASSERT_EQ(second.status, 200) << second.raw;
  EXPECT_NE(second.str("access_token"), token);
  EXPECT_EQ(*accounts_->queryOpenIdToken(CallContext{}, token), u.userId);
  // It is no access token for the client-server API.
  EXPECT_EQ(call("GET", "/_matrix/client/v3/account/whoami", "", token).status, 401);

  // Only for oneself, and only when logged in.
  TestUser other = registerUser("openid2");
  EXPECT_EQ(call("POST", path, json::Object{}, other.accessToken).status, 403);
  EXPECT_EQ(call("POST", path, json::Object{}).status, 401);
}

}  // namespace
}  // namespace plexus::clientapi::testing
