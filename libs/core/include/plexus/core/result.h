// Result<T>: a value or an Error, in the spirit of std::expected (not in GCC 12's library).
// Libraries and service interfaces return it instead of throwing.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "plexus/core/error.h"

namespace plexus {

// Wraps an Error so that `return Unexpected{err};` converts to any Result<T>.
struct Unexpected {
  Error error;
};

inline Unexpected fail(ErrorCode code, std::string message) {
  return Unexpected{Error{code, std::move(message), std::nullopt}};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Unexpected u) : v_(std::in_place_index<1>, std::move(u.error)) {}  // NOLINT
  Result(Error e) : v_(std::in_place_index<1>, std::move(e)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }
  Error&& takeError() && { assert(!ok()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected u) : error_(std::move(u.error)), ok_(false) {}  // NOLINT
  Result(Error e) : error_(std::move(e)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }
  Error&& takeError() && { assert(!ok_); return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace plexus

// Propagates an error: `PLEXUS_TRY(auto x, f());` or `PLEXUS_TRY_VOID(g());`.
#define PLEXUS_CONCAT_INNER(a, b) a##b
#define PLEXUS_CONCAT(a, b) PLEXUS_CONCAT_INNER(a, b)
#define PLEXUS_TRY_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                     \
  if (!tmp.ok()) return ::plexus::Unexpected{std::move(tmp).takeError()}; \
  decl = std::move(tmp).value()
#define PLEXUS_TRY(decl, expr) PLEXUS_TRY_IMPL(PLEXUS_CONCAT(plexus_try_, __LINE__), decl, expr)
#define PLEXUS_TRY_VOID(expr)                                                    \
  do {                                                                           \
    auto plexus_try_v = (expr);                                                  \
    if (!plexus_try_v.ok()) return ::plexus::Unexpected{std::move(plexus_try_v).takeError()}; \
  } while (0)
