// Serialisation of the request and response of one overlay federation exchange.
#include "http_wire.h"

#include <algorithm>

#include "plexus/http/fields.h"

namespace plexus::federation_overlay::detail {
namespace {

// RFC 9110 §5.6.2 tchar.
bool isTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool isToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), isTokenChar);
}

bool safeValue(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// A request target in origin-form: visible ASCII only.
bool safeTarget(std::string_view s) {
  return !s.empty() && s.front() == '/' &&
         std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool isFraming(std::string_view name) {
  return http::equalsIgnoreCase(name, "Content-Length") ||
         http::equalsIgnoreCase(name, "Transfer-Encoding") ||
         http::equalsIgnoreCase(name, "Connection");
}

void addLine(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

Result<std::string> serializeRequest(std::string_view host,
                                     const federation::OutboundRequest& request) {
  if (!isToken(request.method)) return fail(ErrorCode::kInvalidParam, "invalid method");
  if (!safeTarget(request.uri)) return fail(ErrorCode::kInvalidParam, "invalid request target");
  if (!safeValue(host)) return fail(ErrorCode::kInvalidParam, "invalid host");
  std::string out;
  out.reserve(256 + request.body.size());
  out.append(request.method).append(" ").append(request.uri).append(" HTTP/1.1\r\n");
  addLine(out, "Host", host);
  for (const auto& [name, value] : request.headers) {
    if (!isToken(name) || !safeValue(value))
      return fail(ErrorCode::kInvalidParam, "invalid header field");
    if (isFraming(name) || http::equalsIgnoreCase(name, "Host")) continue;
    addLine(out, name, value);
  }
  addLine(out, "Content-Length", std::to_string(request.body.size()));
  addLine(out, "Connection", "close");
  out.append("\r\n").append(request.body);
  return out;
}

std::string serializeResponse(const http::Response& response) {
  const int status = response.status >= 200 && response.status <= 999 ? response.status : 500;
  std::string out;
  out.reserve(256 + response.body.size());
  out.append("HTTP/1.1 ")
      .append(std::to_string(status))
      .append(" ")
      .append(http::reasonPhrase(status))
      .append("\r\n");
  for (const auto& [name, value] : response.headers.fields()) {
    if (!isToken(name) || !safeValue(value) || isFraming(name) ||
        http::equalsIgnoreCase(name, "Content-Type"))
      continue;
    addLine(out, name, value);
  }
  const bool bodyAllowed = status != 204 && status != 304;
  if (bodyAllowed) {
    if (!response.contentType.empty() && safeValue(response.contentType))
      addLine(out, "Content-Type", response.contentType);
    addLine(out, "Content-Length", std::to_string(response.body.size()));
  }
  addLine(out, "Connection", "close");
  out.append("\r\n");
  if (bodyAllowed) out.append(response.body);
  return out;
}

}  // namespace plexus::federation_overlay::detail
