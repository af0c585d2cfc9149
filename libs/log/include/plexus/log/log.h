// Process-wide logging: one line per event on stderr, "<UTC time> <level> <message> k=v ...".
// A tiny front over spdlog (kept out of this header so that callers compile fast). Thread-safe.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace plexus::log {

enum class Level : std::uint8_t { kTrace, kDebug, kInfo, kWarn, kError, kOff };

// "trace", "debug", "info", "warn" (or "warning"), "error", "off"; nullopt otherwise.
std::optional<Level> parseLevel(std::string_view name);
std::string_view levelName(Level level);

// Events below `level` are dropped. The default is kInfo.
void setLevel(Level level);
Level level();
inline bool enabled(Level l) { return l >= level() && l != Level::kOff; }

// One structured field. Values are rendered as given; they are quoted when they contain
// spaces, quotes, '=' or control characters, so that a line always splits back into fields.
struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
  Field(std::string_view k, int v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, long v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, long long v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, unsigned v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, unsigned long v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, unsigned long long v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, double v);

  std::string_view key;
  std::string value;
};

using Fields = std::initializer_list<Field>;

// The text after the level: the message, then " key=value" per field (quoted when needed).
std::string formatLine(std::string_view message, Fields fields);

// Writes one event when `l` is enabled.
void write(Level l, std::string_view message, Fields fields = {});

inline void trace(std::string_view m, Fields f = {}) { write(Level::kTrace, m, f); }
inline void debug(std::string_view m, Fields f = {}) { write(Level::kDebug, m, f); }
inline void info(std::string_view m, Fields f = {}) { write(Level::kInfo, m, f); }
inline void warn(std::string_view m, Fields f = {}) { write(Level::kWarn, m, f); }
inline void error(std::string_view m, Fields f = {}) { write(Level::kError, m, f); }

// Flushes buffered output (stderr is unbuffered; kept for sinks added later).
void flush();

}  // namespace plexus::log
