// FuzzNode: starts the node once per process, dispatches requests into its client routes and
// keeps the session inputs refer to.
#include "fuzz/fuzz_node.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <mutex>
#include <string_view>
#include <utility>

#include "clientapi/impl/client_api_server.h"
#include "plexus/config/config.h"
#include "plexus/crypto/ed25519.h"
#include "plexus/events/server_identity.h"
#include "plexus/http/responder.h"
#include "plexus/json/parse.h"
#include "plexus/log/log.h"
#include "root/node.h"

namespace plexus::node::fuzz {
namespace {

// Far beyond any handler's work on an idle node, even under ASan: no answer by then is a hang
// (and below the -timeout=10 of scripts/test-all.sh, so the request gets printed).
constexpr std::chrono::seconds kAnswerDeadline{5};
// Long-polls wait at most this long, so a /sync with a timeout costs one short sleep.
constexpr std::int64_t kMaxTimeoutMs = 20;
const std::string kPrefix = "/_matrix/client/v3";
constexpr std::uint64_t kInputsPerUser = 200;

enum class SessionLoss { kNothing, kToken, kRoom, kAccount };

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "client_api_fuzzer setup: %s\n", what.c_str());
  std::abort();
}

void replaceAll(std::string& s, std::string_view from, std::string_view to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

// Lowers `timeout` query parameters over kMaxTimeoutMs; anything else (garbage, negative) is
// left for the route to reject. GET /events, the one long-poll that waits by default (30 s),
// gets an explicit short timeout.
void shortenLongPolls(http::Request& request) {
  const auto& segments = request.pathSegments;
  if (!request.query.contains("timeout") && segments.size() == 4 && segments[3] == "events") {
    request.query.add("timeout", std::to_string(kMaxTimeoutMs));
  }
  if (!request.query.contains("timeout")) return;
  http::QueryParams shortened;
  for (const auto& [key, value] : request.query.params()) {
    std::string v = value;
    if (key == "timeout" && !v.empty() && v.size() < 19 &&
        v.find_first_not_of("0123456789") == std::string::npos && std::stoll(v) > kMaxTimeoutMs) {
      v = std::to_string(kMaxTimeoutMs);
    }
    shortened.add(key, std::move(v));
  }
  request.query = std::move(shortened);
}

std::string decodedPath(const http::Request& request) {
  std::string path;
  for (const std::string& segment : request.pathSegments) path.append("/").append(segment);
  return path;
}

bool containsAny(const std::string& path, std::initializer_list<std::string_view> words) {
  for (std::string_view word : words) {
    if (path.find(word) != std::string::npos) return true;
  }
  return false;
}

// What a successful request may have taken from the session user.
SessionLoss lossAfter(const http::Request& request) {
  const std::string path = decodedPath(request);
  if (containsAny(path, {"/account/deactivate", "/admin/lock", "/account/password"})) {
    return SessionLoss::kAccount;
  }
  if (containsAny(path, {"/logout", "/delete_devices", "/refresh"}) ||
      (request.method == "DELETE" && path.find("/devices/") != std::string::npos)) {
    return SessionLoss::kToken;
  }
  // Its membership or power in the room, the room itself (upgrade) or the room's alias.
  if (containsAny(path,
                  {"/leave", "/forget", "/kick", "/ban", "/upgrade", "/directory/room/",
                   "/state/m.room.power_levels", "/state/m.room.member", "/state/m.room.join_rules",
                   "/state/m.room.create", "/state/m.room.tombstone"})) {
    return SessionLoss::kRoom;
  }
  return SessionLoss::kNothing;
}

constexpr std::string_view kDataDirPrefix = "plexus_client_api_fuzz.";

// A run that found a crash exits without cleaning up: its data dir (named after its pid) is
// removed by the next run once that process is gone.
void removeStaleDataDirs() {
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::temp_directory_path(), ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(kDataDirPrefix, 0) != 0) continue;
    std::string pid = name.substr(kDataDirPrefix.size());
    if (pid.empty() || pid.size() > 9 || pid.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    if (::kill(static_cast<pid_t>(std::stol(pid)), 0) == 0 || errno != ESRCH) continue;
    std::filesystem::remove_all(entry.path(), ec);
  }
}

http::Request buildRequest(std::string_view method, const std::string& target,
                           const std::string& body, const std::string& token) {
  http::Request request;
  request.method = std::string(method);
  request.target = target;
  if (!http::parseTarget(request).ok()) die("bad target " + target);
  if (!token.empty()) request.headers.add("Authorization", "Bearer " + token);
  request.headers.add("Content-Type", "application/json");
  request.body = body;
  return request;
}

}  // namespace

FuzzNode& FuzzNode::instance() {
  // Never destroyed by static destruction: an exit handler stops the node first (see start()).
  static FuzzNode* node = [] {
    auto* n = new FuzzNode();
    n->start();
    n->openSession();
    return n;
  }();
  return *node;
}

FuzzNode::FuzzNode() = default;

void FuzzNode::start() {
  removeStaleDataDirs();
  dataDir_ = std::filesystem::temp_directory_path() /
             (std::string(kDataDirPrefix) + std::to_string(::getpid()));
  std::error_code ec;
  std::filesystem::remove_all(dataDir_, ec);
  if (!std::filesystem::create_directory(dataDir_, ec)) die("cannot create " + dataDir_.string());

  config::Config config = config::Config::defaults();
  config.global.serverName = "localhost";
  config.global.dataDir = dataDir_.string();
  config.clientApi.listen = "127.0.0.1:0";
  config.clientApi.registrationEnabled = true;
  config.clientApi.guestAccessEnabled = true;
  config.clientApi.rateLimits.enabled = false;
  config.clientApi.workerThreads = 1;
  config.clientApi.ioThreads = 1;
  config.syncApi.wakeThreads = 1;
  // Handlers log rejected input at info and warn; a fuzz run would drown in it.
  log::setLevel(log::Level::kError);

  events::ServerIdentity identity{"localhost", "ed25519:fuzz", crypto::SigningKey::generate()};
  NodeStartInfo info;
  info.minimalPasswordHashing = true;
  auto started = Node::start(config, std::move(identity), info);
  if (!started.ok()) die("node did not start: " + started.error().message);
  node_ = std::move(started).value();
  if (node_->clientApiDeps() == nullptr) die("this build has no client API");

  // Our own copy of the routes' dependencies: handlers run inline on the fuzzing thread and are
  // never rate limited, so every input gets the same treatment whatever came before it.
  deps_ = std::make_unique<clientapi::ClientApiDeps>(*node_->clientApiDeps());
  deps_->executor = nullptr;
  deps_->rateLimiter = nullptr;
  deps_->config.rateLimit.enabled = false;
  clientapi::registerClientRoutes(router_, *deps_);

  std::atexit([] {
    FuzzNode& self = instance();
    self.node_->stop();
    std::error_code ec;
    std::filesystem::remove_all(self.dataDir_, ec);
  });
}

std::size_t FuzzNode::maxBodyBytes() const { return deps_->config.maxBodyBytes; }

std::optional<http::Response> FuzzNode::dispatch(http::Request request) {
  if (request.method == "OPTIONS") return std::nullopt;  // the server's preflight; never routed
  request.remoteAddress = "127.0.0.1";
  request.remotePort = 40000;
  shortenLongPolls(request);

  struct Pending {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<http::Response> response;
  };
  auto pending = std::make_shared<Pending>();
  http::Responder responder = http::Responder::detached([pending](http::Response response) {
    std::lock_guard lock(pending->mu);
    pending->response = std::move(response);
    pending->cv.notify_all();
  });
  router_.dispatch(std::move(request), responder);
  std::unique_lock lock(pending->mu);
  if (!pending->cv.wait_for(lock, kAnswerDeadline, [&] { return pending->response.has_value(); })) {
    lock.unlock();
    responder.cancel();
    return std::nullopt;
  }
  return std::move(pending->response);
}

std::string FuzzNode::substitute(std::string_view text) const {
  std::string out(text);
  if (out.find('$') == std::string::npos) return out;
  replaceAll(out, "$TOKEN", session_.accessToken);
  replaceAll(out, "$USER", session_.userId);
  replaceAll(out, "$DEVICE", session_.deviceId);
  replaceAll(out, "$ROOM", session_.roomId);
  replaceAll(out, "$EVENT", session_.eventId);
  replaceAll(out, "$OTHER", session_.otherUserId);
  replaceAll(out, "$ALIAS", session_.roomAlias);
  return out;
}

void FuzzNode::afterRequest(const http::Request& request, const http::Response& response) {
  SessionLoss loss = SessionLoss::kNothing;
  if (response.status == 401 && response.body.find("M_UNKNOWN_TOKEN") != std::string::npos) {
    loss = SessionLoss::kToken;
  } else if (response.status == 401 && response.body.find("M_USER_LOCKED") != std::string::npos) {
    loss = SessionLoss::kAccount;
  } else if (response.status >= 200 && response.status < 300) {
    loss = lossAfter(request);
  }
  switch (loss) {
    case SessionLoss::kNothing:
      return;
    case SessionLoss::kToken:
      // A deactivated or locked account cannot log in again: start over with a new user.
      if (logIn()) return;
      [[fallthrough]];
    case SessionLoss::kAccount:
      openSession();
      return;
    case SessionLoss::kRoom:
      // A user that may not create rooms any more (suspended, say) is replaced.
      if (!openRoom()) openSession();
      return;
  }
}

void FuzzNode::inputDone() {
  if (++inputsOfUser_ >= kInputsPerUser) openSession();
}

std::string FuzzNode::requireOk(std::string_view method, const std::string& target,
                                const std::string& body, const std::string& token) {
  auto response = dispatch(buildRequest(method, target, body, token));
  if (!response || response->status != 200) {
    die(std::string(method) + " " + target + " answered " +
        (response ? std::to_string(response->status) + " " + response->body : "nothing"));
  }
  return response->body;
}

namespace {

std::string field(const std::string& body, std::string_view key) {
  auto parsed = json::parse(body);
  auto value = parsed.ok() ? parsed->getStringAt(key) : std::nullopt;
  if (!value) die("no " + std::string(key) + " in " + body);
  return std::string(*value);
}

constexpr std::string_view kPassword = "fuzz-password";

}  // namespace

void FuzzNode::openSession() {
  auto registerUser = [&](const std::string& name) {
    return requireOk("POST", kPrefix + "/register",
                     R"({"username":")" + name + R"(","password":")" + std::string(kPassword) +
                         R"(","auth":{"type":"m.login.dummy"}})",
                     "");
  };
  if (session_.otherUserId.empty()) session_.otherUserId = field(registerUser("other"), "user_id");
  std::string login = registerUser("fuzz" + std::to_string(++users_));
  inputsOfUser_ = 0;
  session_.accessToken = field(login, "access_token");
  session_.userId = field(login, "user_id");
  session_.deviceId = field(login, "device_id");
  if (!openRoom()) die("a new user cannot create a room");
}

bool FuzzNode::logIn() {
  auto response = dispatch(
      buildRequest("POST", kPrefix + "/login",
                   R"({"type":"m.login.password","identifier":{"type":"m.id.user","user":")" +
                       session_.userId + R"("},"password":")" + std::string(kPassword) + R"("})",
                   ""));
  if (!response || response->status != 200) return false;
  session_.accessToken = field(response->body, "access_token");
  session_.deviceId = field(response->body, "device_id");
  return true;
}

bool FuzzNode::openRoom() {
  const std::string n = std::to_string(++rooms_);
  auto room = dispatch(buildRequest("POST", kPrefix + "/createRoom",
                                    R"({"name":"fuzz","room_alias_name":"fuzzroom)" + n +
                                        R"(","invite":[")" + session_.otherUserId + R"("]})",
                                    session_.accessToken));
  if (!room || room->status != 200) return false;
  session_.roomId = field(room->body, "room_id");
  session_.roomAlias = "#fuzzroom" + n + ":localhost";
  auto sent = dispatch(
      buildRequest("PUT", kPrefix + "/rooms/" + session_.roomId + "/send/m.room.message/s" + n,
                   R"({"msgtype":"m.text","body":"hello"})", session_.accessToken));
  if (!sent || sent->status != 200) return false;
  session_.eventId = field(sent->body, "event_id");
  return true;
}

}  // namespace plexus::node::fuzz
