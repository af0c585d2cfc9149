// The node the client-API fuzzer drives: a real plexus node (every service, SQLite files in a
// temporary data dir) whose client routes are registered on a Router of our own, so a parsed
// request is dispatched straight into the handlers on the calling thread (no socket, no worker
// pool, no rate limit). Also keeps a logged-in "session" (a user with an access token, a room
// it created, an event in it, a second user) that fuzz inputs refer to through placeholders,
// and repairs it when an input logged the user out (logs in again), left the room (creates
// another) or deactivated the account (registers another user).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "plexus/http/request.h"
#include "plexus/http/response.h"
#include "plexus/http/router.h"

namespace plexus::clientapi {
struct ClientApiDeps;
}
namespace plexus::node {
class Node;
}

namespace plexus::node::fuzz {

// What inputs can name: "$TOKEN", "$USER", "$DEVICE", "$ROOM", "$EVENT", "$OTHER", "$ALIAS".
struct FuzzSession {
  std::string accessToken;
  std::string userId;
  std::string deviceId;
  std::string roomId;
  std::string eventId;      // an m.room.message in roomId
  std::string otherUserId;  // a second registered user, invited to roomId
  std::string roomAlias;    // "#...:localhost", pointing at roomId
};

class FuzzNode {
 public:
  // Starts the node in a fresh directory under the system temp dir and opens a session.
  // Aborts (with a message) when that fails: the harness is useless without it.
  static FuzzNode& instance();

  // Routes one request as the server's connection would (OPTIONS is the preflight and never
  // reaches the router). nullopt when no answer came within the deadline (a hang). Long-polls
  // are made short first: a `timeout` query parameter over 20 ms is lowered to 20.
  std::optional<http::Response> dispatch(http::Request request);

  // Replaces $TOKEN, $USER, ... in `text` by the current session's values.
  std::string substitute(std::string_view text) const;
  const FuzzSession& session() const { return session_; }
  std::size_t maxBodyBytes() const;

  // Called after each request with its answer: renews the session when the request may have
  // taken the token or the room away from the session user (logout, deactivation, leaving...).
  void afterRequest(const http::Request& request, const http::Response& response);
  // Called after each input. Every 200 inputs the session moves to a new user: the
  // cost of /sync grows with the rooms and devices a user gathers, and with it the time per input.
  void inputDone();

 private:
  FuzzNode();
  void start();
  // A new user (registered), then openRoom().
  void openSession();
  // A new token for the session user; false when it cannot log in (deactivated, locked).
  bool logIn();
  // A new room created by the session user (with an alias, `otherUserId` invited, one message);
  // false when the user may not create one.
  bool openRoom();
  // A request built and dispatched by the harness itself; aborts unless it succeeds.
  std::string requireOk(std::string_view method, const std::string& target, const std::string& body,
                        const std::string& token);

  std::filesystem::path dataDir_;
  std::unique_ptr<Node> node_;
  std::unique_ptr<clientapi::ClientApiDeps> deps_;
  http::Router router_;
  FuzzSession session_;
  std::uint64_t users_ = 0;
  std::uint64_t inputsOfUser_ = 0;
  std::uint64_t rooms_ = 0;
};

}  // namespace plexus::node::fuzz
