// Stateless single-stage user-interactive auth; see uia.h.
#include "clientapi/impl/uia.h"

#include <random>

#include "accountsync/api/accountsync_api.h"
#include "plexus/crypto/base64.h"

namespace plexus::clientapi {

std::string randomToken(std::size_t bytes) {
  std::random_device device;  // the OS generator (getrandom / /dev/urandom)
  std::string raw(bytes, '\0');
  for (char& c : raw) c = static_cast<char>(device() & 0xff);
  return crypto::encodeBase64(raw, crypto::Base64Alphabet::kUrlSafe);
}

http::Response uiaChallenge(const std::vector<UiaFlow>& flows, std::string_view session,
                            const Error* failure) {
  json::Array flowList;
  for (const UiaFlow& flow : flows) {
    flowList.push_back(json::Object{{"stages", json::Array{json::Value(flow.stage)}}});
  }
  json::Object body{{"flows", std::move(flowList)},
                    {"params", json::Object{}},
                    {"session", json::Value(session)},
                    {"completed", json::Array{}}};
  if (failure) {
    body.set("errcode", json::Value(failure->errcode()));
    body.set("error", json::Value(failure->message));
  }
  return http::Response::json(body, 401);
}

std::optional<http::Response> runUia(const json::Object& body, const std::vector<UiaFlow>& flows) {
  const json::Value* authValue = body.find("auth");
  if (!authValue || authValue->isNull()) return uiaChallenge(flows, randomToken());
  const json::Object* auth = authValue->getObject();
  if (!auth) return errorResponse(makeError(ErrorCode::kBadJson, "'auth' must be an object"));
  std::string session;
  if (auto s = auth->find("session"); s && s->isString()) session = *s->getString();
  if (session.empty()) session = randomToken();
  const json::Value* typeValue = auth->find("type");
  if (!typeValue || !typeValue->isString()) {
    // SPEC: an auth dict with only a session asks for the current state of the session.
    return uiaChallenge(flows, session);
  }
  for (const UiaFlow& flow : flows) {
    if (flow.stage != *typeValue->getString()) continue;
    Status passed = flow.check(*auth);
    if (passed.ok()) return std::nullopt;
    return uiaChallenge(flows, session, &passed.error());
  }
  Error unknown = makeError(ErrorCode::kBadJson, "Unknown auth stage type");
  return uiaChallenge(flows, session, &unknown);
}

namespace {

// The user an m.login.password stage names: identifier.user (m.id.user) or the legacy `user`.
Result<std::string> stageUser(const json::Object& auth) {
  if (const json::Value* identifier = auth.find("identifier"); identifier && !identifier->isNull()) {
    const json::Object* id = identifier->getObject();
    if (!id) return fail(ErrorCode::kBadJson, "'identifier' must be an object");
    auto type = id->find("type");
    if (!type || !type->isString() || *type->getString() != "m.id.user") {
      return fail(ErrorCode::kForbidden, "Only m.id.user identifiers are supported");
    }
    auto user = id->find("user");
    if (!user || !user->isString()) return fail(ErrorCode::kMissingParam, "Missing identifier.user");
    return *user->getString();
  }
  auto user = auth.find("user");
  if (!user || !user->isString()) return fail(ErrorCode::kMissingParam, "Missing identifier");
  return *user->getString();
}

}  // namespace

UiaFlow passwordStage(const ClientApiDeps& deps, const http::Request& request,
                      const Requester& requester) {
  return UiaFlow{"m.login.password", [&deps, &request, requester](const json::Object& auth) -> Status {
    PLEXUS_TRY(std::string user, stageUser(auth));
    std::string fullId = user;
    if (user.empty() || user.front() != '@') fullId = "@" + user + ":" + deps.config.serverName;
    if (fullId != requester.userId) {
      return fail(ErrorCode::kForbidden, "The identifier must be the authenticated user");
    }
    auto password = auth.find("password");
    if (!password || !password->isString()) return fail(ErrorCode::kMissingParam, "Missing password");
    if (!deps.accounts) return fail(ErrorCode::kUnavailable, "Account service unavailable");
    PLEXUS_TRY(bool matches, deps.accounts->queryPasswordMatches(callContext(request), requester.userId,
                                                                 *password->getString()));
    if (!matches) return fail(ErrorCode::kForbidden, "Invalid password");
    return {};
  }};
}

}  // namespace plexus::clientapi
