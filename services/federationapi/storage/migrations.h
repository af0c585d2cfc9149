// The federation API's schema migrations (component "federationapi").
#pragma once

#include <span>

#include "plexus/storage/migrations.h"

namespace plexus::federationapi {

std::span<const storage::Migration> federationApiMigrations();

}  // namespace plexus::federationapi
