// Object: a sorted vector of members, so lookups are binary searches and iteration order is
// canonical order.
#include <algorithm>

#include "plexus/json/value.h"

namespace plexus::json {
namespace {

struct KeyLess {
  bool operator()(const Object::Member& m, std::string_view key) const { return m.first < key; }
};

}  // namespace

Object::Object(std::initializer_list<Member> members) {
  for (const Member& m : members) set(m.first, m.second);
}

std::optional<Object> Object::fromMembers(std::vector<Member> members) {
  auto less = [](const Member& a, const Member& b) { return a.first < b.first; };
  if (!std::is_sorted(members.begin(), members.end(), less)) {
    std::sort(members.begin(), members.end(), less);
  }
  for (std::size_t i = 1; i < members.size(); ++i) {
    if (members[i - 1].first == members[i].first) return std::nullopt;
  }
  Object o;
  o.members_ = std::move(members);
  return o;
}

const Value* Object::find(std::string_view key) const {
  auto it = std::lower_bound(members_.begin(), members_.end(), key, KeyLess{});
  if (it == members_.end() || it->first != key) return nullptr;
  return &it->second;
}

Value* Object::find(std::string_view key) {
  auto it = std::lower_bound(members_.begin(), members_.end(), key, KeyLess{});
  if (it == members_.end() || it->first != key) return nullptr;
  return &it->second;
}

void Object::set(std::string key, Value value) {
  auto it = std::lower_bound(members_.begin(), members_.end(), std::string_view(key), KeyLess{});
  if (it != members_.end() && it->first == key) {
    it->second = std::move(value);
  } else {
    members_.emplace(it, std::move(key), std::move(value));
  }
}

Value& Object::operator[](std::string_view key) {
  auto it = std::lower_bound(members_.begin(), members_.end(), key, KeyLess{});
  if (it == members_.end() || it->first != key) {
    it = members_.emplace(it, std::string(key), Value());
  }
  return it->second;
}

bool Object::erase(std::string_view key) {
  auto it = std::lower_bound(members_.begin(), members_.end(), key, KeyLess{});
  if (it == members_.end() || it->first != key) return false;
  members_.erase(it);
  return true;
}

}  // namespace plexus::json
