// What every Client-Server route shares: the services behind the HTTP front (ClientApiDeps),
// who is calling (Requester), request parsing and validation helpers that turn bad input into
// the spec's errors, and the add*Route wrappers that run a handler off the io threads after
// authentication and rate limiting, catching every exception.
//
// Conventions for route files (routes_*.cc):
// - Register with addAuthedRoute / addOpenRoute / addAsyncAuthedRoute, writing the method and
//   the pattern as string literals in the call ("GET", "/_matrix/client/{version}/...") so that
//   scripts/client-api-coverage.py finds them. `{version}` matches "r0" and "v3"; endpoints the
//   spec puts under v1 use the literal "/_matrix/client/v1/...".
// - Validate the whole request before calling a perform* method: a failing request changes
//   nothing.
// - Answer with jsonOk(...) or errorResponse(error); service errors pass through unchanged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/call_context.h"
#include "plexus/core/result.h"
#include "plexus/http/request.h"
#include "plexus/http/responder.h"
#include "plexus/http/response.h"
#include "plexus/http/router.h"
#include "plexus/json/value.h"

namespace plexus::events {
struct ServerIdentity;
}
namespace plexus::roomserver {
class RoomserverApi;
}
namespace plexus::accountsync {
class AccountSyncApi;
class TokenCache;
}
namespace plexus::keyserver {
class KeyserverApi;
}
namespace plexus::syncapi {
class SyncApi;
}
namespace plexus::media {
class MediaApi;
}
namespace plexus::clientapi {
class OverlayDirectory;     // clientapi/impl/overlay_directory.h
class DeviceTouchThrottle;  // clientapi/impl/device_touch_throttle.h
}

namespace plexus::federationsender {
class FederationSenderApi;
}

namespace plexus::clientapi {

class RateLimiter;

struct RateLimitConfig {
  bool enabled = true;
  double requestsPerSecond = 10.0;  // sustained rate per user (per IP before login)
  double burst = 50.0;              // bucket size: requests allowed at once
};

struct TurnConfig {
  std::vector<std::string> uris;  // empty: GET /voip/turnServer answers {}
  std::string username;
  std::string password;
  std::int64_t ttlSeconds = 86400;
};

struct ClientApiConfig {
  std::string serverName;     // the part after ':' in local user IDs
  std::string wellKnownServer;  // m.server of /.well-known/matrix/server; empty: 404
  std::string publicBaseUrl;  // base_url of /.well-known/matrix/client; empty: no well-known
  bool registrationEnabled = true;
  bool guestAccessEnabled = false;
  std::size_t maxBodyBytes = 1024 * 1024;  // bigger bodies get 413 M_TOO_LARGE
  RateLimitConfig rateLimit;
  TurnConfig turn;
  std::int64_t openIdTokenLifetimeMs = 3'600'000;
  int workerThreads = 4;  // threads that run handlers (service calls block on the database)
};

// The services and settings the routes use. Owned by the composition root (or a test); must
// outlive the router. The four core service pointers must be set; media is optional (no media
// routes without it).
struct ClientApiDeps {
  roomserver::RoomserverApi* roomserver = nullptr;
  accountsync::AccountSyncApi* accounts = nullptr;
  keyserver::KeyserverApi* keys = nullptr;
  syncapi::SyncApi* sync = nullptr;
  media::MediaApi* media = nullptr;  // optional: the media routes are added only when set
  // optional: profiles, aliases and room directories of other servers (404 without it)
  federationsender::FederationSenderApi* federation = nullptr;
  // optional: recent answers of accounts->queryAccessToken (the cluster, where account-sync is a
  // gRPC hop away; invalidated from the bus by the composition root, token_cache.h)
  accountsync::TokenCache* tokenCache = nullptr;
  // optional: forwards each device's "seen" touch at most once a minute or so (the cluster,
  // where every touch is a gRPC call; device_touch_throttle.h)
  DeviceTouchThrottle* touchThrottle = nullptr;
  const events::ServerIdentity* identity = nullptr;
  // optional: rooms and users other nodes announced over the overlay (a p2p node); merged into
  // the first page of /publicRooms and into /user_directory/search
  const OverlayDirectory* overlayDirectory = nullptr;
  ClientApiConfig config;
  // ms since the epoch; the real clock when empty.
  std::function<std::int64_t()> clock;
  // Runs handler work off the io threads; inline when empty. Set by ClientApiServer.
  std::function<void(std::function<void()>)> executor;
  // Set by ClientApiServer when rate limiting is enabled.
  RateLimiter* rateLimiter = nullptr;

  std::int64_t nowMs() const;
};

// The authenticated caller of a request.
struct Requester {
  std::string userId;
  std::string deviceId;
  std::string accessToken;
  bool isGuest = false;
  bool isAdmin = false;
  // An admin suspended the account: routes marked refusedWhileSuspended answer 403
  // M_USER_SUSPENDED (SPEC: client-server "Account suspension").
  bool isSuspended = false;
};

// ---- Authentication --------------------------------------------------------------------------

// The access token from "Authorization: Bearer <token>" or the `access_token` query parameter
// (SPEC: client-server-api "Using access tokens"); nullopt when neither is present.
std::optional<std::string> accessTokenOf(const http::Request& request);

// Resolves the request's token. Errors: kMissingToken (401 M_MISSING_TOKEN), kUnknownToken
// (401 M_UNKNOWN_TOKEN; errorResponse adds "soft_logout": true for expired tokens), kUserLocked
// (401 M_USER_LOCKED with "soft_logout": true) for a locked account unless `allowLocked` (only
// the logout routes: SPEC client-server "Account locking").
Result<Requester> authenticate(const ClientApiDeps& deps, const http::Request& request,
                               bool allowLocked = false);

// A CallContext for service calls made on behalf of `request` (30 s deadline).
CallContext callContext(const http::Request& request);

// ---- Body and parameter validation ------------------------------------------------------------

// The body as a JSON object. Strict parsing (duplicate keys, invalid UTF-8 and non-integer
// numbers are rejected). Errors: kNotJson (not JSON; an empty body too), kBadJson (JSON but not
// an object, or numbers outside the canonical integer range). `allowFloats` accepts numbers
// with fractions (bodies that are never signed: tag order, account data).
Result<json::Object> parseJsonObjectBody(const http::Request& request, bool allowFloats = false);
// Like parseJsonObjectBody, but an empty body is an empty object (endpoints whose body is
// optional, e.g. POST /logout, POST /join).
Result<json::Object> parseOptionalJsonObjectBody(const http::Request& request,
                                                 bool allowFloats = false);

// Typed field getters: kMissingParam (M_MISSING_PARAM) when a required field is absent,
// kBadJson (M_BAD_JSON) when a field has the wrong type. A JSON null counts as absent for the
// optional getters.
Result<std::string> requireString(const json::Object& body, std::string_view key);
Result<std::optional<std::string>> optionalString(const json::Object& body, std::string_view key);
Result<std::optional<bool>> optionalBool(const json::Object& body, std::string_view key);
Result<std::optional<std::int64_t>> optionalInt(const json::Object& body, std::string_view key);
Result<const json::Object*> requireObject(const json::Object& body, std::string_view key);
// nullptr when absent.
Result<const json::Object*> optionalObject(const json::Object& body, std::string_view key);
Result<const json::Array*> optionalArray(const json::Object& body, std::string_view key);
Result<std::vector<std::string>> requireStringArray(const json::Object& body, std::string_view key);

// Query parameters. Errors: kInvalidParam (M_INVALID_PARAM) for malformed values.
Result<std::optional<std::int64_t>> queryInt(const http::Request& request, std::string_view key);
// "true" / "false" (SPEC: booleans in query strings are the literal words).
Result<std::optional<bool>> queryBool(const http::Request& request, std::string_view key);

// True for a syntactically valid user ID ("@localpart:server", at most 255 bytes).
bool isValidUserId(std::string_view userId);
// True for a syntactically valid room ID ("!opaque:server" or, in room version 12, "!opaque").
bool isValidRoomId(std::string_view roomId);
// True when `userId` belongs to this server.
bool isLocalUser(const ClientApiDeps& deps, std::string_view userId);
// The server part of a user ID, room alias or room ID (after the first ':'); empty without one.
std::string serverOfUserId(std::string_view id);
// kForbidden unless the path's userId is the requester (account data, filters, tags...).
Status requireSelf(const Requester& requester, std::string_view userId);

// ---- Responses --------------------------------------------------------------------------------

http::Response jsonOk(json::Object body);
http::Response jsonOk(json::Value body);
// {"errcode","error"[,"retry_after_ms"][,"soft_logout"]} with the status from the error table
// ("soft_logout": true for expired tokens and locked accounts).
http::Response errorResponse(const Error& error);
// 403 M_USER_SUSPENDED, for handlers whose refusal depends on the request (e.g. redacting
// another user's event).
Error suspendedError();
// jsonOk for a value, errorResponse for an error.
http::Response toResponse(Result<json::Object> result);

// ---- Route registration -----------------------------------------------------------------------

struct RouteOptions {
  // Guests may call it (SPEC: client-server-api "Guest access" lists the endpoints); guests
  // get 403 M_GUEST_ACCESS_FORBIDDEN elsewhere.
  bool allowGuests = false;
  // Counts against the caller's rate limit (429 M_LIMIT_EXCEEDED); off for /sync and friends
  // (SPEC: rate limiting is per endpoint; sync loops must not be limited).
  bool rateLimited = true;
  // A locked account may call it (POST /logout and /logout/all only).
  bool allowLocked = false;
  // A suspended account gets 403 M_USER_SUSPENDED (joins, invites, sends, profile changes...).
  bool refusedWhileSuspended = false;
  // Set: request bodies up to this size instead of ClientApiConfig::maxBodyBytes (uploads).
  std::size_t maxBodyBytes = 0;
};

using AuthedRoute = std::function<http::Response(const http::Request&, const Requester&)>;
using OpenRoute = std::function<http::Response(const http::Request&)>;
// Answers through the Responder now or later (long polls). Runs on the worker executor.
using AsyncAuthedRoute = std::function<void(const http::Request&, const Requester&, http::Responder)>;

// Authenticated route: 401 without a valid token, then the rate limit, then `handler` on the
// worker executor. Exceptions become 500 M_UNKNOWN.
void addAuthedRoute(http::Router& router, ClientApiDeps& deps, std::string_view method,
                    std::string_view pattern, AuthedRoute handler, RouteOptions options = {});
// Route without authentication (rate limited per IP unless options say otherwise).
void addOpenRoute(http::Router& router, ClientApiDeps& deps, std::string_view method,
                  std::string_view pattern, OpenRoute handler, RouteOptions options = {});
void addAsyncAuthedRoute(http::Router& router, ClientApiDeps& deps, std::string_view method,
                         std::string_view pattern, AsyncAuthedRoute handler,
                         RouteOptions options = {});

}  // namespace plexus::clientapi
