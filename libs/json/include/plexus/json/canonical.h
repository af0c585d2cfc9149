// Canonical JSON writer (Matrix spec appendix "Canonical JSON"): no insignificant whitespace,
// object keys in code-point order, UTF-8 as is, only the escapes \" \\ \b \f \n \r \t and
// lowercase \u00XX for other control characters. This is also the project's compact writer.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "plexus/core/result.h"
#include "plexus/json/parse.h"
#include "plexus/json/value.h"

namespace plexus::json {

void writeCanonical(const Value& value, std::string& out);
void writeCanonical(const Object& object, std::string& out);
std::string canonical(const Value& value);
std::string canonical(const Object& object);

// Canonical JSON of `object` with the top-level keys in `skipped` left out, written member by
// member instead of copying the object (signing and hashing skip signatures, unsigned, hashes).
std::string canonicalWithout(const Object& object, std::initializer_list<std::string_view> skipped);

// Appends a JSON string literal with canonical escaping.
void writeString(std::string_view s, std::string& out);

// Parses and re-encodes a text in canonical form.
Result<std::string> canonicalize(std::string_view text, const ParseOptions& options = {});

}  // namespace plexus::json
