// The media service's schema migrations (component "media").
#pragma once

#include <span>

#include "plexus/storage/migrations.h"

namespace plexus::media {

std::span<const storage::Migration> mediaMigrations();

}  // namespace plexus::media
