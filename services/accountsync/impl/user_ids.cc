// User ID grammar checks for registration and login.
#include "accountsync/impl/user_ids.h"

#include <algorithm>

namespace plexus::accountsync {
namespace {

constexpr std::size_t kMaxUserIdLength = 255;

bool isLocalpartChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '=' ||
         c == '-' || c == '/' || c == '+';
}

}  // namespace

Status validateNewLocalpart(std::string_view localpart, std::string_view serverName, bool guest) {
  if (localpart.empty()) return fail(ErrorCode::kInvalidUsername, "username is empty");
  if (!std::all_of(localpart.begin(), localpart.end(), isLocalpartChar)) {
    return fail(ErrorCode::kInvalidUsername,
                "username may only contain a-z, 0-9, '.', '_', '=', '-', '/' and '+'");
  }
  // SPEC: "The length of a user ID, including the @ sigil and the domain, MUST NOT exceed
  // 255 characters."
  if (localpart.size() + serverName.size() + 2 > kMaxUserIdLength) {
    return fail(ErrorCode::kInvalidUsername, "user ID would be longer than 255 characters");
  }
  bool numeric =
      std::all_of(localpart.begin(), localpart.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (numeric && !guest) {
    return fail(ErrorCode::kInvalidUsername, "numeric usernames are reserved for guests");
  }
  return {};
}

std::string lowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<std::string> localpartOf(std::string_view userId, std::string_view serverName) {
  if (userId.size() < 3 || userId.front() != '@') return std::nullopt;
  auto colon = userId.find(':');
  if (colon == std::string_view::npos || colon == 1) return std::nullopt;
  if (userId.substr(colon + 1) != serverName) return std::nullopt;
  return std::string(userId.substr(1, colon - 1));
}

}  // namespace plexus::accountsync
