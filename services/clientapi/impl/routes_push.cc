// Push rules (scope "global"), pushers and the notifications list.
#include <algorithm>

#include "accountsync/api/accountsync_api.h"
#include "clientapi/impl/account_routes.h"
#include "syncapi/api/syncapi_api.h"

namespace plexus::clientapi {
namespace {

std::string param(const http::Request& request, std::string_view name) {
  return std::string(request.param(name));
}

http::Response ruleField(ClientApiDeps& deps, const http::Request& request, const Requester& who, std::string_view field) {
  auto rule = deps.accounts->queryPushRule(callContext(request), who.userId, param(request, "kind"), param(request, "ruleId"));
  if (!rule.ok()) return errorResponse(rule.error());
  json::Object out;
  if (const json::Value* v = rule->find(field)) out.set(std::string(field), *v);
  return jsonOk(std::move(out));
}

http::Response putRule(ClientApiDeps& deps, const http::Request& request, const Requester& who) {
  auto body = parseJsonObjectBody(request);
  if (!body.ok()) return errorResponse(body.error());
  std::optional<std::string> before, after;
  if (auto b = request.query.get("before")) before = std::string(*b);
  if (auto a = request.query.get("after")) after = std::string(*a);
  Status put = deps.accounts->performPutPushRule(callContext(request), who.userId, param(request, "kind"),
                                                 param(request, "ruleId"), *body, before, after);
  if (!put.ok()) return errorResponse(put.error());
  return jsonOk(json::Object{});
}

}  // namespace

void registerPushRoutes(http::Router& router, ClientApiDeps& deps) {
  const RouteOptions guests{.allowGuests = true};
  auto allRules = [&deps](const http::Request& request, const Requester& who) {
    return toResponse(deps.accounts->queryPushRules(callContext(request), who.userId));
  };
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/pushrules/", allRules, guests);
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/pushrules", allRules, guests);
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/pushrules/global/",
                 [&deps](const http::Request& request, const Requester& who) {
                   auto rules = deps.accounts->queryPushRules(callContext(request), who.userId);
                   if (!rules.ok()) return errorResponse(rules.error());
                   const json::Value* global = rules->find("global");
                   return jsonOk(global && global->isObject() ? *global->getObject() : json::Object{});
                 },
                 guests);

  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/pushrules/global/{kind}/{ruleId}",
                 [&deps](const http::Request& request, const Requester& who) {
                   return toResponse(deps.accounts->queryPushRule(callContext(request), who.userId,
                                                                  param(request, "kind"), param(request, "ruleId")));
                 });
  addAuthedRoute(router, deps, "PUT", "/_matrix/client/{version}/pushrules/global/{kind}/{ruleId}",
                 [&deps](const http::Request& r, const Requester& who) { return putRule(deps, r, who); });
  addAuthedRoute(router, deps, "DELETE", "/_matrix/client/{version}/pushrules/global/{kind}/{ruleId}",
                 [&deps](const http::Request& request, const Requester& who) {
                   Status deleted = deps.accounts->performDeletePushRule(callContext(request), who.userId,
                                                                         param(request, "kind"), param(request, "ruleId"));
                   if (!deleted.ok()) return errorResponse(deleted.error());
                   return jsonOk(json::Object{});
                 });

  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/pushrules/global/{kind}/{ruleId}/enabled",
                 [&deps](const http::Request& r, const Requester& who) { return ruleField(deps, r, who, "enabled"); });
  addAuthedRoute(router, deps, "PUT", "/_matrix/client/{version}/pushrules/global/{kind}/{ruleId}/enabled",
                 [&deps](const http::Request& request, const Requester& who) {
                   auto body = parseJsonObjectBody(request);
                   if (!body.ok()) return errorResponse(body.error());
                   auto enabled = optionalBool(*body, "enabled");
                   if (!enabled.ok()) return errorResponse(enabled.error());
                   if (!*enabled) return errorResponse(makeError(ErrorCode::kMissingParam, "Missing parameter: enabled"));
                   Status set = deps.accounts->performSetPushRuleEnabled(callContext(request), who.userId,
                                                                         param(request, "kind"), param(request, "ruleId"),
                                                                         **enabled);
                   if (!set.ok()) return errorResponse(set.error());
                   return jsonOk(json::Object{});
                 });
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/pushrules/global/{kind}/{ruleId}/actions",
                 [&deps](const http::Request& r, const Requester& who) { return ruleField(deps, r, who, "actions"); });
  addAuthedRoute(router, deps, "PUT", "/_matrix/client/{version}/pushrules/global/{kind}/{ruleId}/actions",
                 [&deps](const http::Request& request, const Requester& who) {
                   auto body = parseJsonObjectBody(request);
                   if (!body.ok()) return errorResponse(body.error());
                   auto actions = optionalArray(*body, "actions");
                   if (!actions.ok()) return errorResponse(actions.error());
                   if (!*actions) return errorResponse(makeError(ErrorCode::kMissingParam, "Missing parameter: actions"));
                   Status set = deps.accounts->performSetPushRuleActions(callContext(request), who.userId,
                                                                         param(request, "kind"), param(request, "ruleId"),
                                                                         **actions);
                   if (!set.ok()) return errorResponse(set.error());
                   return jsonOk(json::Object{});
                 });

  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/pushers",
                 [&deps](const http::Request& request, const Requester& who) {
                   auto pushers = deps.accounts->queryPushers(callContext(request), who.userId);
                   if (!pushers.ok()) return errorResponse(pushers.error());
                   json::Array list;
                   for (const auto& p : *pushers) list.push_back(p.toJson());
                   return jsonOk(json::Object{{"pushers", std::move(list)}});
                 });
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/pushers/set",
                 [&deps](const http::Request& request, const Requester& who) {
                   auto body = parseJsonObjectBody(request);
                   if (!body.ok()) return errorResponse(body.error());
                   Status set = deps.accounts->performSetPusher(callContext(request), who.userId, who.deviceId, *body);
                   if (!set.ok()) return errorResponse(set.error());
                   return jsonOk(json::Object{});
                 });

  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/notifications",
                 [&deps](const http::Request& request, const Requester& who) {
                   auto limit = queryInt(request, "limit");
                   if (!limit.ok()) return errorResponse(limit.error());
                   return toResponse(deps.sync->queryNotifications(
                       callContext(request), who.userId,
                       std::string(request.query.get("from").value_or("")),
                       static_cast<int>(std::clamp<std::int64_t>(limit->value_or(20), 1, 1000)),
                       std::string(request.query.get("only").value_or(""))));
                 });
}

}  // namespace plexus::clientapi
