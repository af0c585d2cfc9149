// libFuzzer target for the parser and canonical writer. For each input and each mode (strict and
// lax integers) a successful parse must give canonical output that parses again and re-encodes
// to the identical bytes; any other outcome must be an error value, never a crash or a hang.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace {

void checkMode(std::string_view input, bool strict) {
  plexus::json::ParseOptions options;
  options.strictIntegers = strict;
  plexus::Result<plexus::json::Value> value = plexus::json::parse(input, options);
  if (!value.ok()) {
    if (value.error().message.find(" at offset ") == std::string::npos) {
      std::fprintf(stderr, "error without offset: %s\n", value.error().message.c_str());
      std::abort();
    }
    return;
  }
  std::string first = plexus::json::canonical(*value);
  plexus::Result<plexus::json::Value> again = plexus::json::parse(first, options);
  if (!again.ok()) {
    std::fprintf(stderr, "canonical output does not re-parse (%s mode): %s\n%s\n",
                 strict ? "strict" : "lax", again.error().message.c_str(), first.c_str());
    std::abort();
  }
  std::string second = plexus::json::canonical(*again);
  if (second != first) {
    std::fprintf(stderr, "canonical output is not a fixed point (%s mode):\n%s\n%s\n",
                 strict ? "strict" : "lax", first.c_str(), second.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  checkMode(input, true);
  checkMode(input, false);
  return 0;
}
