// The client routes the fuzzer picks from: every method and path pattern the client API
// registers (except media, which the node does not serve, and the always-404 third-party
// lookups), and how a pattern's named segments are filled in. Entries are only ever appended,
// so the route numbers in the seed corpus keep their meaning.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_node.h"

namespace plexus::node::fuzz {

struct RouteTemplate {
  std::string_view method;
  std::string_view pattern;  // as registered, e.g. "/_matrix/client/{version}/rooms/{roomId}/leave"
};

std::span<const RouteTemplate> clientRouteTemplates();

// The path of `pattern` with "{version}" replaced by `version` and every other "{name}" by the
// next entry of `args` (percent-encoded), or by a value that names something real in the
// session (its room, user, event...) when the entry is "_" or args ran out.
std::string expandPattern(std::string_view pattern, std::string_view version,
                          const std::vector<std::string>& args, const FuzzSession& session,
                          std::uint64_t serial);

}  // namespace plexus::node::fuzz
