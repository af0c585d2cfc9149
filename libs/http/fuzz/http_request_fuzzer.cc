// Fuzzes the request-parsing path the server uses: arbitrary bytes fed to RequestParser in
// chunks whose size the input picks, draining complete requests as a connection would.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "plexus/http/request_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // First byte: chunk size (1..256), so splits at every position get explored.
  std::size_t chunk = static_cast<std::size_t>(data[0]) + 1;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  plexus::http::RequestParser parser(plexus::http::ParserLimits{2048, 4096});
  std::size_t requests = 0;
  while (!input.empty()) {
    std::size_t n = chunk < input.size() ? chunk : input.size();
    parser.feed(input.substr(0, n));
    input.remove_prefix(n);
    for (;;) {
      auto next = parser.next();
      if (!next.ok()) return 0;
      if (!*next) break;
      const plexus::http::Request& r = **next;
      // Touch what handlers read so sanitizers see every field.
      requests += r.method.size() + r.pathSegments.size() + r.query.size() + r.headers.size() + r.body.size();
      (void)r.headers.get("content-type");
      (void)parser.takeContinueRequest();
    }
    (void)parser.headerDone();
    (void)parser.idle();
  }
  return requests == static_cast<std::size_t>(-1) ? 1 : 0;
}
