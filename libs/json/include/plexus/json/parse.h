// Strict JSON parser: RFC 8259 syntax, valid UTF-8 only (no lone surrogates), duplicate keys
// rejected, bounded nesting depth. With strict integers (room versions 6+ and every client or
// federation API body) numbers must be integers in [-(2^53-1), 2^53-1]; otherwise numbers with
// a fraction or exponent become integers when integral and in range, else floats.
#pragma once

#include <string_view>

#include "plexus/core/result.h"
#include "plexus/json/value.h"

namespace plexus::json {

struct ParseOptions {
  bool strictIntegers = true;
  int maxDepth = 64;
};

// Parses one JSON text (surrounding whitespace allowed). Errors carry ErrorCode::kNotJson and
// the byte offset of the problem.
Result<Value> parse(std::string_view text, const ParseOptions& options = {});

// Parses a text that must be a JSON object.
Result<Object> parseObject(std::string_view text, const ParseOptions& options = {});

}  // namespace plexus::json
