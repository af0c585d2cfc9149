// Request-target parsing: path segments and query parameters, percent-decoded.
#include "plexus/http/request.h"

namespace plexus::http {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void parseQuery(std::string_view query, QueryParams& out) {
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    out.add(percentDecode(key, true), percentDecode(value, true));
  }
}

}  // namespace

std::string_view Request::param(std::string_view name) const {
  auto it = pathParams.find(name);
  return it == pathParams.end() ? std::string_view() : std::string_view(it->second);
}

std::string percentDecode(std::string_view in, bool plusIsSpace) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      int hi = hexValue(in[i + 1]);
      int lo = hexValue(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plusIsSpace && c == '+' ? ' ' : c);
  }
  return out;
}

Status parseTarget(Request& request) {
  std::string_view target = request.target;
  request.path.clear();
  request.pathSegments.clear();
  request.query = QueryParams();
  if (target == "*") return {};  // asterisk-form, OPTIONS only
  // Absolute-form (RFC 9112 §3.2.2): servers must accept it; the authority is ignored.
  for (std::string_view scheme : {std::string_view("http://"), std::string_view("https://")}) {
    if (target.size() >= scheme.size() && target.substr(0, scheme.size()) == scheme) {
      std::string_view rest = target.substr(scheme.size());
      std::size_t slash = rest.find_first_of("/?");
      target = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
      if (!target.empty() && target.front() == '?') {
        request.path.assign(1, '/');  // not = "/": GCC 12 -Wrestrict false positive
        parseQuery(target.substr(1), request.query);
        return {};
      }
      break;
    }
  }
  if (target.empty() || target.front() != '/') {
    return fail(ErrorCode::kInvalidParam, "request target must be an absolute path");
  }
  std::size_t hash = target.find('#');
  if (hash != std::string_view::npos) target = target.substr(0, hash);
  std::size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  request.path = std::string(path);
  if (q != std::string_view::npos) parseQuery(target.substr(q + 1), request.query);
  // Split before decoding so that an encoded '/' (%2F) stays inside its segment.
  std::string_view rest = path.substr(1);
  while (true) {
    std::size_t slash = rest.find('/');
    request.pathSegments.push_back(percentDecode(rest.substr(0, slash)));
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  return {};
}

}  // namespace plexus::http
