// Header fields and query parameters: ordered name/value lists that keep repeated names.
// Header names compare case-insensitively (RFC 9110 §5.1); query keys compare exactly.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plexus::http {

// ASCII case-insensitive equality, for header names and tokens.
bool equalsIgnoreCase(std::string_view a, std::string_view b);

class Headers {
 public:
  using Field = std::pair<std::string, std::string>;

  // First value of `name`, or nullopt.
  std::optional<std::string_view> get(std::string_view name) const;
  // Every value of `name` in arrival order.
  std::vector<std::string_view> getAll(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }
  // Replaces every field named `name` by one field.
  void set(std::string_view name, std::string_view value);
  // Appends a field, keeping existing ones with the same name.
  void add(std::string_view name, std::string_view value);
  // Removes every field named `name`; returns how many were removed.
  std::size_t erase(std::string_view name);

  const std::vector<Field>& fields() const { return fields_; }
  std::size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }

 private:
  std::vector<Field> fields_;
};

// Decoded query parameters in arrival order; repeated keys are kept (Matrix uses them, e.g.
// `server_name` on /join and `via` on /hierarchy).
class QueryParams {
 public:
  using Param = std::pair<std::string, std::string>;

  std::optional<std::string_view> get(std::string_view key) const;
  std::vector<std::string_view> getAll(std::string_view key) const;
  bool contains(std::string_view key) const { return get(key).has_value(); }
  void add(std::string key, std::string value) { params_.emplace_back(std::move(key), std::move(value)); }

  const std::vector<Param>& params() const { return params_; }
  std::size_t size() const { return params_.size(); }
  bool empty() const { return params_.empty(); }

 private:
  std::vector<Param> params_;
};

}  // namespace plexus::http
