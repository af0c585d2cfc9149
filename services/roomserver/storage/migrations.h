// The roomserver's schema migrations (component "roomserver").
#pragma once

#include <span>

#include "plexus/storage/migrations.h"

namespace plexus::roomserver {

std::span<const storage::Migration> roomserverMigrations();

}  // namespace plexus::roomserver
