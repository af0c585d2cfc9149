// json_text.h.
#include "plexus/grpcutil/json_text.h"

#include "plexus/json/canonical.h"

namespace plexus::grpcutil {
namespace {

Error badJson(std::string_view field, std::string_view why) {
  return makeError(ErrorCode::kBadJson, std::string(field) + " is not valid: " + std::string(why));
}

}  // namespace

json::ParseOptions wireJsonOptions() {
  json::ParseOptions options;
  options.strictIntegers = false;
  options.maxDepth = 512;
  return options;
}

std::string jsonText(const json::Object& object) { return json::canonical(object); }
std::string jsonText(const json::Value& value) { return json::canonical(value); }

Result<json::Value> jsonValueField(std::string_view text, std::string_view field) {
  auto parsed = json::parse(text, wireJsonOptions());
  if (!parsed.ok()) return badJson(field, parsed.error().message);
  return std::move(parsed).value();
}

Result<json::Object> jsonObjectField(std::string_view text, std::string_view field) {
  PLEXUS_TRY(json::Value value, jsonValueField(text, field));
  json::Object* object = value.getObject();
  if (object == nullptr) return badJson(field, "not a JSON object");
  return std::move(*object);
}

Result<json::Array> jsonArrayField(std::string_view text, std::string_view field) {
  PLEXUS_TRY(json::Value value, jsonValueField(text, field));
  json::Array* array = value.getArray();
  if (array == nullptr) return badJson(field, "not a JSON array");
  return std::move(*array);
}

}  // namespace plexus::grpcutil
