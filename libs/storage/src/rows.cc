// Typed column access for Rows.
#include "plexus/storage/rows.h"

#include <charconv>

namespace plexus::storage {
namespace {

const Value& nullValue() {
  static const Value kNull;
  return kNull;
}

Error typeError(std::size_t col, std::string_view wanted, const Value& v) {
  static constexpr std::string_view kNames[] = {"NULL", "integer", "text", "blob"};
  return makeError(ErrorCode::kInternal, "storage: column " + std::to_string(col) + " is " +
                                             std::string(kNames[static_cast<int>(v.type())]) +
                                             ", not " + std::string(wanted));
}

std::optional<std::int64_t> parseInteger(const std::string& s) {
  std::int64_t out = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return out;
}

}  // namespace

std::size_t Row::size() const { return rows_->columnCount(); }

const Value& Row::at(std::size_t col) const {
  std::size_t n = rows_->columnCount();
  if (col >= n || index_ >= rows_->size()) return nullValue();
  return rows_->cells_[index_ * n + col];
}

Result<void> Row::checkColumn(std::size_t col) const {
  if (index_ >= rows_->size()) {
    return fail(ErrorCode::kInternal, "storage: row " + std::to_string(index_) + " out of range");
  }
  if (col >= rows_->columnCount()) {
    return fail(ErrorCode::kInternal, "storage: column " + std::to_string(col) + " out of range");
  }
  return {};
}

Result<std::optional<std::int64_t>> Row::optionalInt64(std::size_t col) const {
  PLEXUS_TRY_VOID(checkColumn(col));
  const Value& v = at(col);
  switch (v.type()) {
    case Value::Type::kNull:
      return std::optional<std::int64_t>();
    case Value::Type::kInt64:
      return std::optional<std::int64_t>(v.int64());
    case Value::Type::kText:
      if (auto n = parseInteger(v.bytes())) return std::optional<std::int64_t>(*n);
      break;
    case Value::Type::kBlob:
      break;
  }
  return typeError(col, "an integer", v);
}

Result<std::int64_t> Row::int64(std::size_t col) const {
  PLEXUS_TRY(auto v, optionalInt64(col));
  if (!v) return typeError(col, "an integer", at(col));
  return *v;
}

Result<std::optional<std::string>> Row::optionalText(std::size_t col) const {
  PLEXUS_TRY_VOID(checkColumn(col));
  const Value& v = at(col);
  if (v.isNull()) return std::optional<std::string>();
  if (v.type() == Value::Type::kInt64) return typeError(col, "text", v);
  return std::optional<std::string>(v.bytes());
}

Result<std::string> Row::text(std::size_t col) const {
  PLEXUS_TRY(auto v, optionalText(col));
  if (!v) return typeError(col, "text", at(col));
  return std::move(*v);
}

Result<std::string> Row::blob(std::size_t col) const {
  PLEXUS_TRY_VOID(checkColumn(col));
  const Value& v = at(col);
  if (v.type() != Value::Type::kBlob && v.type() != Value::Type::kText) {
    return typeError(col, "a blob", v);
  }
  return v.bytes();
}

std::optional<std::size_t> Rows::columnIndex(std::string_view name) const {
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i] == name) return i;
  }
  return std::nullopt;
}

}  // namespace plexus::storage
