// Authentication, validation helpers and the route wrappers declared in route_context.h.
#include "clientapi/impl/route_context.h"

#include <chrono>
#include <exception>
#include <memory>
#include <utility>

#include "accountsync/api/accountsync_api.h"
#include "accountsync/api/token_cache.h"
#include "clientapi/impl/device_touch_throttle.h"
#include "clientapi/impl/rate_limiter.h"
#include "plexus/json/parse.h"

namespace plexus::clientapi {

std::int64_t ClientApiDeps::nowMs() const {
  if (clock) return clock();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- Authentication ---------------------------------------------------------------------------

std::optional<std::string> accessTokenOf(const http::Request& request) {
  if (auto header = request.headers.get("Authorization")) {
    std::string_view value = *header;
    constexpr std::string_view kBearer = "Bearer ";
    if (value.size() > kBearer.size() && http::equalsIgnoreCase(value.substr(0, kBearer.size()), kBearer)) {
      std::string_view token = value.substr(kBearer.size());
      while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
      while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
      return std::string(token);
    }
    // A malformed Authorization header: treat as an unknown token below, not a missing one.
    return std::string();
  }
  if (auto query = request.query.get("access_token")) return std::string(*query);
  return std::nullopt;
}

Result<Requester> authenticate(const ClientApiDeps& deps, const http::Request& request,
                               bool allowLocked) {
  std::optional<std::string> token = accessTokenOf(request);
  if (!token) return fail(ErrorCode::kMissingToken, "Missing access token");
  if (token->empty()) return fail(ErrorCode::kUnknownToken, "Unrecognised access token");
  if (!deps.accounts) return fail(ErrorCode::kUnavailable, "Account service unavailable");
  std::optional<accountsync::AccessTokenInfo> cached;
  if (deps.tokenCache) cached = deps.tokenCache->get(*token, deps.nowMs());
  Result<accountsync::AccessTokenInfo> info = fail(ErrorCode::kUnknownToken, "not looked up");
  if (cached) {
    info = std::move(*cached);
  } else {
    const std::uint64_t epoch = deps.tokenCache ? deps.tokenCache->begin() : 0;
    info = deps.accounts->queryAccessToken(callContext(request), *token);
    if (info.ok() && deps.tokenCache) deps.tokenCache->put(*token, *info, epoch);
  }
  if (!info.ok()) {
    Error error = std::move(info).takeError();
    if (error.code == ErrorCode::kNotFound) error.code = ErrorCode::kUnknownToken;
    return error;
  }
  if (info->isLocked && !allowLocked) {
    return fail(ErrorCode::kUserLocked, "This account has been locked");
  }
  Requester requester;
  requester.userId = std::move(info->userId);
  requester.deviceId = std::move(info->deviceId);
  requester.accessToken = std::move(*token);
  requester.isGuest = info->isGuest;
  requester.isAdmin = info->isAdmin;
  requester.isSuspended = info->isSuspended;
  return requester;
}

CallContext callContext(const http::Request& request) {
  (void)request;
  return CallContext::withTimeout(std::chrono::seconds(30), "client-api");
}

// ---- Body and parameter validation ------------------------------------------------------------

Result<json::Object> parseJsonObjectBody(const http::Request& request, bool allowFloats) {
  auto parsed = json::parse(request.body, json::ParseOptions{!allowFloats, 64});
  if (!parsed.ok()) {
    // Valid JSON whose numbers are not canonical integers is JSON of the wrong shape.
    if (!allowFloats && json::parse(request.body, json::ParseOptions{false, 64}).ok()) {
      return fail(ErrorCode::kBadJson, "Numbers must be integers in [-(2^53)+1, 2^53-1]");
    }
    return fail(ErrorCode::kNotJson, "Content not JSON: " + parsed.error().message);
  }
  json::Object* object = parsed->getObject();
  if (!object) return fail(ErrorCode::kBadJson, "Content must be a JSON object");
  return std::move(*object);
}

Result<json::Object> parseOptionalJsonObjectBody(const http::Request& request, bool allowFloats) {
  bool blank = true;
  for (char c : request.body) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
      blank = false;
      break;
    }
  }
  if (blank) return json::Object{};
  return parseJsonObjectBody(request, allowFloats);
}

namespace {

Unexpected missing(std::string_view key) {
  return fail(ErrorCode::kMissingParam, "Missing parameter: " + std::string(key));
}
Unexpected wrongType(std::string_view key, std::string_view type) {
  return fail(ErrorCode::kBadJson, "Parameter '" + std::string(key) + "' must be " + std::string(type));
}

const json::Value* present(const json::Object& body, std::string_view key) {
  const json::Value* v = body.find(key);
  return v && !v->isNull() ? v : nullptr;
}

}  // namespace

Result<std::string> requireString(const json::Object& body, std::string_view key) {
  const json::Value* v = present(body, key);
  if (!v) return missing(key);
  if (!v->isString()) return wrongType(key, "a string");
  return *v->getString();
}

Result<std::optional<std::string>> optionalString(const json::Object& body, std::string_view key) {
  const json::Value* v = present(body, key);
  if (!v) return std::optional<std::string>();
  if (!v->isString()) return wrongType(key, "a string");
  return std::optional<std::string>(*v->getString());
}

Result<std::optional<bool>> optionalBool(const json::Object& body, std::string_view key) {
  const json::Value* v = present(body, key);
  if (!v) return std::optional<bool>();
  if (!v->isBool()) return wrongType(key, "a boolean");
  return v->getBool();
}

Result<std::optional<std::int64_t>> optionalInt(const json::Object& body, std::string_view key) {
  const json::Value* v = present(body, key);
  if (!v) return std::optional<std::int64_t>();
  if (!v->isInt()) return wrongType(key, "an integer");
  return v->getInt();
}

Result<const json::Object*> requireObject(const json::Object& body, std::string_view key) {
  const json::Value* v = present(body, key);
  if (!v) return missing(key);
  if (!v->isObject()) return wrongType(key, "an object");
  return v->getObject();
}

Result<const json::Object*> optionalObject(const json::Object& body, std::string_view key) {
  const json::Value* v = present(body, key);
  if (!v) return static_cast<const json::Object*>(nullptr);
  if (!v->isObject()) return wrongType(key, "an object");
  return v->getObject();
}

Result<const json::Array*> optionalArray(const json::Object& body, std::string_view key) {
  const json::Value* v = present(body, key);
  if (!v) return static_cast<const json::Array*>(nullptr);
  if (!v->isArray()) return wrongType(key, "an array");
  return v->getArray();
}

Result<std::vector<std::string>> requireStringArray(const json::Object& body, std::string_view key) {
  const json::Value* v = present(body, key);
  if (!v) return missing(key);
  if (!v->isArray()) return wrongType(key, "an array of strings");
  std::vector<std::string> out;
  for (const json::Value& item : *v->getArray()) {
    if (!item.isString()) return wrongType(key, "an array of strings");
    out.push_back(*item.getString());
  }
  return out;
}

Result<std::optional<std::int64_t>> queryInt(const http::Request& request, std::string_view key) {
  auto raw = request.query.get(key);
  if (!raw) return std::optional<std::int64_t>();
  std::string_view s = *raw;
  bool negative = !s.empty() && s.front() == '-';
  if (negative) s.remove_prefix(1);
  if (s.empty() || s.size() > 16) {
    return fail(ErrorCode::kInvalidParam, "Query parameter '" + std::string(key) + "' must be an integer");
  }
  std::int64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return fail(ErrorCode::kInvalidParam, "Query parameter '" + std::string(key) + "' must be an integer");
    }
    value = value * 10 + (c - '0');
  }
  return std::optional<std::int64_t>(negative ? -value : value);
}

Result<std::optional<bool>> queryBool(const http::Request& request, std::string_view key) {
  auto raw = request.query.get(key);
  if (!raw) return std::optional<bool>();
  if (*raw == "true") return std::optional<bool>(true);
  if (*raw == "false") return std::optional<bool>(false);
  return fail(ErrorCode::kInvalidParam, "Query parameter '" + std::string(key) + "' must be true or false");
}

bool isValidUserId(std::string_view userId) {
  if (userId.size() < 4 || userId.size() > 255 || userId.front() != '@') return false;
  std::size_t colon = userId.find(':');
  return colon != std::string_view::npos && colon > 1 && colon + 1 < userId.size();
}

bool isValidRoomId(std::string_view roomId) {
  if (roomId.size() < 2 || roomId.size() > 255 || roomId.front() != '!') return false;
  std::size_t colon = roomId.find(':');
  return colon == std::string_view::npos || (colon > 1 && colon + 1 < roomId.size());
}

bool isLocalUser(const ClientApiDeps& deps, std::string_view userId) {
  std::size_t colon = userId.find(':');
  return isValidUserId(userId) && userId.substr(colon + 1) == deps.config.serverName;
}

std::string serverOfUserId(std::string_view id) {
  std::size_t colon = id.find(':');
  return colon == std::string_view::npos ? std::string() : std::string(id.substr(colon + 1));
}

Status requireSelf(const Requester& requester, std::string_view userId) {
  if (requester.userId != userId) {
    return fail(ErrorCode::kForbidden, "Cannot access another user's data");
  }
  return {};
}

// ---- Responses --------------------------------------------------------------------------------

http::Response jsonOk(json::Object body) { return http::Response::json(body); }
http::Response jsonOk(json::Value body) { return http::Response::json(body); }

http::Response errorResponse(const Error& error) {
  if (accountsync::isSoftLogout(error)) {
    // SPEC: client-server-api "Soft logout" — an expired token is M_UNKNOWN_TOKEN with
    // soft_logout: true so the client refreshes or logs in again keeping its device.
    json::Object body{{"errcode", json::Value("M_UNKNOWN_TOKEN")},
                      {"error", json::Value(error.message.substr(accountsync::kSoftLogoutMarker.size()))},
                      {"soft_logout", json::Value(true)}};
    return http::Response::json(body, 401);
  }
  if (error.code == ErrorCode::kUserLocked) {
    // SPEC: client-server-api "Account locking" — soft_logout: true, so the client keeps its
    // session (and encryption state) for when the lock is lifted.
    json::Object body{{"errcode", json::Value("M_USER_LOCKED")},
                      {"error", json::Value(error.message)},
                      {"soft_logout", json::Value(true)}};
    return http::Response::json(body, 401);
  }
  return http::Response::matrixError(error);
}

Error suspendedError() {
  return makeError(ErrorCode::kUserSuspended, "You cannot perform this action while suspended");
}

http::Response toResponse(Result<json::Object> result) {
  if (!result.ok()) return errorResponse(result.error());
  return jsonOk(std::move(result).value());
}

// ---- Route registration -----------------------------------------------------------------------

namespace {

http::Response internalError() {
  return http::Response::matrixError(makeError(ErrorCode::kUnknown, "Internal server error"));
}

// Runs `work` on the executor (or inline); an exception answers 500 if nothing was sent yet.
void runGuarded(ClientApiDeps& deps, const http::Responder& responder, std::function<void()> work) {
  auto guarded = [responder, work = std::move(work)]() {
    try {
      work();
    } catch (...) {
      responder.send(internalError());
    }
  };
  if (deps.executor) {
    deps.executor(std::move(guarded));
  } else {
    guarded();
  }
}

Status checkRate(ClientApiDeps& deps, const RouteOptions& options, const std::string& key) {
  if (!options.rateLimited || !deps.rateLimiter) return {};
  return deps.rateLimiter->check(key);
}

// True for well-formed UTF-8 (RFC 3629: shortest forms only, no surrogates, at most U+10FFFF).
bool isUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len =
        c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    std::uint32_t cp = len == 1 ? c : c & (0x7Fu >> len);
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

// Path segments and query values reach stored JSON (tags, account data types, state keys,
// transaction IDs...), which must stay UTF-8 like every Matrix string: refuse them up front.
std::optional<Error> nonUtf8Input(const http::Request& request) {
  for (const auto& [name, value] : request.pathParams) {
    if (!isUtf8(value)) {
      return makeError(ErrorCode::kInvalidParam, "Path segment " + name + " is not UTF-8");
    }
  }
  for (const auto& [key, value] : request.query.params()) {
    if (!isUtf8(key) || !isUtf8(value)) {
      return makeError(ErrorCode::kInvalidParam, "Query parameter is not UTF-8");
    }
  }
  return std::nullopt;
}

std::string ipKey(const http::Request& request) {
  return "ip:" + (request.remoteAddress.empty() ? std::string("unknown") : request.remoteAddress);
}

// Authenticates, applies guest and rate rules, records device activity; then `next`.
void authedPipeline(ClientApiDeps& deps, const RouteOptions& options,
                    std::shared_ptr<http::Request> request, http::Responder responder,
                    std::function<void(const http::Request&, const Requester&, http::Responder)> next) {
  runGuarded(deps, responder, [&deps, options, request, responder, next = std::move(next)]() {
    if (auto bad = nonUtf8Input(*request)) {
      responder.send(errorResponse(*bad));
      return;
    }
    auto requester = authenticate(deps, *request, options.allowLocked);
    if (!requester.ok()) {
      responder.send(errorResponse(requester.error()));
      return;
    }
    if (requester->isGuest && !options.allowGuests) {
      responder.send(errorResponse(makeError(ErrorCode::kGuestAccessForbidden, "Guest access not allowed")));
      return;
    }
    if (requester->isSuspended && options.refusedWhileSuspended) {
      responder.send(errorResponse(suspendedError()));
      return;
    }
    if (Status rate = checkRate(deps, options, "user:" + requester->userId); !rate.ok()) {
      responder.send(errorResponse(rate.error()));
      return;
    }
    if (deps.accounts && !requester->deviceId.empty()) {
      const std::int64_t nowMs = deps.nowMs();
      if (!deps.touchThrottle ||
          deps.touchThrottle->shouldForward(requester->userId, requester->deviceId,
                                            request->remoteAddress, nowMs)) {
        (void)deps.accounts->performTouchDevice(callContext(*request), requester->userId,
                                                requester->deviceId, request->remoteAddress, nowMs);
      }
    }
    next(*request, *requester, responder);
  });
}

}  // namespace

void addAuthedRoute(http::Router& router, ClientApiDeps& deps, std::string_view method,
                    std::string_view pattern, AuthedRoute handler, RouteOptions options) {
  http::Handler route = [&deps, options, handler = std::move(handler)](http::Request request, http::Responder responder) {
    auto shared = std::make_shared<http::Request>(std::move(request));
    authedPipeline(deps, options, shared, responder,
                   [handler](const http::Request& r, const Requester& who, http::Responder out) {
                     out.send(handler(r, who));
                   });
  };
  if (options.maxBodyBytes > 0) {
    router.add(method, pattern, std::move(route), options.maxBodyBytes);
  } else {
    router.add(method, pattern, std::move(route));
  }
}

void addAsyncAuthedRoute(http::Router& router, ClientApiDeps& deps, std::string_view method,
                         std::string_view pattern, AsyncAuthedRoute handler, RouteOptions options) {
  router.add(method, pattern, [&deps, options, handler = std::move(handler)](http::Request request, http::Responder responder) {
    auto shared = std::make_shared<http::Request>(std::move(request));
    authedPipeline(deps, options, shared, responder, handler);
  });
}

void addOpenRoute(http::Router& router, ClientApiDeps& deps, std::string_view method,
                  std::string_view pattern, OpenRoute handler, RouteOptions options) {
  router.add(method, pattern, [&deps, options, handler = std::move(handler)](http::Request request, http::Responder responder) {
    auto shared = std::make_shared<http::Request>(std::move(request));
    runGuarded(deps, responder, [&deps, options, shared, responder, handler]() {
      if (auto bad = nonUtf8Input(*shared)) {
        responder.send(errorResponse(*bad));
        return;
      }
      if (Status rate = checkRate(deps, options, ipKey(*shared)); !rate.ok()) {
        responder.send(errorResponse(rate.error()));
        return;
      }
      responder.send(handler(*shared));
    });
  });
}

}  // namespace plexus::clientapi
