// addFederationRoute and the helpers every federation route file uses.
#include "federationapi/impl/route_context.h"

#include <chrono>
#include <exception>
#include <memory>

#include "federationapi/impl/request_auth.h"
#include "federationapi/impl/server_acl.h"
#include "plexus/log/log.h"

namespace plexus::federationapi {

FederationRoutes::State::State(FederationDeps d)
    : deps(std::move(d)),
      transactions(deps.limits.transactionCacheSize, deps.limits.transactionCacheBytes) {
  if (!deps.clock) {
    deps.clock = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
}

CallContext FederationRoutes::State::callContext() const {
  return CallContext::withTimeout(std::chrono::milliseconds(deps.limits.requestTimeoutMs),
                                  "federation-api");
}

void addFederationRoute(http::Router& router, const RouteState& state, std::string_view method,
                        std::string_view pattern, FederationHandler handler,
                        std::optional<std::size_t> maxBodyBytes) {
  auto shared = std::make_shared<const FederationHandler>(std::move(handler));
  auto route = [&state, shared](http::Request request, http::Responder responder) {
    auto owned = std::make_shared<http::Request>(std::move(request));
    auto work = [&state, shared, owned, responder]() {
      if (responder.cancelled()) return;
      http::Response response;
      try {
        auto auth = authenticateRequest(*owned, state.deps.serverName, *state.deps.keys);
        if (!auth) {
          responder.send(authErrorResponse(auth.error()));
          return;
        }
        if (state.deps.onAuthenticated) state.deps.onAuthenticated(auth->auth.origin);
        FederationRequest fed{*owned, auth->auth.origin, auth->content ? &*auth->content : nullptr,
                              state.callContext()};
        response = (*shared)(fed);
      } catch (const std::exception& e) {
        log::error("federation handler threw", {{"path", owned->path}, {"error", e.what()}});
        response = errorResponse(ErrorCode::kInternal, "internal error");
      } catch (...) {
        response = errorResponse(ErrorCode::kInternal, "internal error");
      }
      responder.send(std::move(response));
    };
    if (state.deps.runBlocking)
      state.deps.runBlocking(std::move(work));
    else
      work();
  };
  router.add(method, pattern, std::move(route),
             maxBodyBytes.value_or(state.deps.limits.maxBodyBytes));
}

http::Response errorResponse(const Error& error) { return http::Response::matrixError(error); }

http::Response errorResponse(ErrorCode code, std::string message) {
  return http::Response::matrixError(makeError(code, std::move(message)));
}

std::string_view serverOfUser(std::string_view userId) {
  if (userId.size() < 4 || userId[0] != '@') return {};
  auto colon = userId.find(':');
  if (colon == std::string_view::npos || colon == 1 || colon + 1 == userId.size()) return {};
  return userId.substr(colon + 1);
}

bool isLocalUser(const RouteState& state, std::string_view userId) {
  return serverOfUser(userId) == state.deps.serverName;
}

Status checkServerAcl(const CallContext& ctx, const RouteState& state, const std::string& roomId,
                      std::string_view origin) {
  auto acl = state.rooms().queryStateEvent(ctx, roomId, "m.room.server_acl", "");
  if (!acl) {
    if (acl.error().code == ErrorCode::kNotFound) return {};
    return Unexpected{acl.error()};
  }
  if (!serverAllowedByAcl(acl->pdu.content(), origin))
    return fail(ErrorCode::kForbidden, "server is banned from the room by its server ACL");
  return {};
}

Status checkServerAcl(const FederationRequest& request, const RouteState& state,
                      const std::string& roomId) {
  return checkServerAcl(request.ctx, state, roomId, request.origin);
}

json::Array pduArray(const std::vector<roomserver::RoomEvent>& events) {
  json::Array out;
  out.reserve(events.size());
  for (const auto& e : events) out.emplace_back(e.pdu.json());
  return out;
}

json::Object strippedState(const roomserver::RoomEvent& event) {
  json::Object out{{"type", std::string(event.pdu.type())},
                   {"state_key", std::string(event.pdu.stateKey().value_or(""))},
                   {"content", event.pdu.content()},
                   {"sender", std::string(event.pdu.sender())}};
  return out;
}

}  // namespace plexus::federationapi
