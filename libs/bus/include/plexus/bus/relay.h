// relay(): copies every message of one topic from one bus to another, at least once, in order
// per key — how the cluster moves a producer's durable outbox (outbox.h) onto Redis Streams for
// consumers in other processes. The relay is a consumer group of the source ("relay" unless
// named), so after a crash it resumes from its last stored offset; a message is acknowledged to
// the source only after the target accepted it (a failing target is retried with backoff).
#pragma once

#include <memory>
#include <string_view>

#include "plexus/bus/bus.h"

namespace plexus::bus {

// Runs until the returned subscription is destroyed. Both buses must outlive it.
Result<std::unique_ptr<Subscription>> relay(Bus& from, std::string_view topic, Bus& to,
                                            std::string_view group = "relay");

}  // namespace plexus::bus
