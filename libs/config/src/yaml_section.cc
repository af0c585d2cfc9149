// YamlSection: typed, non-throwing reads of one mapping of the configuration file.
#include "yaml_section.h"

#include <limits>

namespace plexus::config::detail {

YamlSection::YamlSection(YAML::Node node, std::string path, std::vector<std::string>& problems)
    : node_(std::move(node)), path_(std::move(path)), problems_(problems) {
  if (!node_.IsDefined() || node_.IsNull()) return;
  if (!node_.IsMap()) {
    problems_.push_back(path_ + ": expected a mapping of keys to values");
    return;
  }
  usable_ = true;
}

YamlSection::~YamlSection() {
  if (!usable_) return;
  for (const auto& entry : node_) {
    std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "<non-scalar key>";
    if (!known_.count(key)) problems_.push_back(path_ + "." + key + ": unknown key");
  }
}

void YamlSection::problem(const char* key, const std::string& what) {
  problems_.push_back(path_ + "." + key + ": " + what);
}

YAML::Node YamlSection::value(const char* key) {
  known_.insert(key);
  if (!usable_) return YAML::Node(YAML::NodeType::Undefined);
  YAML::Node v = node_[key];
  if (!v.IsDefined() || v.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
  return v;
}

YAML::Node YamlSection::child(const char* key) { return value(key); }

void YamlSection::str(const char* key, std::string& out) {
  YAML::Node v = value(key);
  if (!v.IsDefined()) return;
  if (!v.IsScalar()) return problem(key, "expected a string");
  out = v.Scalar();
}

void YamlSection::boolean(const char* key, bool& out) {
  YAML::Node v = value(key);
  if (!v.IsDefined()) return;
  bool parsed = false;
  if (!v.IsScalar() || !YAML::convert<bool>::decode(v, parsed))
    return problem(key, "expected true or false");
  out = parsed;
}

void YamlSection::integer(const char* key, std::int64_t& out) {
  YAML::Node v = value(key);
  if (!v.IsDefined()) return;
  long long parsed = 0;
  if (!v.IsScalar() || !YAML::convert<long long>::decode(v, parsed))
    return problem(key, "expected an integer");
  out = parsed;
}

void YamlSection::integer(const char* key, int& out) {
  std::int64_t wide = out;
  std::size_t before = problems_.size();
  integer(key, wide);
  if (problems_.size() != before) return;
  if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max())
    return problem(key, "integer out of range");
  out = static_cast<int>(wide);
}

void YamlSection::number(const char* key, double& out) {
  YAML::Node v = value(key);
  if (!v.IsDefined()) return;
  double parsed = 0;
  if (!v.IsScalar() || !YAML::convert<double>::decode(v, parsed))
    return problem(key, "expected a number");
  out = parsed;
}

void YamlSection::strings(const char* key, std::vector<std::string>& out) {
  YAML::Node v = value(key);
  if (!v.IsDefined()) return;
  if (v.IsScalar()) {  // one entry may be written without the brackets
    out = {v.Scalar()};
    return;
  }
  if (!v.IsSequence()) return problem(key, "expected a list of strings");
  std::vector<std::string> parsed;
  for (const auto& item : v) {
    if (!item.IsScalar()) return problem(key, "expected a list of strings");
    parsed.push_back(item.Scalar());
  }
  out = std::move(parsed);
}

}  // namespace plexus::config::detail
