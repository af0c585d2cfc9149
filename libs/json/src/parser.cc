// Recursive-descent JSON parser. Hand-written rather than a library because Matrix needs rules
// general parsers do not give together: duplicate keys are errors, UTF-8 is validated with lone
// surrogates refused, integers are range-checked per room version, and depth is bounded.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include "plexus/json/parse.h"

namespace plexus::json {
namespace {

// The parser recurses once per nesting level, so a caller-supplied maxDepth is capped to keep
// the stack small even in sanitizer builds. Python's default recursion limit, which bounds what
// Synapse accepts, is of the same order.
constexpr int kDepthCeiling = 1000;

class Parser {
 public:
  Parser(std::string_view text, const ParseOptions& options)
      : begin_(text.data()),
        p_(text.data()),
        end_(text.data() + text.size()),
        options_(options),
        maxDepth_(std::min(options.maxDepth, kDepthCeiling)) {}

  ~Parser() { releaseStacks(); }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  Result<Value> parseDocument() {
    skipWhitespace();
    Value v;
    if (!parseValue(v, 0)) return failure();
    skipWhitespace();
    if (p_ != end_) {
      error_ = "trailing characters after JSON value";
      return failure();
    }
    return v;
  }

 private:
  Unexpected failure() const {
    return fail(ErrorCode::kNotJson,
                error_ + " at offset " + std::to_string(errorAt_ ? errorAt_ - begin_ : p_ - begin_));
  }

  bool setError(const char* message) {
    if (error_.empty()) {
      error_ = message;
      errorAt_ = p_;
    }
    return false;
  }

  void skipWhitespace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool consumeLiteral(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() ||
        std::string_view(p_, word.size()) != word) {
      return setError("invalid literal");
    }
    p_ += word.size();
    return true;
  }

  bool parseValue(Value& out, int depth) {
    if (p_ == end_) return setError("unexpected end of input");
    switch (*p_) {
      case '{': return parseObject(out, depth + 1);
      case '[': return parseArray(out, depth + 1);
      case '"': {
        std::string s;
        if (!parseString(s)) return false;
        out = Value(std::move(s));
        return true;
      }
      case 't':
        if (!consumeLiteral("true")) return false;
        out = Value(true);
        return true;
      case 'f':
        if (!consumeLiteral("false")) return false;
        out = Value(false);
        return true;
      case 'n':
        if (!consumeLiteral("null")) return false;
        out = Value(nullptr);
        return true;
      default:
        if (*p_ == '-' || (*p_ >= '0' && *p_ <= '9')) return parseNumber(out);
        return setError("unexpected character");
    }
  }

  bool parseObject(Value& out, int depth) {
    if (depth > maxDepth_) return setError("nesting too deep");
    ++p_;  // '{'
    const std::size_t base = memberStack_.size();
    skipWhitespace();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      out = Value(Object());
      return true;
    }
    for (;;) {
      skipWhitespace();
      if (p_ == end_ || *p_ != '"') return setError("expected object key");
      std::string key;
      if (!parseString(key)) return false;
      skipWhitespace();
      if (p_ == end_ || *p_ != ':') return setError("expected ':'");
      ++p_;
      skipWhitespace();
      Value v;
      if (!parseValue(v, depth)) return false;
      memberStack_.emplace_back(std::move(key), std::move(v));
      skipWhitespace();
      if (p_ == end_) return setError("unterminated object");
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == '}') {
        ++p_;
        break;
      }
      return setError("expected ',' or '}'");
    }
    auto object = Object::fromMembers(takeFromStack(memberStack_, base));
    if (!object) return setError("duplicate key in object");
    out = Value(std::move(*object));
    return true;
  }

  bool parseArray(Value& out, int depth) {
    if (depth > maxDepth_) return setError("nesting too deep");
    ++p_;  // '['
    const std::size_t base = valueStack_.size();
    skipWhitespace();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      out = Value(Array());
      return true;
    }
    for (;;) {
      skipWhitespace();
      Value v;
      if (!parseValue(v, depth)) return false;
      valueStack_.push_back(std::move(v));
      skipWhitespace();
      if (p_ == end_) return setError("unterminated array");
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == ']') {
        ++p_;
        break;
      }
      return setError("expected ',' or ']'");
    }
    out = Value(takeFromStack(valueStack_, base));
    return true;
  }

  static void appendUtf8(std::uint32_t cp, std::string& out) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  bool parseHex4(std::uint32_t& cp) {
    if (end_ - p_ < 4) return setError("truncated \\u escape");
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      char c = *p_++;
      cp <<= 4;
      if (c >= '0' && c <= '9') cp |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') cp |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') cp |= static_cast<std::uint32_t>(c - 'A' + 10);
      else return setError("invalid hex digit in \\u escape");
    }
    return true;
  }

  bool parseEscape(std::string& out) {
    ++p_;  // '\\'
    if (p_ == end_) return setError("truncated escape");
    char c = *p_++;
    switch (c) {
      case '"': out.push_back('"'); return true;
      case '\\': out.push_back('\\'); return true;
      case '/': out.push_back('/'); return true;
      case 'b': out.push_back('\b'); return true;
      case 'f': out.push_back('\f'); return true;
      case 'n': out.push_back('\n'); return true;
      case 'r': out.push_back('\r'); return true;
      case 't': out.push_back('\t'); return true;
      case 'u': {
        std::uint32_t cp;
        if (!parseHex4(cp)) return false;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return setError("unpaired low surrogate");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (end_ - p_ < 6 || p_[0] != '\\' || p_[1] != 'u') return setError("unpaired high surrogate");
          p_ += 2;
          std::uint32_t low;
          if (!parseHex4(low)) return false;
          if (low < 0xDC00 || low > 0xDFFF) return setError("invalid surrogate pair");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        appendUtf8(cp, out);
        return true;
      }
      default: return setError("invalid escape");
    }
  }

  // Validates one multi-byte UTF-8 sequence starting at p_ and copies it.
  bool copyUtf8Sequence(std::string& out) {
    auto b0 = static_cast<unsigned char>(*p_);
    int len;
    std::uint32_t cp;
    if (b0 >= 0xC2 && b0 <= 0xDF) { len = 2; cp = b0 & 0x1F; }
    else if (b0 >= 0xE0 && b0 <= 0xEF) { len = 3; cp = b0 & 0x0F; }
    else if (b0 >= 0xF0 && b0 <= 0xF4) { len = 4; cp = b0 & 0x07; }
    else return setError("invalid UTF-8");
    if (end_ - p_ < len) return setError("truncated UTF-8");
    for (int i = 1; i < len; ++i) {
      auto b = static_cast<unsigned char>(p_[i]);
      if ((b & 0xC0) != 0x80) return setError("invalid UTF-8");
      cp = (cp << 6) | (b & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return setError("invalid UTF-8");
    }
    out.append(p_, static_cast<std::size_t>(len));
    p_ += len;
    return true;
  }

  bool parseString(std::string& out) {
    ++p_;  // opening quote
    for (;;) {
      const char* run = p_;
      while (p_ != end_) {
        auto c = static_cast<unsigned char>(*p_);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++p_;
      }
      out.append(run, static_cast<std::size_t>(p_ - run));
      if (p_ == end_) return setError("unterminated string");
      auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c == '\\') {
        if (!parseEscape(out)) return false;
      } else if (c < 0x20) {
        return setError("control character in string");
      } else if (!copyUtf8Sequence(out)) {
        return false;
      }
    }
  }

  // For a number text without sign whose value is out of double range: true when its magnitude
  // is above one (it overflowed), false when below (it underflowed). The decimal order of the
  // first non-zero digit plus the exponent decides.
  static bool exceedsOne(const char* digits, const char* end) {
    std::int64_t order = 0;  // decimal order of the first non-zero digit, before the exponent
    bool found = false;
    bool inFraction = false;
    std::int64_t integerDigitsAfterFirst = 0;
    std::int64_t fractionPosition = 0;
    const char* p = digits;
    for (; p != end && *p != 'e' && *p != 'E'; ++p) {
      if (*p == '.') {
        inFraction = true;
        continue;
      }
      if (inFraction) ++fractionPosition;
      if (!found && *p != '0') {
        found = true;
        order = inFraction ? -fractionPosition : 0;
        continue;
      }
      if (found && !inFraction) ++integerDigitsAfterFirst;
    }
    if (!found) return false;
    order += integerDigitsAfterFirst;
    std::int64_t exponent = 0;
    if (p != end) {
      ++p;  // 'e'
      bool negativeExponent = false;
      if (*p == '+' || *p == '-') negativeExponent = *p++ == '-';
      for (; p != end; ++p) {
        if (exponent < 1'000'000'000) exponent = exponent * 10 + (*p - '0');  // saturate
      }
      if (negativeExponent) exponent = -exponent;
    }
    return order + exponent > 0;
  }

  bool parseNumber(Value& out) {
    const char* start = p_;
    bool negative = false;
    if (*p_ == '-') {
      negative = true;
      ++p_;
    }
    if (p_ == end_ || *p_ < '0' || *p_ > '9') return setError("invalid number");
    if (*p_ == '0' && p_ + 1 != end_ && p_[1] >= '0' && p_[1] <= '9') {
      return setError("leading zero in number");
    }
    const char* digits = p_;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    const char* digitsEnd = p_;
    bool isFloat = false;
    if (p_ != end_ && *p_ == '.') {
      isFloat = true;
      ++p_;
      if (p_ == end_ || *p_ < '0' || *p_ > '9') return setError("invalid fraction");
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      isFloat = true;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || *p_ < '0' || *p_ > '9') return setError("invalid exponent");
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }

    if (!isFloat) {
      std::uint64_t magnitude = 0;
      bool overflow = digitsEnd - digits > 19;
      if (!overflow) {
        auto [ptr, ec] = std::from_chars(digits, digitsEnd, magnitude);
        overflow = ec != std::errc() || magnitude > static_cast<std::uint64_t>(INT64_MAX);
      }
      if (!overflow) {
        auto i = static_cast<std::int64_t>(magnitude);
        if (negative) i = -i;
        if (options_.strictIntegers && (i > kMaxSafeInteger || i < -kMaxSafeInteger)) {
          p_ = start;
          return setError("integer out of canonical range");
        }
        out = Value(i);
        return true;
      }
      if (options_.strictIntegers) {
        p_ = start;
        return setError("integer out of canonical range");
      }
    } else if (options_.strictIntegers) {
      p_ = start;
      return setError("floats are not allowed");
    }
    double d = 0;
    auto [ptr, ec] = std::from_chars(start, p_, d);
    if (ptr != p_ || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
      return setError("invalid number");
    }
    if (ec == std::errc::result_out_of_range) {
      // from_chars leaves d untouched here. Overflow has no JSON encoding (it would be written
      // as null), so it is an error; underflow is the nearest double, zero.
      if (exceedsOne(digits, p_)) {
        p_ = start;
        return setError("number out of range");
      }
      d = negative ? -0.0 : 0.0;
    }
    if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) <= static_cast<double>(kMaxSafeInteger)) {
      out = Value(static_cast<std::int64_t>(d));  // also turns -0 into 0
    } else {
      out = Value(d);
    }
    return true;
  }

  // Members and elements are collected on stacks shared by all nesting levels, then moved into
  // an exactly sized vector: no growth reallocations, no slack capacity kept in the document.
  template <typename T>
  static std::vector<T> takeFromStack(std::vector<T>& stack, std::size_t base) {
    std::vector<T> items;
    items.reserve(stack.size() - base);
    for (std::size_t i = base; i < stack.size(); ++i) items.push_back(std::move(stack[i]));
    stack.erase(stack.begin() + static_cast<std::ptrdiff_t>(base), stack.end());
    return items;
  }

  struct Stacks {
    std::vector<Object::Member> members;
    std::vector<Value> values;
  };
  // Per thread, so their capacity is reused across the many small documents of an ingest.
  static Stacks& threadStacks() {
    thread_local Stacks stacks;
    return stacks;
  }
  // Leaves the stacks empty, and small after an unusually large document.
  void releaseStacks() {
    constexpr std::size_t kKeepCapacity = 1024;
    memberStack_.clear();
    valueStack_.clear();
    if (memberStack_.capacity() > kKeepCapacity) memberStack_.shrink_to_fit();
    if (valueStack_.capacity() > kKeepCapacity) valueStack_.shrink_to_fit();
  }

  std::vector<Object::Member>& memberStack_ = threadStacks().members;
  std::vector<Value>& valueStack_ = threadStacks().values;
  const char* begin_;
  const char* p_;
  const char* end_;
  const ParseOptions& options_;
  int maxDepth_;
  std::string error_;
  const char* errorAt_ = nullptr;
};

}  // namespace

Result<Value> parse(std::string_view text, const ParseOptions& options) {
  return Parser(text, options).parseDocument();
}

Result<Object> parseObject(std::string_view text, const ParseOptions& options) {
  PLEXUS_TRY(Value v, parse(text, options));
  Object* o = v.getObject();
  if (!o) return fail(ErrorCode::kBadJson, "expected a JSON object");
  return std::move(*o);
}

}  // namespace plexus::json
