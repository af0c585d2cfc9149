// multipart/mixed splitting and Content-Disposition file names for the federation media
// answers (see multipart.h).
#include "federationsender/impl/multipart.h"

#include <map>

namespace plexus::federationsender {
namespace {

constexpr std::size_t kMaxBoundary = 70;  // RFC 2046 §5.1.1

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string toLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

Unexpected bad(std::string message) {
  return fail(ErrorCode::kBadJson, "multipart answer: " + std::move(message));
}

// `type; name=value; name="quoted \" value"` -> the type (lower case) and the parameters
// (names lower case). Later duplicates do not replace earlier ones.
struct HeaderValue {
  std::string type;
  std::map<std::string, std::string> params;
};
HeaderValue parseParams(std::string_view value) {
  HeaderValue out;
  std::size_t i = value.find(';');
  out.type = toLower(trim(value.substr(0, i)));
  while (i != std::string_view::npos && i < value.size()) {
    ++i;  // past ';'
    std::size_t eq = value.find_first_of("=;", i);
    if (eq == std::string_view::npos || value[eq] == ';') {
      i = eq;
      continue;
    }
    std::string name = toLower(trim(value.substr(i, eq - i)));
    std::size_t v = eq + 1;
    while (v < value.size() && (value[v] == ' ' || value[v] == '\t')) ++v;
    std::string text;
    if (v < value.size() && value[v] == '"') {
      std::size_t k = v + 1;
      for (; k < value.size() && value[k] != '"'; ++k) {
        if (value[k] == '\\' && k + 1 < value.size()) ++k;
        text.push_back(value[k]);
      }
      i = value.find(';', k);
    } else {
      i = value.find(';', v);
      text = std::string(trim(value.substr(v, i == std::string_view::npos ? i : i - v)));
    }
    if (!name.empty()) out.params.emplace(std::move(name), std::move(text));
  }
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// RFC 8187 ext-value: charset'language'percent-encoded. UTF-8 only (the spec's and every
// server's choice); other charsets are ignored.
std::optional<std::string> decodeExtValue(std::string_view ext) {
  std::size_t q1 = ext.find('\'');
  if (q1 == std::string_view::npos) return std::nullopt;
  std::size_t q2 = ext.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return std::nullopt;
  if (toLower(ext.substr(0, q1)) != "utf-8") return std::nullopt;
  std::string out;
  for (std::size_t i = q2 + 1; i < ext.size(); ++i) {
    if (ext[i] != '%') {
      out.push_back(ext[i]);
      continue;
    }
    if (i + 2 >= ext.size()) return std::nullopt;
    int hi = hexValue(ext[i + 1]);
    int lo = hexValue(ext[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

// The end of the line starting at `from` (the index of '\n'), npos when there is none.
std::size_t lineEnd(std::string_view s, std::size_t from) { return s.find('\n', from); }

std::string_view stripCr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::optional<std::string_view> MultipartPart::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (equalsIgnoreCase(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

Result<std::string> multipartMixedBoundary(std::string_view contentType) {
  HeaderValue parsed = parseParams(contentType);
  if (parsed.type != "multipart/mixed") {
    return bad("Content-Type is not multipart/mixed: " + std::string(contentType.substr(0, 100)));
  }
  auto it = parsed.params.find("boundary");
  if (it == parsed.params.end() || it->second.empty() || it->second.size() > kMaxBoundary) {
    return bad("missing or invalid boundary");
  }
  for (char c : it->second) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) return bad("invalid boundary");
  }
  return it->second;
}

Result<std::vector<MultipartPart>> parseMultipart(std::string_view body, std::string_view boundary,
                                                  std::size_t maxParts) {
  if (boundary.empty()) return bad("empty boundary");
  const std::string dash = "--" + std::string(boundary);
  // The first delimiter: at the very start, or at the start of a line after the preamble.
  std::size_t pos = 0;
  if (body.substr(0, dash.size()) != dash) {
    pos = body.find("\n" + dash);
    if (pos == std::string_view::npos) return bad("no delimiter");
    ++pos;
  }
  std::vector<MultipartPart> parts;
  for (;;) {
    std::size_t after = pos + dash.size();
    if (body.substr(after, 2) == "--") return parts;  // the closing delimiter; epilogue ignored
    // Transport padding, then the end of the delimiter line.
    std::size_t eol = lineEnd(body, after);
    if (eol == std::string_view::npos || !trim(stripCr(body.substr(after, eol - after))).empty()) {
      return bad("malformed delimiter line");
    }
    if (parts.size() == maxParts) return bad("too many parts");
    const std::size_t start = eol + 1;
    // The part runs to the line break before the next delimiter.
    std::size_t next = body.find("\n" + dash, start);
    if (next == std::string_view::npos) return bad("no closing delimiter");
    std::size_t end = next;
    if (end > start && body[end - 1] == '\r') --end;
    std::string_view part = body.substr(start, end - start);
    MultipartPart out;
    // Header lines up to the first empty line.
    std::size_t i = 0;
    for (;;) {
      std::size_t nl = part.find('\n', i);
      std::string_view line = stripCr(part.substr(i, nl == std::string_view::npos ? nl : nl - i));
      if (line.empty()) {
        if (nl == std::string_view::npos) {
          // A part that ends right after its headers (no body, no blank line) is malformed,
          // except the entirely empty part.
          if (i != 0 || !part.empty()) return bad("part without a blank line after its headers");
          out.body = {};
        } else {
          out.body = part.substr(nl + 1);
        }
        break;
      }
      if (nl == std::string_view::npos) return bad("part without a blank line after its headers");
      std::size_t colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0) return bad("malformed part header");
      out.headers.emplace_back(std::string(trim(line.substr(0, colon))),
                               std::string(trim(line.substr(colon + 1))));
      if (out.headers.size() > 32) return bad("too many part headers");
      i = nl + 1;
    }
    parts.push_back(std::move(out));
    pos = next + 1;
  }
}

std::optional<std::string> dispositionFileName(std::string_view disposition) {
  HeaderValue parsed = parseParams(disposition);
  if (auto it = parsed.params.find("filename*"); it != parsed.params.end()) {
    if (auto decoded = decodeExtValue(it->second)) return decoded;
  }
  if (auto it = parsed.params.find("filename"); it != parsed.params.end() && !it->second.empty()) {
    return it->second;
  }
  return std::nullopt;
}

}  // namespace plexus::federationsender
