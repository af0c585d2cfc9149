// User-interactive authentication (SPEC: client-server-api "User-interactive authentication
// API"). Every flow this server offers has one stage (m.login.dummy for registration,
// m.login.password for sensitive account operations), completed in the request that carries
// `auth`, so sessions hold no state: the session ID is a random string handed back for the
// client to echo. That keeps client-api stateless (any instance can finish any session).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clientapi/impl/route_context.h"

namespace plexus::clientapi {

// Checks one stage's `auth` dict; ok when it passes. Errors become the errcode/error of the 401.
using UiaStageCheck = std::function<Status(const json::Object& auth)>;

struct UiaFlow {
  std::string stage;  // e.g. "m.login.dummy"
  UiaStageCheck check;
};

// The 401 body: {flows: [{stages}], params: {}, session, completed: []} plus errcode/error when
// `failure` is set (a stage that was attempted and failed).
http::Response uiaChallenge(const std::vector<UiaFlow>& flows, std::string_view session,
                            const Error* failure = nullptr);

// Runs user-interactive auth over `body`: nullopt when a stage completed (go on with the
// request), else the response to send (the 401 challenge, or 400 for a malformed `auth`).
std::optional<http::Response> runUia(const json::Object& body, const std::vector<UiaFlow>& flows);

// The m.login.password stage for `requester`: auth.identifier {type: m.id.user, user} (or the
// legacy auth.user) must name the requester, and auth.password must be theirs.
UiaFlow passwordStage(const ClientApiDeps& deps, const http::Request& request,
                      const Requester& requester);

// A fresh random identifier (session IDs, tokens): `bytes` random bytes, URL-safe base64.
std::string randomToken(std::size_t bytes = 24);

}  // namespace plexus::clientapi
