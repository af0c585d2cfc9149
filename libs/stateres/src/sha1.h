// SHA-1, only for the tie-break of state resolution v1 (SPEC: room v1 "State resolution":
// "descending sha1(event_id)"). Not for anything security-related.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace plexus::stateres::detail {

std::array<std::uint8_t, 20> sha1(std::string_view data);

}  // namespace plexus::stateres::detail
