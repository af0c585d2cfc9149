// The body shared by POST /register, POST /login and POST /refresh answers.
#pragma once

#include "accountsync/api/types.h"
#include "clientapi/impl/route_context.h"

namespace plexus::clientapi {

// {user_id, access_token, device_id, home_server[, refresh_token, expires_in_ms]}; only user_id
// after an inhibited login.
json::Object loginResponseBody(const ClientApiDeps& deps, const accountsync::LoginResult& result);

}  // namespace plexus::clientapi
