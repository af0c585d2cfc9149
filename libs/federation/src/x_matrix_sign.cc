// Building, signing, formatting and verifying X-Matrix request signatures.
#include "plexus/crypto/json_signing.h"
#include "plexus/federation/x_matrix.h"

namespace plexus::federation {
namespace {

void appendQuoted(std::string& out, std::string_view value) {
  out.push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace

json::Object requestSigningObject(std::string_view method, std::string_view uri,
                                  std::string_view origin, std::string_view destination,
                                  const json::Value* content) {
  json::Object object{{"method", json::Value(method)},
                      {"uri", json::Value(uri)},
                      {"origin", json::Value(origin)},
                      {"destination", json::Value(destination)}};
  if (content) object.set("content", *content);
  return object;
}

XMatrixAuth signRequest(std::string_view origin, std::string_view destination,
                        std::string_view keyId, const crypto::SigningKey& key,
                        std::string_view method, std::string_view uri, const json::Value* content) {
  json::Object object = requestSigningObject(method, uri, origin, destination, content);
  crypto::signJson(object, origin, keyId, key);
  const std::string* sig = object.find("signatures")->get(origin)->get(keyId)->getString();
  return XMatrixAuth{std::string(origin), std::string(destination), std::string(keyId), *sig};
}

std::string formatXMatrix(const XMatrixAuth& auth) {
  std::string out = "X-Matrix origin=";
  appendQuoted(out, auth.origin);
  if (auth.destination) {
    out += ",destination=";
    appendQuoted(out, *auth.destination);
  }
  out += ",key=";
  appendQuoted(out, auth.keyId);
  out += ",sig=";
  appendQuoted(out, auth.signature);
  return out;
}

Status checkDestination(const XMatrixAuth& auth, std::string_view ourServerName) {
  if (auth.destination && *auth.destination != ourServerName) {
    return fail(ErrorCode::kInvalidSignature,
                "X-Matrix destination '" + *auth.destination + "' is not this server");
  }
  return {};
}

Status verifyXMatrix(const XMatrixAuth& auth, std::string_view ourServerName,
                     std::string_view method, std::string_view uri, const json::Value* content,
                     const crypto::PublicKey& verifyKey) {
  PLEXUS_TRY_VOID(checkDestination(auth, ourServerName));
  if (auth.keyId.rfind("ed25519:", 0) != 0) {
    return fail(ErrorCode::kInvalidSignature, "unsupported X-Matrix key algorithm");
  }
  json::Object object = requestSigningObject(method, uri, auth.origin, ourServerName, content);
  object.set("signatures",
             json::Object{{auth.origin, json::Object{{auth.keyId, json::Value(auth.signature)}}}});
  return crypto::verifyJsonSignature(object, auth.origin, auth.keyId, verifyKey);
}

}  // namespace plexus::federation
