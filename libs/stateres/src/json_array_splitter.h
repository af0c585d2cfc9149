// Splits the text of a JSON array into the texts of its elements without parsing them, so that
// the elements can be parsed on several threads. It tracks strings and nesting only; the element
// parser validates each element. Errors: kNotJson when the text is not an array of balanced
// elements separated by commas.
#pragma once

#include <string_view>
#include <vector>

#include "plexus/core/result.h"

namespace plexus::stateres::detail {

Result<std::vector<std::string_view>> splitJsonArray(std::string_view text);

}  // namespace plexus::stateres::detail
