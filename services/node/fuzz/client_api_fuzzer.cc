// Fuzzes the whole client-API request path of a real node: bytes -> HTTP request parser ->
// client Router and route handlers -> the in-process services -> SQLite, and back to a
// response, which must be well formed: a status in 100..599, header text without CR/LF/NUL,
// a JSON body that parses, and for errors {"errcode": string, "error": string}. A 500 or 503
// (M_UNKNOWN: a bug or a failed dependency, never the client's fault) is a finding too.
//
// Input format (see fuzz/corpus/ for examples):
//   Structured (the first byte is not 'R'):
//     line 1: <route>[flags] [<segment> ...][?<query>]
//     rest:   the request body
//   <route> is a number picking one of clientRouteTemplates() (modulo their count); the
//   segments fill the pattern's named segments in order ("_" or a missing one: a value from the
//   session, e.g. its room); flags: 'a' sends no access token, 'q' sends it as the access_token
//   query parameter, 'r' uses the r0 prefix instead of v3. The harness writes the request line
//   and the headers (Authorization, Content-Type, Content-Length).
//   Raw ('R' first): the rest is sent to the parser as it is, up to four pipelined requests.
// In both, $TOKEN $USER $DEVICE $ROOM $EVENT $OTHER $ALIAS are replaced by the session's
// values (FuzzNode), so raw requests can authenticate and name real things too.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/client_routes.h"
#include "fuzz/fuzz_node.h"
#include "plexus/http/request_parser.h"
#include "plexus/json/parse.h"

namespace plexus::node::fuzz {
namespace {

constexpr std::size_t kMaxPipelined = 4;

[[noreturn]] void finding(const http::Request& request, const http::Response& response,
                          const char* what) {
  std::fprintf(stderr,
               "client_api_fuzzer finding: %s\nrequest: %s %s\n%.2000s\nresponse: %d %s\n%.2000s\n",
               what, request.method.c_str(), request.target.c_str(), request.body.c_str(),
               response.status, response.contentType.c_str(), response.body.c_str());
  std::abort();
}

bool safeHeaderText(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

void checkResponse(const http::Request& request, const http::Response& response) {
  if (response.status < 100 || response.status > 599)
    finding(request, response, "status out of range");
  if (response.status == 500 || response.status == 503) finding(request, response, "server error");
  if (!safeHeaderText(response.contentType))
    finding(request, response, "content type breaks the header");
  for (const auto& [name, value] : response.headers.fields()) {
    if (name.empty() || !safeHeaderText(name) || !safeHeaderText(value) ||
        name.find_first_of(" :") != std::string::npos) {
      finding(request, response, "malformed header field");
    }
  }
  bool bodyAllowed = response.status >= 200 && response.status != 204 && response.status != 304;
  if (!bodyAllowed || response.contentType.rfind("application/json", 0) != 0) return;
  json::ParseOptions lenient;
  lenient.strictIntegers = false;
  lenient.maxDepth = 1024;  // responses echo client JSON inside their own objects
  auto body = json::parse(response.body, lenient);
  if (!body.ok()) finding(request, response, "JSON body does not parse");
  if (response.status < 400) return;
  // SPEC: a user-interactive auth challenge is a 401 whose errcode is optional (absent on the
  // first round); every other error body carries errcode and error.
  bool challenge = response.status == 401 && body->get("flows") != nullptr;
  const json::Value* errcode = body->get("errcode");
  const json::Value* error = body->get("error");
  if (challenge && errcode == nullptr) return;
  if (errcode == nullptr || !errcode->isString() || error == nullptr || !error->isString()) {
    finding(request, response, "error body without string errcode and error");
  }
}

// Routes one parsed request, checks the answer and lets the session follow what it did.
void serve(FuzzNode& node, http::Request request) {
  http::Request sent = request;
  const auto start = std::chrono::steady_clock::now();
  auto response = node.dispatch(std::move(request));
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
  if (sent.method == "OPTIONS") return;
  if (!response) finding(sent, http::Response::text("", 0), "no answer within the deadline");
  checkResponse(sent, *response);
  // PLEXUS_FUZZ_VERBOSE=1 prints every exchange: for checking what new seeds reach.
  static const bool verbose = std::getenv("PLEXUS_FUZZ_VERBOSE") != nullptr;
  if (verbose) {
    std::fprintf(stderr, "%s %s -> %d in %lld us: %.300s\n", sent.method.c_str(),
                 sent.target.c_str(), response->status, static_cast<long long>(micros),
                 response->body.c_str());
  }
  node.afterRequest(sent, *response);
}

// Parses `bytes` as a connection would and serves each complete request; a parse error is
// answered (and checked) the way the server answers it, then the "connection" is closed.
void serveBytes(FuzzNode& node, std::string_view bytes) {
  http::RequestParser parser(http::ParserLimits{16 * 1024, node.maxBodyBytes()});
  parser.feed(bytes);
  for (std::size_t served = 0; served < kMaxPipelined; ++served) {
    auto next = parser.next();
    if (!next.ok()) {
      http::Request unparsed;
      unparsed.method = "(unparsed)";
      checkResponse(unparsed, http::Response::matrixError(next.error()));
      return;
    }
    if (!*next) return;
    serve(node, std::move(**next));
  }
}

// Query text as the fuzzer wrote it, minus the bytes that would end the request line.
std::string queryText(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    if (c <= 0x20 || c >= 0x7F || c == '#') {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::vector<std::string> splitSpaces(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    std::size_t end = s.find(' ');
    if (end != 0) out.emplace_back(s.substr(0, end));
    if (end == std::string_view::npos) break;
    s.remove_prefix(end + 1);
  }
  return out;
}

// Builds the HTTP bytes of a structured input (see the file comment).
std::string structuredRequest(FuzzNode& node, std::string_view input, std::uint64_t serial) {
  std::size_t eol = input.find('\n');
  std::string_view line = input.substr(0, eol);
  std::string body = node.substitute(eol == std::string_view::npos ? "" : input.substr(eol + 1));
  std::size_t question = line.find('?');
  std::string query = question == std::string_view::npos
                          ? ""
                          : queryText(node.substitute(line.substr(question + 1)));
  std::vector<std::string> words = splitSpaces(line.substr(0, question));

  std::size_t route = 0;
  bool anonymous = false;
  bool tokenInQuery = false;
  bool r0 = false;
  if (!words.empty()) {
    for (char c : words.front()) {
      if (c >= '0' && c <= '9') route = (route * 10 + static_cast<std::size_t>(c - '0')) % 100000;
      anonymous |= c == 'a';
      tokenInQuery |= c == 'q';
      r0 |= c == 'r';
    }
    words.erase(words.begin());
  }
  for (std::string& word : words) word = node.substitute(word);
  auto routes = clientRouteTemplates();
  const RouteTemplate& chosen = routes[route % routes.size()];
  std::string target =
      expandPattern(chosen.pattern, r0 ? "r0" : "v3", words, node.session(), serial);

  const std::string& token = node.session().accessToken;
  if (!anonymous && tokenInQuery) query += (query.empty() ? "" : "&") + ("access_token=" + token);
  if (!query.empty()) target += "?" + query;
  std::string out;
  out.append(chosen.method).append(" ").append(target).append(" HTTP/1.1\r\nHost: localhost\r\n");
  if (!anonymous && !tokenInQuery)
    out.append("Authorization: Bearer ").append(token).append("\r\n");
  out.append("Content-Type: application/json\r\nContent-Length: ");
  out.append(std::to_string(body.size())).append("\r\n\r\n").append(body);
  return out;
}

}  // namespace
}  // namespace plexus::node::fuzz

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  (void)plexus::node::fuzz::FuzzNode::instance();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace plexus::node::fuzz;
  static std::uint64_t serial = 0;
  FuzzNode& node = FuzzNode::instance();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  ++serial;
  if (!input.empty() && input.front() == 'R') {
    serveBytes(node, node.substitute(input.substr(1)));
  } else {
    serveBytes(node, structuredRequest(node, input, serial));
  }
  node.inputDone();
  return 0;
}
