// Steps the node-side sub-commands share: reading the config file (or the defaults) with the
// environment overrides, and creating the data directory.
#pragma once

#include <optional>
#include <string>

#include "plexus/config/config.h"
#include "plexus/core/result.h"

namespace plexus::cli {

// The file's configuration (defaults when `path` is empty) with environment overrides applied.
// Not verified: callers apply their flags first, then config::verifyOrFail.
Result<config::Config> readConfig(const std::optional<std::string>& path);

// mkdir -p with mode 0700 for what it creates. Errors: kInternal.
Status ensureDirectory(const std::string& path);

}  // namespace plexus::cli
