// Canonical JSON encoding. Objects are already in key order, so encoding is one walk.
#include "plexus/json/canonical.h"

#include <charconv>
#include <cmath>
#include <string>

namespace plexus::json {
namespace {

void writeInt(std::int64_t i, std::string& out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, i);
  out.append(buf, end);
}

// Floats only occur in room versions 1-5. They are written exactly like Python's repr (the
// shortest round-trip digits; scientific notation when the decimal exponent is below -4 or at
// least 16, with a two-digit minimum exponent), because the servers that created such events
// hashed and signed that text.
void writeFloat(double d, std::string& out) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buf[40];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(end - buf));  // "-d.ddde+XX"
  std::size_t ePos = sci.find('e');
  std::string_view mantissa = sci.substr(0, ePos);
  int exponent = 0;
  std::from_chars(sci.data() + ePos + 1 + (sci[ePos + 1] == '+'), sci.data() + sci.size(), exponent);

  if (!mantissa.empty() && mantissa[0] == '-') {
    out.push_back('-');
    mantissa.remove_prefix(1);
  }
  std::string digits;  // significant digits without the point
  for (char c : mantissa) {
    if (c != '.') digits.push_back(c);
  }

  if (exponent < -4 || exponent >= 16) {
    out.push_back(digits[0]);
    if (digits.size() > 1) {
      out.push_back('.');
      out.append(digits, 1);
    }
    out.push_back('e');
    out.push_back(exponent < 0 ? '-' : '+');
    int magnitude = exponent < 0 ? -exponent : exponent;
    if (magnitude < 10) out.push_back('0');
    out += std::to_string(magnitude);
    return;
  }
  if (exponent < 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-exponent - 1), '0');
    out += digits;
    return;
  }
  auto integerDigits = static_cast<std::size_t>(exponent) + 1;
  if (digits.size() <= integerDigits) {
    out += digits;
    out.append(integerDigits - digits.size(), '0');
    out += ".0";
  } else {
    out.append(digits, 0, integerDigits);
    out.push_back('.');
    out.append(digits, integerDigits);
  }
}

void writeValue(const Value& v, std::string& out);

// Writes `o` without the top-level keys in `skipped`.
void writeObjectBody(const Object& o, std::string& out,
                     std::initializer_list<std::string_view> skipped = {}) {
  out.push_back('{');
  bool first = true;
  for (const auto& [key, value] : o) {
    bool skip = false;
    for (std::string_view k : skipped) skip = skip || key == k;
    if (skip) continue;
    if (!first) out.push_back(',');
    first = false;
    writeString(key, out);
    out.push_back(':');
    writeValue(value, out);
  }
  out.push_back('}');
}

void writeValue(const Value& v, std::string& out) {
  switch (v.type()) {
    case Type::kNull: out += "null"; break;
    case Type::kBool: out += *v.getBool() ? "true" : "false"; break;
    case Type::kInt: writeInt(*v.getInt(), out); break;
    case Type::kFloat: writeFloat(*v.getFloat(), out); break;
    case Type::kString: writeString(*v.getString(), out); break;
    case Type::kArray: {
      out.push_back('[');
      bool first = true;
      for (const Value& e : *v.getArray()) {
        if (!first) out.push_back(',');
        first = false;
        writeValue(e, out);
      }
      out.push_back(']');
      break;
    }
    case Type::kObject: writeObjectBody(*v.getObject(), out); break;
  }
}

}  // namespace

void writeString(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + start, i - start);
    start = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(esc, 6);
      }
    }
  }
  out.append(s.data() + start, s.size() - start);
  out.push_back('"');
}

void writeCanonical(const Value& value, std::string& out) { writeValue(value, out); }
void writeCanonical(const Object& object, std::string& out) { writeObjectBody(object, out); }

std::string canonical(const Value& value) {
  std::string out;
  writeValue(value, out);
  return out;
}

std::string canonical(const Object& object) {
  std::string out;
  writeObjectBody(object, out);
  return out;
}

std::string canonicalWithout(const Object& object, std::initializer_list<std::string_view> skipped) {
  std::string out;
  writeObjectBody(object, out, skipped);
  return out;
}

Result<std::string> canonicalize(std::string_view text, const ParseOptions& options) {
  PLEXUS_TRY(Value v, parse(text, options));
  return canonical(v);
}

}  // namespace plexus::json
