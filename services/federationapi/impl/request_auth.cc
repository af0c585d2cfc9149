// X-Matrix authentication of inbound federation requests.
#include "federationapi/impl/request_auth.h"

#include <cctype>

#include "plexus/json/parse.h"

namespace plexus::federationapi {
namespace {

bool isXMatrix(std::string_view value) {
  constexpr std::string_view kScheme = "x-matrix";
  if (value.size() < kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(value[i])) != kScheme[i]) return false;
  return true;
}

Status verifyOne(std::string_view header, const http::Request& request,
                 std::string_view ourServerName, const json::Value* content, RemoteKeyCache& keys,
                 federation::XMatrixAuth& out) {
  PLEXUS_TRY(auto auth, federation::parseXMatrix(header));
  PLEXUS_TRY_VOID(federation::checkDestination(auth, ourServerName));
  auto origin = federation::ServerName::parse(auth.origin);
  if (!origin) return fail(ErrorCode::kInvalidSignature, "bad origin");
  auto key = keys.keyForRequest(*origin, auth.keyId);
  if (!key)
    return fail(ErrorCode::kInvalidSignature,
                "cannot get key " + auth.keyId + " of " + auth.origin + ": " + key.error().message);
  PLEXUS_TRY_VOID(federation::verifyXMatrix(auth, ourServerName, request.method, request.target,
                                            content, *key));
  out = std::move(auth);
  return {};
}

}  // namespace

Result<AuthenticatedRequest> authenticateRequest(const http::Request& request,
                                                 std::string_view ourServerName,
                                                 RemoteKeyCache& keys) {
  AuthenticatedRequest out;
  if (!request.body.empty()) {
    auto parsed = json::parse(request.body);
    if (!parsed) return fail(ErrorCode::kNotJson, "request body is not JSON");
    out.content = std::move(*parsed);
  }
  const json::Value* content = out.content ? &*out.content : nullptr;
  std::optional<Error> firstError;
  for (auto header : request.headers.getAll("Authorization")) {
    if (!isXMatrix(header)) continue;
    auto status = verifyOne(header, request, ourServerName, content, keys, out.auth);
    if (status.ok()) return out;
    if (!firstError) firstError = status.error();
  }
  if (firstError) return Unexpected{*firstError};
  return fail(ErrorCode::kMissingToken, "missing X-Matrix Authorization header");
}

http::Response authErrorResponse(const Error& error) {
  if (error.code == ErrorCode::kNotJson) return http::Response::matrixError(error);
  // SPEC: server-server-api "Request Authentication" — requests that fail authentication are
  // denied with 401; M_UNAUTHORIZED is the common errcode for "not correctly authorized".
  return http::Response::matrixError(401, "M_UNAUTHORIZED", error.message);
}

}  // namespace plexus::federationapi
