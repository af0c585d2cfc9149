// Profiles (GET /profile/..., PUT displayname and avatar_url, which also refresh the user's
// m.room.member events in every joined room) and the user directory search.
#include <algorithm>

#include "accountsync/api/accountsync_api.h"
#include "clientapi/impl/account_routes.h"
#include "clientapi/impl/overlay_directory.h"
#include "federationsender/api/federation_sender_api.h"
#include "roomserver/api/roomserver_api.h"

namespace plexus::clientapi {
namespace {

enum class Field { kDisplayName, kAvatarUrl };

std::string_view fieldKey(Field f) { return f == Field::kDisplayName ? "displayname" : "avatar_url"; }

Result<accountsync::Profile> loadProfile(ClientApiDeps& deps, const http::Request& request) {
  std::string userId(request.param("userId"));
  if (!isValidUserId(userId)) return fail(ErrorCode::kInvalidParam, "Invalid user ID");
  if (!isLocalUser(deps, userId)) {
    // SPEC: server-server-api "Query information": the user's own server answers.
    if (!deps.federation) return fail(ErrorCode::kNotFound, "Profile not found");
    auto remote = deps.federation->queryProfile(callContext(request), serverOfUserId(userId),
                                                userId, std::nullopt);
    if (!remote.ok()) {
      if (remote.error().code == ErrorCode::kUnavailable) return remote.error();
      return fail(ErrorCode::kNotFound, "Profile not found");
    }
    accountsync::Profile p;
    if (const json::Value* name = remote->find("displayname"); name && name->getString())
      p.displayName = *name->getString();
    if (const json::Value* avatar = remote->find("avatar_url"); avatar && avatar->getString())
      p.avatarUrl = *avatar->getString();
    return p;
  }
  auto profile = deps.accounts->queryProfile(callContext(request), userId);
  if (!profile.ok() && profile.error().code == ErrorCode::kNotFound) {
    return fail(ErrorCode::kNotFound, "Profile not found");
  }
  return profile;
}

json::Object profileJson(const accountsync::Profile& p) {
  json::Object o;
  if (p.displayName) o.set("displayname", json::Value(*p.displayName));
  if (p.avatarUrl) o.set("avatar_url", json::Value(*p.avatarUrl));
  return o;
}

// SPEC: client-server-api "Events on Change of Profile Information" — the user's member event
// in each joined room is re-sent with the new profile. Best effort: a room that refuses (e.g.
// power levels) keeps the old one.
void refreshMemberEvents(ClientApiDeps& deps, const CallContext& ctx, const std::string& userId,
                         Field field, const std::optional<std::string>& value) {
  if (!deps.roomserver) return;
  auto rooms = deps.roomserver->queryRoomsForUser(ctx, userId, "join");
  if (!rooms.ok()) return;
  for (const auto& roomId : *rooms) {
    auto current = deps.roomserver->queryStateEvent(ctx, roomId, "m.room.member", userId);
    if (!current.ok()) continue;
    json::Object content = current->pdu.content();
    if (value) {
      content.set(std::string(fieldKey(field)), json::Value(*value));
    } else {
      content.erase(fieldKey(field));
    }
    if (content == current->pdu.content()) continue;
    roomserver::SendEventRequest send;
    send.roomId = roomId;
    send.sender = userId;
    send.type = "m.room.member";
    send.stateKey = userId;
    send.content = std::move(content);
    (void)deps.roomserver->performSendEvent(ctx, send);
  }
}

// displayname and avatar_url are the fields this server keeps (SPEC: v1.16 lets servers refuse
// other profile keys).
std::optional<Field> fieldOf(std::string_view keyName) {
  if (keyName == "displayname") return Field::kDisplayName;
  if (keyName == "avatar_url") return Field::kAvatarUrl;
  return std::nullopt;
}

Result<Field> writableField(const http::Request& request, const Requester& who) {
  PLEXUS_TRY_VOID(requireSelf(who, request.param("userId")));
  auto field = fieldOf(request.param("keyName"));
  if (!field) return fail(ErrorCode::kForbidden, "Only displayname and avatar_url can be set");
  return *field;
}

Status storeField(ClientApiDeps& deps, const http::Request& request, const std::string& userId, Field field,
                  const std::optional<std::string>& value) {
  const CallContext ctx = callContext(request);
  PLEXUS_TRY_VOID(field == Field::kDisplayName ? deps.accounts->performSetDisplayName(ctx, userId, value)
                                               : deps.accounts->performSetAvatarUrl(ctx, userId, value));
  refreshMemberEvents(deps, ctx, userId, field, value);
  return {};
}

http::Response putField(ClientApiDeps& deps, const http::Request& request, const Requester& who) {
  auto field = writableField(request, who);
  if (!field.ok()) return errorResponse(field.error());
  auto body = parseJsonObjectBody(request);
  if (!body.ok()) return errorResponse(body.error());
  auto value = optionalString(*body, fieldKey(*field));
  if (!value.ok()) return errorResponse(value.error());
  Status stored = storeField(deps, request, who.userId, *field, *value);
  if (!stored.ok()) return errorResponse(stored.error());
  return jsonOk(json::Object{});
}

http::Response deleteField(ClientApiDeps& deps, const http::Request& request, const Requester& who) {
  auto field = writableField(request, who);
  if (!field.ok()) return errorResponse(field.error());
  Status stored = storeField(deps, request, who.userId, *field, std::nullopt);
  if (!stored.ok()) return errorResponse(stored.error());
  return jsonOk(json::Object{});
}

http::Response getField(ClientApiDeps& deps, const http::Request& request) {
  auto profile = loadProfile(deps, request);
  if (!profile.ok()) return errorResponse(profile.error());
  std::string key(request.param("keyName"));
  json::Object all = profileJson(*profile);
  const json::Value* v = all.find(key);
  if (!v) return errorResponse(makeError(ErrorCode::kNotFound, "Profile field not set"));
  return jsonOk(json::Object{{key, *v}});
}

}  // namespace

void registerProfileRoutes(http::Router& router, ClientApiDeps& deps) {
  addOpenRoute(router, deps, "GET", "/_matrix/client/{version}/profile/{userId}",
               [&deps](const http::Request& request) {
                 auto profile = loadProfile(deps, request);
                 if (!profile.ok()) return errorResponse(profile.error());
                 return jsonOk(profileJson(*profile));
               });
  addOpenRoute(router, deps, "GET", "/_matrix/client/{version}/profile/{userId}/{keyName}",
               [&deps](const http::Request& request) { return getField(deps, request); });
  addAuthedRoute(router, deps, "PUT", "/_matrix/client/{version}/profile/{userId}/{keyName}",
                 [&deps](const http::Request& request, const Requester& who) { return putField(deps, request, who); },
                 {.allowGuests = true, .refusedWhileSuspended = true});
  addAuthedRoute(router, deps, "DELETE", "/_matrix/client/{version}/profile/{userId}/{keyName}",
                 [&deps](const http::Request& request, const Requester& who) { return deleteField(deps, request, who); },
                 {.refusedWhileSuspended = true});

  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/user_directory/search",
                 [&deps](const http::Request& request, const Requester& who) {
                   auto body = parseJsonObjectBody(request);
                   if (!body.ok()) return errorResponse(body.error());
                   auto term = requireString(*body, "search_term");
                   if (!term.ok()) return errorResponse(term.error());
                   auto limit = optionalInt(*body, "limit");
                   if (!limit.ok()) return errorResponse(limit.error());
                   int max = static_cast<int>(std::clamp<std::int64_t>(limit->value_or(10), 1, 1000));
                   auto found = deps.accounts->queryUserDirectory(callContext(request), *term, max, who.userId);
                   if (!found.ok()) return errorResponse(found.error());
                   json::Array results;
                   for (const auto& e : found->results) {
                     json::Object o{{"user_id", json::Value(e.userId)}};
                     if (e.displayName) o.set("display_name", json::Value(*e.displayName));
                     if (e.avatarUrl) o.set("avatar_url", json::Value(*e.avatarUrl));
                     results.push_back(std::move(o));
                   }
                   bool limited = found->limited;
                   // A node on the overlay also finds the people other nodes announced.
                   if (deps.overlayDirectory && results.size() < static_cast<std::size_t>(max)) {
                     const std::size_t left = static_cast<std::size_t>(max) - results.size();
                     auto remote = deps.overlayDirectory->profiles(*term, left + 1);
                     if (remote.size() > left) limited = true;
                     for (std::size_t i = 0; i < remote.size() && i < left; ++i) {
                       json::Object o{{"user_id", json::Value(remote[i].userId)}};
                       if (remote[i].displayName)
                         o.set("display_name", json::Value(*remote[i].displayName));
                       if (remote[i].avatarUrl)
                         o.set("avatar_url", json::Value(*remote[i].avatarUrl));
                       results.push_back(std::move(o));
                     }
                   }
                   return jsonOk(json::Object{{"results", std::move(results)},
                                              {"limited", json::Value(limited)}});
                 });
}

}  // namespace plexus::clientapi
