// A value bound to a statement parameter or read from a result column: NULL, a 64-bit integer,
// UTF-8 text or a blob of arbitrary bytes (NULs included). The two backends map these four
// kinds onto their own types (SQLite storage classes; PostgreSQL int2/4/8, bool, bytea, text).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plexus::storage {

class Value {
 public:
  enum class Type : std::uint8_t { kNull, kInt64, kText, kBlob };

  Value() = default;        // NULL
  Value(std::nullptr_t) {}  // NOLINT: implicit so parameter lists read naturally

  // Any integer that fits in int64 (bool excluded: it converts too eagerly from pointers).
  template <std::integral T>
  requires(!std::same_as<T, bool> && (std::signed_integral<T> || sizeof(T) < 8)) Value(T v)
      : type_(Type::kInt64), int_(static_cast<std::int64_t>(v)) {}  // NOLINT

  Value(std::string text) : type_(Type::kText), bytes_(std::move(text)) {}  // NOLINT
  Value(std::string_view text) : type_(Type::kText), bytes_(text) {}        // NOLINT
  Value(const char* text) : type_(Type::kText), bytes_(text) {}             // NOLINT

  // NULL when empty, the value otherwise.
  template <typename T>
  Value(const std::optional<T>& v) : Value(v ? Value(*v) : Value()) {}  // NOLINT

  static Value blob(std::string_view bytes) {
    Value v;
    v.type_ = Type::kBlob;
    v.bytes_ = std::string(bytes);
    return v;
  }
  static Value blob(const std::vector<std::uint8_t>& bytes) {
    return blob(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }

  Type type() const { return type_; }
  bool isNull() const { return type_ == Type::kNull; }
  // Raw accessors: meaningful only for the matching type (0 / empty otherwise).
  std::int64_t int64() const { return int_; }
  const std::string& bytes() const { return bytes_; }

  friend bool operator==(const Value&, const Value&) = default;

 private:
  Type type_ = Type::kNull;
  std::int64_t int_ = 0;
  std::string bytes_;
};

// Statement parameters: element i binds to placeholder $<i+1>.
using Params = std::vector<Value>;

}  // namespace plexus::storage
