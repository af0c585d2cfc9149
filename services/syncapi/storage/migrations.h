// sync-api's numbered schema migrations (applied by makeSqlSyncStore).
#pragma once

#include <span>

#include "plexus/storage/migrations.h"

namespace plexus::syncapi {

std::span<const storage::Migration> syncMigrations();

}  // namespace plexus::syncapi
