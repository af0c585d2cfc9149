// User-ID validity and domain extraction for the auth rules.
#include "identifiers.h"

namespace plexus::eventauth::detail {

namespace {
constexpr std::size_t kMaxUserIdBytes = 255;
}  // namespace

bool isValidUserId(std::string_view id) {
  if (id.size() < 4 || id.size() > kMaxUserIdBytes || id.front() != '@') return false;
  const std::size_t colon = id.find(':');
  if (colon == std::string_view::npos || colon == 1 || colon + 1 == id.size()) return false;
  for (char c : id.substr(1)) {
    const auto u = static_cast<unsigned char>(c);
    // SPEC: historical user IDs allow any printable ASCII except ':' in the localpart; the
    // server name is also printable ASCII. Spaces and control characters are never allowed.
    if (u <= 0x20 || u >= 0x7f) return false;
  }
  return true;
}

std::string_view domainOf(std::string_view id) {
  const std::size_t colon = id.find(':');
  if (colon == std::string_view::npos) return {};
  return id.substr(colon + 1);
}

}  // namespace plexus::eventauth::detail
