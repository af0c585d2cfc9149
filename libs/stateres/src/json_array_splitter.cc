// splitJsonArray: one pass over the bytes with a string state and a depth counter; string
// bodies are skipped with memchr-style scans, which is most of the bytes of a PDU.
#include "json_array_splitter.h"

#include <cstring>
#include <string>

namespace plexus::stateres::detail {

namespace {

bool isSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

Unexpected notJson(std::size_t at, const char* what) {
  return fail(ErrorCode::kNotJson, std::string(what) + " at byte " + std::to_string(at));
}

}  // namespace

Result<std::vector<std::string_view>> splitJsonArray(std::string_view text) {
  std::vector<std::string_view> out;
  const char* p = text.data();
  const char* end = p + text.size();
  auto skipSpace = [&] {
    while (p < end && isSpace(*p)) ++p;
  };
  skipSpace();
  if (p == end || *p != '[') return notJson(static_cast<std::size_t>(p - text.data()), "expected '['");
  ++p;
  skipSpace();
  if (p < end && *p == ']') {
    ++p;
    skipSpace();
    if (p != end) return notJson(static_cast<std::size_t>(p - text.data()), "trailing data");
    return out;
  }
  while (true) {
    skipSpace();
    const char* start = p;
    int depth = 0;
    while (p < end) {
      char c = *p;
      if (c == '"') {
        ++p;
        while (true) {
          const void* q = std::memchr(p, '"', static_cast<std::size_t>(end - p));
          if (!q) return notJson(static_cast<std::size_t>(start - text.data()), "unterminated string");
          const char* quote = static_cast<const char*>(q);
          // Count the backslashes before the quote: an odd number escapes it.
          const char* b = quote;
          while (b > p && b[-1] == '\\') --b;
          p = quote + 1;
          if ((quote - b) % 2 == 0) break;
        }
        continue;
      }
      if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (depth == 0) break;  // the array's own ']'
        --depth;
      } else if (c == ',' && depth == 0) {
        break;
      }
      ++p;
    }
    if (p == end || depth != 0) return notJson(static_cast<std::size_t>(start - text.data()), "unterminated array");
    const char* stop = p;
    while (stop > start && isSpace(stop[-1])) --stop;
    if (stop == start) return notJson(static_cast<std::size_t>(start - text.data()), "empty element");
    out.emplace_back(start, static_cast<std::size_t>(stop - start));
    if (*p == ',') {
      ++p;
      continue;
    }
    if (*p != ']') return notJson(static_cast<std::size_t>(p - text.data()), "expected ',' or ']'");
    ++p;
    skipSpace();
    if (p != end) return notJson(static_cast<std::size_t>(p - text.data()), "trailing data");
    return out;
  }
}

}  // namespace plexus::stateres::detail
