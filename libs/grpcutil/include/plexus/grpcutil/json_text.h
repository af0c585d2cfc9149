// Matrix JSON in the contracts' `*_json` string fields, the same for every binding: written as
// canonical JSON, read back leniently (events of room versions 1–5 may hold floats, which the
// canonical writer keeps), and a field that does not parse is kBadJson naming the field.
#pragma once

#include <string>
#include <string_view>

#include "plexus/core/result.h"
#include "plexus/json/parse.h"
#include "plexus/json/value.h"

namespace plexus::grpcutil {

// Lenient integers, nesting up to 512 levels.
json::ParseOptions wireJsonOptions();

std::string jsonText(const json::Object& object);
std::string jsonText(const json::Value& value);

Result<json::Value> jsonValueField(std::string_view text, std::string_view field);
Result<json::Object> jsonObjectField(std::string_view text, std::string_view field);
Result<json::Array> jsonArrayField(std::string_view text, std::string_view field);

}  // namespace plexus::grpcutil
