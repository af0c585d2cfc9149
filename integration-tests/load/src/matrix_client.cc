// Client-Server API requests and /sync reading for the load generator (see the header).
#include "matrix_client.h"

#include <charconv>

#include "plexus/json/parse.h"

namespace plexus::loadgen {

namespace asio = boost::asio;

std::string messageBody(std::uint64_t seq) { return "lg " + std::to_string(seq); }

std::string urlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

const std::string& timelineOnlyFilter() {
  static const std::string filter = urlEncode(
      R"({"presence":{"types":[]},"account_data":{"types":[]},)"
      R"("room":{"ephemeral":{"types":[]},"account_data":{"types":[]},)"
      R"("state":{"lazy_load_members":true},"timeline":{"limit":500}}})");
  return filter;
}

namespace {

std::string jsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// The string member `key` of an object, copied (empty when absent or not a string).
std::string stringMember(const json::Object& object, std::string_view key) {
  const json::Value* v = object.find(key);
  const std::string* s = v ? v->getString() : nullptr;
  return s ? *s : std::string();
}

std::optional<json::Object> parseBody(const HttpResult& r) {
  auto parsed = json::parseObject(r.body, json::ParseOptions{.strictIntegers = false});
  if (!parsed.ok()) return std::nullopt;
  return std::move(*parsed);
}

std::string describe(const HttpResult& r) {
  if (r.status == 0) return r.error;
  return "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 200);
}

}  // namespace

std::optional<SyncBatch> readSyncBatch(std::string_view body) {
  auto parsed = json::parseObject(body, json::ParseOptions{.strictIntegers = false});
  if (!parsed.ok()) return std::nullopt;
  SyncBatch batch;
  const json::Value* next = parsed->find("next_batch");
  if (!next || !next->getString()) return std::nullopt;
  batch.nextBatch = *next->getString();
  const json::Value* rooms = parsed->find("rooms");
  const json::Value* join = rooms ? rooms->get("join") : nullptr;
  const json::Object* joined = join ? join->getObject() : nullptr;
  if (!joined) return batch;
  for (const auto& [roomId, room] : *joined) {
    batch.joinedRooms.push_back(roomId);
    const json::Value* timeline = room.get("timeline");
    if (!timeline) continue;
    if (const json::Value* limited = timeline->get("limited"); limited && limited->getBool().value_or(false)) {
      batch.limited = true;
    }
    const json::Value* events = timeline->get("events");
    const json::Array* list = events ? events->getArray() : nullptr;
    if (!list) continue;
    for (const json::Value& event : *list) {
      if (event.getStringAt("type") != "m.room.message") continue;
      const json::Value* content = event.get("content");
      auto text = content ? content->getStringAt("body") : std::nullopt;
      if (!text || !text->starts_with("lg ")) continue;
      std::uint64_t seq = 0;
      auto digits = text->substr(3);
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
      if (ec != std::errc() || ptr != digits.data() + digits.size()) continue;
      batch.arrivals.push_back({seq, std::string(event.getStringAt("sender").value_or(""))});
    }
  }
  return batch;
}

asio::awaitable<std::optional<Account>> registerUser(HttpConnection& conn, std::string localpart,
                                                     std::string& error) {
  // No password: registration then skips the deliberately slow password hash, so setting up
  // thousands of users measures the node, not argon2id.
  std::string body = R"({"username":)" + jsonString(localpart) +
                     R"(,"auth":{"type":"m.login.dummy"},"initial_device_display_name":"loadgen"})";
  HttpResult r = co_await conn.request("POST", "/_matrix/client/v3/register", body, "", kSetupTimeout);
  auto parsed = r.ok() ? parseBody(r) : std::nullopt;
  if (!parsed) {
    error = "register " + localpart + ": " + describe(r);
    co_return std::nullopt;
  }
  Account a;
  a.userId = stringMember(*parsed, "user_id");
  a.token = stringMember(*parsed, "access_token");
  if (a.token.empty()) {
    error = "register " + localpart + ": no access_token";
    co_return std::nullopt;
  }
  co_return a;
}

asio::awaitable<std::optional<std::string>> createRoom(HttpConnection& conn, const Account& account,
                                                       std::string& error) {
  HttpResult r = co_await conn.request("POST", "/_matrix/client/v3/createRoom",
                                       R"({"preset":"public_chat"})", account.token, kSetupTimeout);
  auto parsed = r.ok() ? parseBody(r) : std::nullopt;
  std::string roomId = parsed ? stringMember(*parsed, "room_id") : std::string();
  if (roomId.empty()) {
    error = "createRoom: " + describe(r);
    co_return std::nullopt;
  }
  co_return roomId;
}

asio::awaitable<bool> joinRoom(HttpConnection& conn, const Account& account,
                               const std::string& roomId, std::string& error) {
  HttpResult r = co_await conn.request("POST", "/_matrix/client/v3/rooms/" + urlEncode(roomId) + "/join",
                                       "{}", account.token, kSetupTimeout);
  if (!r.ok()) error = "join: " + describe(r);
  co_return r.ok();
}

asio::awaitable<bool> joinRoomVia(HttpConnection& conn, const Account& account,
                                  const std::string& roomId, const std::string& via,
                                  std::string& error) {
  std::string target = "/_matrix/client/v3/join/" + urlEncode(roomId);
  if (!via.empty()) target += "?server_name=" + urlEncode(via);
  HttpResult r = co_await conn.request("POST", std::move(target), "{}", account.token, kSetupTimeout);
  if (!r.ok()) error = "join via " + via + ": " + describe(r);
  co_return r.ok();
}

asio::awaitable<HttpResult> sendMessage(HttpConnection& conn, const Account& account,
                                        const std::string& roomId, std::uint64_t seq,
                                        std::chrono::milliseconds timeout) {
  std::string target = "/_matrix/client/v3/rooms/" + urlEncode(roomId) +
                       "/send/m.room.message/lg" + std::to_string(seq);
  std::string body = R"({"msgtype":"m.text","body":")" + messageBody(seq) + "\"}";
  co_return co_await conn.request("PUT", std::move(target), std::move(body), account.token, timeout);
}

asio::awaitable<HttpResult> sync(HttpConnection& conn, const Account& account,
                                 const std::string& since, int timeoutMs, bool timelineFilter) {
  std::string target = "/_matrix/client/v3/sync?timeout=" + std::to_string(timeoutMs);
  if (!since.empty()) target += "&since=" + urlEncode(since);
  if (timelineFilter) target += "&filter=" + timelineOnlyFilter();
  // The node may hold the request for timeoutMs; allow generous slack for a loaded machine.
  co_return co_await conn.request("GET", std::move(target), "", account.token,
                                  std::chrono::milliseconds(timeoutMs) + std::chrono::seconds(60));
}

}  // namespace plexus::loadgen
