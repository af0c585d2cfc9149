// Test fixture for the room-side Client-Server routes: H12's ClientApiTest (the real
// ClientApiServer on 127.0.0.1 port 0 in front of the real account-sync, roomserver, keyserver
// and sync-api services on a fresh SQLite database with an InProcessBus; users registered
// through the real POST /register) plus helpers for room requests whose answers may be JSON
// arrays (GET /state), path encoding, room creation, sends and bounded /sync polling.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "clientapi/test/client_api_fixture.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::clientapi::roomtest {

using testing::TestUser;

// One HTTP answer: the status and the parsed JSON body (null when the body is not JSON).
struct Reply {
  int status = 0;
  json::Value body;
  std::string raw;

  std::string str(std::string_view key) const {
    auto v = body.getStringAt(key);
    return v ? std::string(*v) : std::string();
  }
  std::string errcode() const { return str("errcode"); }
  const json::Value* get(std::string_view key) const { return body.get(key); }
};

// Percent-encodes everything but RFC 3986 unreserved characters (for IDs in paths).
inline std::string enc(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

inline std::string toText(const json::Object& o) { return json::canonical(json::Value(o)); }

class RoomApiTest : public testing::ClientApiTest {
  // Public so that free helper functions in the tests can use them.
 public:
  using testing::ClientApiTest::registerUser;

  // ---- HTTP --------------------------------------------------------------------------------

  Reply call(const std::string& method, const std::string& path, const std::string& body = "",
             const std::string& token = "") {
    http::ClientRequest request;
    request.method = method;
    request.target = path;
    request.body = body;
    if (!body.empty()) request.headers.set("Content-Type", "application/json");
    if (!token.empty()) request.headers.set("Authorization", "Bearer " + token);
    auto response = client_->request(request);
    Reply reply;
    if (!response.ok()) {
      ADD_FAILURE() << method << " " << path << ": " << response.error().message;
      return reply;
    }
    reply.status = response->status;
    reply.raw = response->body;
    // Lenient numbers: /search ranks are floats.
    auto parsed = json::parse(response->body, json::ParseOptions{false, 64});
    if (parsed.ok()) reply.body = std::move(*parsed);
    return reply;
  }
  Reply call(const std::string& method, const std::string& path, const json::Object& body,
             const TestUser& user) {
    return call(method, path, toText(body), user.accessToken);
  }
  Reply get(const std::string& path, const TestUser& user) {
    return call("GET", path, "", user.accessToken);
  }

  static std::string v3(const std::string& rest) { return "/_matrix/client/v3" + rest; }
  static std::string room(const std::string& roomId, const std::string& rest) {
    return v3("/rooms/" + enc(roomId) + rest);
  }

  // ---- Users and rooms ---------------------------------------------------------------------

  std::string createRoom(const TestUser& user, const json::Object& body = {}) {
    Reply r = call("POST", v3("/createRoom"), body, user);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.str("room_id");
  }

  std::string send(const TestUser& user, const std::string& roomId, const std::string& text) {
    Reply r = call("PUT", room(roomId, "/send/m.room.message/t" + std::to_string(++txn_)),
                   json::Object{{"msgtype", "m.text"}, {"body", text}}, user);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.str("event_id");
  }

  Reply join(const TestUser& user, const std::string& roomIdOrAlias) {
    return call("POST", v3("/join/" + enc(roomIdOrAlias)), json::Object{}, user);
  }

  // Long-polls /sync (bounded) until `done` accepts an answer; returns the last answer.
  template <typename Pred>
  Reply syncUntil(const TestUser& user, Pred done, std::string since = "") {
    Reply last;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      std::string path = v3("/sync?timeout=2000");
      if (!since.empty()) path += "&since=" + enc(since);
      last = get(path, user);
      if (last.status != 200) return last;
      if (done(last)) return last;
      since = last.str("next_batch");
    }
    ADD_FAILURE() << "sync condition not met; last answer: " << last.raw;
    return last;
  }

  int txn_ = 0;
};

}  // namespace plexus::clientapi::roomtest
