// Signed outbound Server-Server requests: X-Matrix over the canonical JSON body, then the
// remote answer as JSON or as an Error that keeps the remote errcode and message.
#include "plexus/federation/federation_requester.h"

#include <charconv>
#include <map>

#include "plexus/federation/x_matrix.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::federation {
namespace {

// errcode -> ErrorCode for every code of the core error table. Codes sharing an errcode keep
// the first in declaration order (M_FORBIDDEN -> kForbidden, not kInvalidSignature; M_UNKNOWN ->
// kUnknown). The table answers its first row for indexes past its end, which marks the end.
const std::map<std::string, ErrorCode, std::less<>>& errcodeTable() {
  static const auto table = [] {
    std::map<std::string, ErrorCode, std::less<>> out;
    const ErrorCodeInfo* first = &errorCodeInfo(ErrorCode::kUnknown);
    for (int i = 0; i < 256; ++i) {
      auto code = static_cast<ErrorCode>(i);
      const ErrorCodeInfo& info = errorCodeInfo(code);
      if (i > 0 && &info == first) break;
      out.emplace(std::string(info.errcode), code);
    }
    return out;
  }();
  return table;
}

bool isHeader(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Retry-After in seconds (the HTTP-date form is ignored).
std::optional<std::int64_t> retryAfterHeaderMs(const OutboundResponse& response) {
  for (const auto& [name, value] : response.headers) {
    if (!isHeader(name, "Retry-After")) continue;
    std::int64_t seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc() && end == value.data() + value.size() && seconds >= 0 &&
        seconds < 365LL * 24 * 3600)
      return seconds * 1000;
  }
  return std::nullopt;
}

// The Error for a non-2xx answer from `destination`.
Error remoteError(std::string_view destination, const OutboundResponse& response) {
  const int status = response.status;
  std::optional<std::string> errcode;
  std::optional<std::string> message;
  std::optional<std::int64_t> retryAfterMs;
  json::ParseOptions lenient;
  lenient.strictIntegers = false;
  if (auto body = json::parseObject(response.body, lenient)) {
    if (auto v = body->find("errcode"); v && v->getString()) errcode = *v->getString();
    if (auto v = body->find("error"); v && v->getString()) message = *v->getString();
    if (auto v = body->find("retry_after_ms"); v && v->getInt() && *v->getInt() >= 0)
      retryAfterMs = *v->getInt();
  }
  if (!retryAfterMs) retryAfterMs = retryAfterHeaderMs(response);

  const std::string where = std::string(destination) + ": HTTP " + std::to_string(status);
  Error error;
  error.retryAfterMs = retryAfterMs;
  if (status == 429 || status >= 500) {
    // Overloaded or broken: the caller backs off and retries, whatever the errcode says.
    error.code = ErrorCode::kUnavailable;
    error.message = message.value_or(errcode.value_or(where));
    return error;
  }
  if (errcode) {
    const auto& table = errcodeTable();
    auto it = table.find(*errcode);
    if (it != table.end()) {
      error.code = it->second;
      error.message = message ? *message : where;
    } else {
      error.code = ErrorCode::kUnknown;
      error.message = *errcode + ": " + (message ? *message : where);
    }
    return error;
  }
  // No Matrix error body: a server (or a proxy in front of it) that does not know the endpoint.
  error.code = (status == 404 || status == 405) ? ErrorCode::kUnrecognized : ErrorCode::kUnknown;
  error.message = where;
  return error;
}

}  // namespace

FederationRequester::FederationRequester(FederationTransport& transport, std::string ourServerName,
                                         RequestSigningKeySource signingKey)
    : transport_(transport),
      ourServerName_(std::move(ourServerName)),
      signingKey_(std::move(signingKey)) {}

Result<json::Value> FederationRequester::request(std::string_view destination,
                                                 std::string_view method, std::string_view uri,
                                                 const json::Value* body, std::int64_t timeoutMs) {
  const RequestSigningKey key = signingKey_();
  const XMatrixAuth auth =
      signRequest(ourServerName_, destination, key.keyId, key.key, method, uri, body);

  OutboundRequest out;
  out.method = std::string(method);
  out.uri = std::string(uri);
  out.timeoutMs = timeoutMs;
  out.headers.emplace_back("Authorization", formatXMatrix(auth));
  if (body) {
    // The receiver verifies the signature over the JSON it parses, so any encoding would do;
    // canonical JSON is compact and what the signature covered.
    out.body = json::canonical(*body);
    out.headers.emplace_back("Content-Type", "application/json");
  }

  auto response = transport_.send(destination, out);
  if (!response) {
    Error error = std::move(response).takeError();
    error.code = ErrorCode::kUnavailable;
    return Unexpected{std::move(error)};
  }
  if (response->status < 200 || response->status > 299)
    return Unexpected{remoteError(destination, *response)};

  // Remote events of old room versions may hold numbers outside the strict integer range; the
  // caller checks what it needs.
  json::ParseOptions lenient;
  lenient.strictIntegers = false;
  auto parsed = json::parse(response->body, lenient);
  if (!parsed)
    return fail(ErrorCode::kNotJson,
                std::string(destination) + " answered " + std::to_string(response->status) +
                    " with a body that is not JSON: " + parsed.error().message);
  return std::move(*parsed);
}

Result<OutboundResponse> FederationRequester::requestRaw(std::string_view destination,
                                                         std::string_view method,
                                                         std::string_view uri,
                                                         std::int64_t timeoutMs,
                                                         const RawOptions& options) {
  OutboundRequest out;
  out.method = std::string(method);
  out.uri = std::string(uri);
  out.timeoutMs = timeoutMs;
  out.maxResponseBytes = options.maxResponseBytes;
  if (options.sign) {
    const RequestSigningKey key = signingKey_();
    const XMatrixAuth auth =
        signRequest(ourServerName_, destination, key.keyId, key.key, method, uri, nullptr);
    out.headers.emplace_back("Authorization", formatXMatrix(auth));
  }
  auto response = transport_.send(destination, out);
  if (!response) {
    Error error = std::move(response).takeError();
    error.code = ErrorCode::kUnavailable;
    return Unexpected{std::move(error)};
  }
  if (response->status < 200 || response->status > 299)
    return Unexpected{remoteError(destination, *response)};
  return std::move(*response);
}

std::string encodeUriComponent(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

}  // namespace plexus::federation
