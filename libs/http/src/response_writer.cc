// Response serialisation. Header names and values from handlers that contain CR or LF are
// dropped rather than written, so a handler bug cannot split a response.
#include "response_writer.h"

namespace plexus::http::detail {
namespace {

bool safeHeaderText(std::string_view s) {
  return s.find_first_of("\r\n") == std::string_view::npos && s.find('\0') == std::string_view::npos;
}

bool isFramingHeader(std::string_view name) {
  return equalsIgnoreCase(name, "Content-Length") || equalsIgnoreCase(name, "Transfer-Encoding") ||
         equalsIgnoreCase(name, "Connection") || equalsIgnoreCase(name, "Content-Type");
}

void addLine(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

std::string serializeResponse(const Response& response, const WireOptions& options) {
  int status = (response.status >= 100 && response.status <= 999) ? response.status : 500;
  std::string out;
  out.reserve(256 + response.body.size());
  out.append("HTTP/1.1 ").append(std::to_string(status)).append(" ").append(reasonPhrase(status)).append("\r\n");
  for (const auto& [name, value] : response.headers.fields()) {
    if (isFramingHeader(name) || name.empty() || !safeHeaderText(name) || !safeHeaderText(value)) continue;
    addLine(out, name, value);
  }
  // SPEC: client-server-api "Web Browser Clients" — every response carries these CORS headers.
  if (!response.headers.contains("Access-Control-Allow-Origin")) addLine(out, "Access-Control-Allow-Origin", "*");
  if (!response.headers.contains("Access-Control-Allow-Methods")) {
    addLine(out, "Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
  }
  if (!response.headers.contains("Access-Control-Allow-Headers")) {
    addLine(out, "Access-Control-Allow-Headers", "X-Requested-With, Content-Type, Authorization");
  }
  bool bodyAllowed = status >= 200 && status != 204 && status != 304;
  if (bodyAllowed) {
    if (!response.contentType.empty() && safeHeaderText(response.contentType)) {
      addLine(out, "Content-Type", response.contentType);
    }
    addLine(out, "Content-Length", std::to_string(response.body.size()));
  }
  if (!options.keepAlive) {
    addLine(out, "Connection", "close");
  } else if (options.requestVersion == 10) {
    addLine(out, "Connection", "keep-alive");
  }
  out.append("\r\n");
  if (bodyAllowed && !options.headRequest) out.append(response.body);
  return out;
}

Response preflightResponse() {
  Response r;
  r.status = 200;
  r.body = "{}";
  return r;
}

}  // namespace plexus::http::detail
