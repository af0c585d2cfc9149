// A mutable JSON document model for Matrix: integers are 64-bit, objects keep their members
// sorted by key bytes (for UTF-8 that is code-point order, the canonical JSON order), and keys
// are unique. Floats exist only for room versions 1-5, which predate canonical integer rules.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace plexus::json {

class Value;
using Array = std::vector<Value>;

enum class Type : std::uint8_t { kNull, kBool, kInt, kFloat, kString, kArray, kObject };

// Largest magnitude a canonical JSON integer may have: 2^53 - 1.
inline constexpr std::int64_t kMaxSafeInteger = (std::int64_t{1} << 53) - 1;

class Object {
 public:
  using Member = std::pair<std::string, Value>;
  using const_iterator = std::vector<Member>::const_iterator;
  using iterator = std::vector<Member>::iterator;

  Object() = default;
  Object(std::initializer_list<Member> members);

  // Builds an object from members in any order. Returns nullopt when a key repeats.
  static std::optional<Object> fromMembers(std::vector<Member> members);

  // Member lookup by key; nullptr when absent. Logarithmic.
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  bool contains(std::string_view key) const { return find(key) != nullptr; }

  // Inserts or replaces.
  void set(std::string key, Value value);
  // Reference to the member, inserted as null when absent.
  Value& operator[](std::string_view key);
  // Removes the member; false when it was absent.
  bool erase(std::string_view key);

  std::size_t size() const;
  bool empty() const;
  const_iterator begin() const;
  const_iterator end() const;
  iterator begin();
  iterator end();
  void reserve(std::size_t n);

  friend bool operator==(const Object& a, const Object& b);

 private:
  std::vector<Member> members_;  // sorted by key bytes, unique keys
};

class Value {
 public:
  Value() = default;
  Value(std::nullptr_t) {}                                         // NOLINT
  Value(bool b) : v_(b) {}                                         // NOLINT
  Value(int i) : v_(static_cast<std::int64_t>(i)) {}               // NOLINT
  Value(std::int64_t i) : v_(i) {}                                 // NOLINT
  Value(double d) : v_(d) {}                                       // NOLINT
  Value(std::string s) : v_(std::move(s)) {}                       // NOLINT
  Value(std::string_view s) : v_(std::string(s)) {}                // NOLINT
  Value(const char* s) : v_(std::string(s)) {}                     // NOLINT
  Value(Array a) : v_(std::move(a)) {}                             // NOLINT
  Value(Object o) : v_(std::move(o)) {}                            // NOLINT

  Type type() const { return static_cast<Type>(v_.index()); }
  bool isNull() const { return type() == Type::kNull; }
  bool isBool() const { return type() == Type::kBool; }
  bool isInt() const { return type() == Type::kInt; }
  bool isFloat() const { return type() == Type::kFloat; }
  bool isString() const { return type() == Type::kString; }
  bool isArray() const { return type() == Type::kArray; }
  bool isObject() const { return type() == Type::kObject; }

  // Typed access: nullptr / nullopt when the value has another type.
  std::optional<bool> getBool() const;
  std::optional<std::int64_t> getInt() const;
  const std::string* getString() const { return std::get_if<std::string>(&v_); }
  const Array* getArray() const { return std::get_if<Array>(&v_); }
  Array* getArray() { return std::get_if<Array>(&v_); }
  const Object* getObject() const { return std::get_if<Object>(&v_); }
  Object* getObject() { return std::get_if<Object>(&v_); }
  std::optional<double> getFloat() const;

  // Member of an object value; nullptr when this is not an object or the key is absent.
  const Value* get(std::string_view key) const;
  // String member of an object value, or nullopt.
  std::optional<std::string_view> getStringAt(std::string_view key) const;

  friend bool operator==(const Value& a, const Value& b) { return a.v_ == b.v_; }

 private:
  std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, Array, Object> v_{nullptr};
};

inline std::optional<bool> Value::getBool() const {
  if (auto* b = std::get_if<bool>(&v_)) return *b;
  return std::nullopt;
}
inline std::optional<std::int64_t> Value::getInt() const {
  if (auto* i = std::get_if<std::int64_t>(&v_)) return *i;
  return std::nullopt;
}
inline std::optional<double> Value::getFloat() const {
  if (auto* d = std::get_if<double>(&v_)) return *d;
  return std::nullopt;
}
inline const Value* Value::get(std::string_view key) const {
  const Object* o = getObject();
  return o ? o->find(key) : nullptr;
}
inline std::optional<std::string_view> Value::getStringAt(std::string_view key) const {
  const Value* v = get(key);
  const std::string* s = v ? v->getString() : nullptr;
  if (!s) return std::nullopt;
  return std::string_view(*s);
}

// Defined here, not in the class, because they need Value to be complete (clang is strict).
inline std::size_t Object::size() const { return members_.size(); }
inline bool Object::empty() const { return members_.empty(); }
inline Object::const_iterator Object::begin() const { return members_.begin(); }
inline Object::const_iterator Object::end() const { return members_.end(); }
inline Object::iterator Object::begin() { return members_.begin(); }
inline Object::iterator Object::end() { return members_.end(); }
inline void Object::reserve(std::size_t n) { members_.reserve(n); }

inline bool operator==(const Object& a, const Object& b) { return a.members_ == b.members_; }

}  // namespace plexus::json
