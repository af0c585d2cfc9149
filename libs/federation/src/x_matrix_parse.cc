// Parsing the X-Matrix Authorization header. Grammar (RFC 7235 §2.1, RFC 7230 §3.2.6 and §7):
//   credentials = auth-scheme 1*SP #auth-param
//   auth-param  = token BWS "=" BWS ( token / quoted-string )
//   list        = elements separated by OWS "," OWS; empty elements are allowed
// SPEC: bare values may also contain ':' for compatibility with older servers.
#include <cctype>

#include "plexus/federation/server_name.h"
#include "plexus/federation/x_matrix.h"

namespace plexus::federation {
namespace {

bool isTokenChar(unsigned char c) {
  if (std::isalnum(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

// qdtext and the second byte of a quoted-pair: HTAB, SP, VCHAR and obs-text.
bool isQuotedTextChar(unsigned char c) { return c == '\t' || c == ' ' || (c >= 0x21 && c != 0x7f); }

Unexpected malformed(std::string_view why) {
  return fail(ErrorCode::kInvalidSignature, "malformed X-Matrix header: " + std::string(why));
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool done() const { return i_ >= s_.size(); }
  char peek() const { return s_[i_]; }
  void skipOws() {
    while (!done() && (peek() == ' ' || peek() == '\t')) ++i_;
  }
  std::string_view token(bool allowColon) {
    std::size_t start = i_;
    while (!done() &&
           (isTokenChar(static_cast<unsigned char>(peek())) || (allowColon && peek() == ':'))) {
      ++i_;
    }
    return s_.substr(start, i_ - start);
  }
  Result<std::string> quoted() {
    ++i_;  // opening quote
    std::string out;
    while (!done()) {
      unsigned char c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') return out;
      if (c == '\\') {
        if (done() || !isQuotedTextChar(static_cast<unsigned char>(peek()))) {
          return malformed("bad escape in quoted value");
        }
        out.push_back(s_[i_++]);
      } else if (isQuotedTextChar(c) && c != '\\') {
        out.push_back(static_cast<char>(c));
      } else {
        return malformed("control character in quoted value");
      }
    }
    return malformed("unterminated quoted value");
  }
  std::size_t pos() const { return i_; }
  void advance() { ++i_; }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

Result<XMatrixAuth> parseXMatrix(std::string_view header) {
  Cursor in(header);
  in.skipOws();
  if (lower(in.token(false)) != "x-matrix") return malformed("scheme is not X-Matrix");
  if (in.done() || in.peek() != ' ') return malformed("no space after the scheme");
  std::optional<std::string> origin, destination, key, sig;
  bool sawParam = false;
  while (true) {
    in.skipOws();
    if (in.done()) break;
    if (in.peek() == ',') {  // empty list element
      in.advance();
      continue;
    }
    std::string name = lower(in.token(false));
    if (name.empty()) return malformed("expected a parameter name");
    in.skipOws();
    if (in.done() || in.peek() != '=') return malformed("expected '=' after " + name);
    in.advance();
    in.skipOws();
    std::string value;
    if (!in.done() && in.peek() == '"') {
      PLEXUS_TRY(value, in.quoted());
    } else {
      value = std::string(in.token(true));
      if (value.empty()) return malformed("empty value for " + name);
    }
    in.skipOws();
    if (!in.done() && in.peek() != ',') return malformed("junk after the value of " + name);
    sawParam = true;
    std::optional<std::string>* slot = nullptr;
    if (name == "origin")
      slot = &origin;
    else if (name == "destination")
      slot = &destination;
    else if (name == "key")
      slot = &key;
    else if (name == "sig")
      slot = &sig;
    if (!slot) continue;  // unknown parameters are ignored
    if (*slot) return malformed("repeated parameter " + name);
    *slot = std::move(value);
  }
  if (!sawParam) return malformed("no parameters");
  if (!origin || !key || !sig) return malformed("origin, key and sig are required");
  if (!ServerName::isValid(*origin)) return malformed("origin is not a server name");
  if (destination && !ServerName::isValid(*destination)) {
    return malformed("destination is not a server name");
  }
  std::size_t colon = key->find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == key->size()) {
    return malformed("key is not algorithm:version");
  }
  if (sig->empty()) return malformed("empty signature");
  return XMatrixAuth{std::move(*origin), std::move(destination), std::move(*key), std::move(*sig)};
}

}  // namespace plexus::federation
