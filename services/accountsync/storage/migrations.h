// The account-sync schema (component "accountsync"), one SQL text for both dialects.
#pragma once

#include <span>

#include "plexus/storage/migrations.h"

namespace plexus::accountsync {

std::span<const storage::Migration> accountSyncMigrations();

}  // namespace plexus::accountsync
