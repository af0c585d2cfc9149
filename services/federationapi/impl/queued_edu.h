// QueuedEdu: an EDU of an inbound /send transaction, queued on the bus (topic
// "federationapi.edu", key = origin) in the cluster so /send answers without waiting for
// sync-api or the keyserver and an EDU outlives their restarts. Consumed by the federationapi
// processes (one shared consumer group) through FederationRoutes::handleQueuedEdu; redelivered
// while a service it needs is unavailable (every EDU's effect is idempotent).
#pragma once

#include <string>
#include <string_view>

#include "plexus/core/result.h"
#include "plexus/json/value.h"

namespace plexus::federationapi {

struct QueuedEdu {
  static constexpr std::string_view kTopic = "federationapi.edu";

  std::string origin;  // the authenticated sending server
  json::Object edu;    // {edu_type, content} as received

  std::string key() const { return origin; }
  json::Object toJson() const { return json::Object{{"origin", origin}, {"edu", edu}}; }
  static Result<QueuedEdu> fromJson(const json::Object& object) {
    const json::Value* origin = object.find("origin");
    const json::Value* edu = object.find("edu");
    if (!origin || !origin->getString() || !edu || !edu->getObject())
      return fail(ErrorCode::kBadJson, "QueuedEdu: origin and edu required");
    return QueuedEdu{*origin->getString(), *edu->getObject()};
  }
};

}  // namespace plexus::federationapi
