// readConfig and ensureDirectory (see startup.h).
#include "cli/startup.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "plexus/config/load.h"

namespace plexus::cli {

Result<config::Config> readConfig(const std::optional<std::string>& path) {
  config::Config c = config::Config::defaults();
  if (path) {
    PLEXUS_TRY(c, config::loadFile(*path));
  }
  config::applyEnvironment(c);
  return c;
}

Status ensureDirectory(const std::string& path) {
  std::error_code ec;
  std::filesystem::path p(path);
  if (std::filesystem::is_directory(p, ec)) return {};
  std::filesystem::create_directories(p, ec);
  if (ec) return fail(ErrorCode::kInternal, "cannot create directory " + path + ": " + ec.message());
  std::filesystem::permissions(p, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  return {};
}

}  // namespace plexus::cli
