// A small command-line flag reader for the sub-commands: "--name value", "--name=value" and
// bare "--switch" forms, with errors that name the flag.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace plexus::cli {

class FlagReader {
 public:
  explicit FlagReader(std::span<char* const> args) : args_(args) {}

  // Moves to the next argument; false at the end. The current argument is then name().
  bool next();
  // The current flag's name with its "--value" part removed ("--peer=x" -> "--peer").
  std::string_view name() const { return name_; }
  // The current flag's value ("--x=v" or the following argument); nullopt and an error
  // message when it has none.
  std::optional<std::string> value();
  // True when the current flag carried "=value" (a switch must not).
  bool hasInlineValue() const { return inline_.has_value(); }

  const std::string& error() const { return error_; }
  void setError(std::string message) { error_ = std::move(message); }

 private:
  std::span<char* const> args_;
  std::size_t index_ = 0;
  std::string_view name_;
  std::optional<std::string> inline_;
  std::string error_;
};

}  // namespace plexus::cli
