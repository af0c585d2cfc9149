// X-Matrix request authentication (spec: Server-Server API, "Request Authentication"). The
// sender signs {method, uri, origin, destination, content} with the JSON signing algorithm and
// sends `Authorization: X-Matrix origin="..",destination="..",key="..",sig=".."`; the receiver
// parses that header (RFC 7235 auth-params), rebuilds the object and checks the signature.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "plexus/core/result.h"
#include "plexus/crypto/ed25519.h"
#include "plexus/json/value.h"

namespace plexus::federation {

// The parameters of one X-Matrix Authorization header.
struct XMatrixAuth {
  std::string origin;
  // Absent only in requests from servers older than spec v1.3; we always send it.
  std::optional<std::string> destination;
  std::string keyId;      // "ed25519:abc"
  std::string signature;  // unpadded base64

  friend bool operator==(const XMatrixAuth&, const XMatrixAuth&) = default;
};

// The object both sides sign: method, uri (path and query, e.g. "/_matrix/federation/v1/send/1"),
// origin, destination and, when the request has a body, its parsed JSON as `content`.
json::Object requestSigningObject(std::string_view method, std::string_view uri,
                                  std::string_view origin, std::string_view destination,
                                  const json::Value* content);

// Signs a request from `origin` to `destination` with `key` (id `keyId`).
XMatrixAuth signRequest(std::string_view origin, std::string_view destination,
                        std::string_view keyId, const crypto::SigningKey& key,
                        std::string_view method, std::string_view uri, const json::Value* content);

// The header value: `X-Matrix origin="..",destination="..",key="..",sig=".."`, lower-case names,
// one space after the scheme, every value quoted (what older servers expect).
std::string formatXMatrix(const XMatrixAuth& auth);

// Parses an Authorization header value. Lenient where the spec says so: scheme and parameter
// names in any case, any order, one or more spaces after the scheme, values quoted or bare tokens
// (bare values may contain ':'), backslash escapes in quoted values, empty list elements, unknown
// parameters ignored. Errors (kInvalidSignature, 401): another scheme, a missing origin/key/sig, a
// repeated parameter, unterminated quotes, characters a token or quoted string may not hold, junk
// between parameters, an origin or destination that is not a valid server name.
Result<XMatrixAuth> parseXMatrix(std::string_view header);

// Checks `destination` against our name: a present destination must equal it (spec: deny with
// 401). Errors: kInvalidSignature.
Status checkDestination(const XMatrixAuth& auth, std::string_view ourServerName);

// Verifies the request signature with the origin's `verifyKey` (the key of auth.keyId, which the
// caller looked up for auth.origin). The signed object uses our server name as destination.
// Errors: kInvalidSignature (destination mismatch, unsupported key algorithm, bad signature).
Status verifyXMatrix(const XMatrixAuth& auth, std::string_view ourServerName,
                     std::string_view method, std::string_view uri, const json::Value* content,
                     const crypto::PublicKey& verifyKey);

}  // namespace plexus::federation
