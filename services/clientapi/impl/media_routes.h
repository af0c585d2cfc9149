// The content-repository routes: /_matrix/media/{r0,v3}/... (upload, legacy unauthenticated
// download and thumbnails, config, preview_url), /_matrix/media/v1/create, and the
// authenticated /_matrix/client/v1/media/... equivalents. Implemented in routes_media.cc.
//
// Uploads need a body limit above the server-wide default (1 MB): their routes carry the media
// service's maxUploadBytes as their own limit (RouteOptions::maxBodyBytes, Router::bodyLimit),
// so larger uploads get 413 M_TOO_LARGE before their bytes are read while every other route
// keeps the small limit. A server built without ClientApiServer must wire
// Router::bodyLimit into ServerOptions::bodyLimitFor itself.
#pragma once

#include "clientapi/impl/route_context.h"

namespace plexus::clientapi {

// Adds every media route to `router`. `deps` and `media` outlive the router.
void registerMediaRoutes(http::Router& router, ClientApiDeps& deps, media::MediaApi& media);

}  // namespace plexus::clientapi
