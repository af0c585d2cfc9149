// How the storage layer marks a unique-constraint violation inside a plexus::Error, so that
// callers can make inserts idempotent (treat "already there" as success) without parsing
// backend messages themselves.
//
// NOTE: libs/core's ErrorCode has no "conflict / already exists" code yet, so a violation is
// ErrorCode::kInvalidParam whose message starts with kUniqueViolationPrefix. When core gains
// a dedicated code only uniqueViolationError() and isUniqueViolation() change.
#pragma once

#include <string>
#include <string_view>

#include "plexus/core/result.h"

namespace plexus::storage {

inline constexpr std::string_view kUniqueViolationPrefix = "storage: unique violation: ";

Error uniqueViolationError(std::string_view detail);
bool isUniqueViolation(const Error& error);

template <typename T>
bool isUniqueViolation(const Result<T>& result) {
  return !result.ok() && isUniqueViolation(result.error());
}

}  // namespace plexus::storage
