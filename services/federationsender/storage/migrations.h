// The federation sender's schema migrations (component "federationsender").
#pragma once

#include <span>

#include "plexus/storage/migrations.h"

namespace plexus::federationsender {

std::span<const storage::Migration> federationSenderMigrations();

}  // namespace plexus::federationsender
