// StreamToken text form.
#include "syncapi/impl/tokens.h"

#include <charconv>

namespace plexus::syncapi {
namespace {

bool parseNumber(std::string_view s, std::int64_t& out, bool mayBeNegative = false) {
  if (s.empty() || s.size() > 19) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size() &&
         (out >= 0 || (mayBeNegative && out >= kTimelineFloor));
}

}  // namespace

std::string StreamToken::toString() const {
  std::string out;
  out.reserve(40);
  out.push_back('s');
  out.append(std::to_string(stream));
  out.push_back('_');
  out.append(std::to_string(typing));
  return out;
}

Result<StreamToken> StreamToken::parse(std::string_view text) {
  return parseToken(text, /*mayBeNegative=*/false);
}

Result<StreamToken> StreamToken::parseHistory(std::string_view text) {
  return parseToken(text, /*mayBeNegative=*/true);
}

Result<StreamToken> StreamToken::parseToken(std::string_view text, bool mayBeNegative) {
  if (text.size() < 2 || text[0] != 's') return fail(ErrorCode::kInvalidParam, "bad token");
  text.remove_prefix(1);
  StreamToken t;
  auto underscore = text.find('_');
  if (!parseNumber(text.substr(0, underscore), t.stream, mayBeNegative)) {
    return fail(ErrorCode::kInvalidParam, "bad token");
  }
  if (underscore != std::string_view::npos &&
      !parseNumber(text.substr(underscore + 1), t.typing)) {
    return fail(ErrorCode::kInvalidParam, "bad token");
  }
  return t;
}

}  // namespace plexus::syncapi
