// The keyserver's schema migrations (component "keyserver").
#pragma once

#include <span>

#include "plexus/storage/migrations.h"

namespace plexus::keyserver {

std::span<const storage::Migration> keyserverMigrations();

}  // namespace plexus::keyserver
