// The key and version endpoints of the Server-Server API on a plexus::http::Router:
// `GET /_matrix/key/v2/server` (and the deprecated `/_matrix/key/v2/server/{keyId}`),
// `GET /_matrix/federation/v1/version`, and the notary `POST /_matrix/key/v2/query` /
// `GET /_matrix/key/v2/query/{serverName}`, which serves our keys and cached keys of other
// servers, fetching those missing or not valid until minimum_valid_until_ts.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "federationapi/impl/own_signing_keys.h"
#include "federationapi/impl/remote_key_cache.h"
#include "plexus/http/router.h"

namespace plexus::federationapi {

// Runs blocking work (key fetches) off the io threads; null runs it inline.
using BlockingRunner = std::function<void(std::function<void()>)>;

struct KeyRoutesContext {
  OwnSigningKeys* ownKeys = nullptr;     // required
  RemoteKeyCache* remoteKeys = nullptr;  // required
  // How long our published key response is valid (spec: at least an hour).
  std::int64_t ownKeyValidityMs = 24LL * 3600 * 1000;
  std::string softwareName = "Plexus";
  std::string softwareVersion = "0.1.0";
  BlockingRunner runBlocking;
};

// Adds the routes. `context` (and what it points to) must outlive the router.
void registerKeyRoutes(http::Router& router, const KeyRoutesContext& context);

}  // namespace plexus::federationapi
