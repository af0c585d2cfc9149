// FederationRoutes: owns the routes' state and registers each route file.
#include "federationapi/impl/federation_routes.h"

#include "federationapi/impl/edu_handler.h"
#include "federationapi/impl/route_context.h"

namespace plexus::federationapi {

FederationRoutes::FederationRoutes(FederationDeps deps)
    : state_(std::make_unique<State>(std::move(deps))) {}

FederationRoutes::~FederationRoutes() = default;

void FederationRoutes::registerRoutes(http::Router& router) {
  registerSendRoutes(router, *state_);
  registerMembershipRoutes(router, *state_);
  registerEventRoutes(router, *state_);
  registerQueryRoutes(router, *state_);
  registerMediaRoutes(router, *state_);
}

Status FederationRoutes::handleQueuedEdu(const std::string& origin, const json::Object& edu) {
  if (handleEdu(*state_, state_->callContext(), origin, edu) == EduOutcome::kUnavailable) {
    return fail(ErrorCode::kUnavailable, "a service the EDU needs is unavailable");
  }
  return {};
}

}  // namespace plexus::federationapi
