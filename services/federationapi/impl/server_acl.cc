// Evaluation of m.room.server_acl content against a server name.
#include "federationapi/impl/server_acl.h"

#include <cstddef>
#include <vector>

#include "plexus/federation/server_name.h"

namespace plexus::federationapi {

bool globMatches(std::string_view pattern, std::string_view text) {
  // Iterative matcher with one backtrack point (the last '*'): linear in practice, never
  // exponential on hostile patterns.
  std::size_t p = 0, t = 0;
  std::size_t star = std::string_view::npos, starText = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      starText = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++starText;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

namespace {

bool anyMatches(const json::Object& content, std::string_view key, std::string_view host) {
  const json::Value* list = content.find(key);
  const json::Array* array = list ? list->getArray() : nullptr;
  if (!array) return false;
  for (const auto& entry : *array) {
    const std::string* pattern = entry.getString();
    if (pattern && globMatches(*pattern, host)) return true;
  }
  return false;
}

}  // namespace

bool serverAllowedByAcl(const json::Object& content, std::string_view serverName) {
  auto parsed = federation::ServerName::parse(serverName);
  if (!parsed) return false;
  const json::Value* ipLiterals = content.find("allow_ip_literals");
  bool allowIp = !(ipLiterals && ipLiterals->getBool() == false);
  if (parsed->isIpLiteral() && !allowIp) return false;
  std::string_view host = parsed->hostLiteral();
  if (anyMatches(content, "deny", host)) return false;
  return anyMatches(content, "allow", host);
}

}  // namespace plexus::federationapi
