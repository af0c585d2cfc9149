// A reader over one YAML mapping: typed getters that record a problem (with the key's path)
// instead of throwing, and a final check that reports keys nobody asked for. yaml-cpp stays
// inside libs/config/src.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace plexus::config::detail {

class YamlSection {
 public:
  // `node` may be undefined or null (an absent section: every getter keeps the default).
  YamlSection(YAML::Node node, std::string path, std::vector<std::string>& problems);
  // Reports the keys no getter read as unknown.
  ~YamlSection();
  YamlSection(const YamlSection&) = delete;
  YamlSection& operator=(const YamlSection&) = delete;

  void str(const char* key, std::string& out);
  void boolean(const char* key, bool& out);
  void integer(const char* key, std::int64_t& out);
  void integer(const char* key, int& out);
  void number(const char* key, double& out);
  void strings(const char* key, std::vector<std::string>& out);
  // The node of a nested mapping (undefined when absent); marks the key as known.
  YAML::Node child(const char* key);
  std::string childPath(const char* key) const { return path_ + "." + key; }

 private:
  // The value of `key` when present and not null; marks the key as known.
  YAML::Node value(const char* key);
  void problem(const char* key, const std::string& what);

  YAML::Node node_;
  std::string path_;
  std::vector<std::string>& problems_;
  std::set<std::string> known_;
  bool usable_ = false;
};

}  // namespace plexus::config::detail
