// The rows a query returned, fully materialised, with typed column access that reports a type
// mismatch or an out-of-range column as an Error instead of crashing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/storage/value.h"

namespace plexus::storage {

class Rows;

// One row of a Rows; valid while the Rows it came from is alive.
class Row {
 public:
  Row(const Rows& rows, std::size_t index) : rows_(&rows), index_(index) {}

  std::size_t size() const;
  // The cell, or NULL when col is out of range.
  const Value& at(std::size_t col) const;
  bool isNull(std::size_t col) const { return at(col).isNull(); }

  // Integer column. Text that is exactly a decimal integer is accepted too, because PostgreSQL
  // returns SUM(bigint) as numeric. NULL, blobs and other text are errors.
  Result<std::int64_t> int64(std::size_t col) const;
  // Text column (a blob is returned as its bytes). NULL is an error.
  Result<std::string> text(std::size_t col) const;
  // Blob column (text is returned as its bytes). NULL is an error.
  Result<std::string> blob(std::size_t col) const;
  // Nullable variants: nullopt for NULL, an error for a type mismatch.
  Result<std::optional<std::int64_t>> optionalInt64(std::size_t col) const;
  Result<std::optional<std::string>> optionalText(std::size_t col) const;

 private:
  Result<void> checkColumn(std::size_t col) const;

  const Rows* rows_;
  std::size_t index_;
};

class Rows {
 public:
  Rows() = default;
  explicit Rows(std::vector<std::string> columns) : columns_(std::move(columns)) {}

  std::size_t size() const { return columns_.empty() ? 0 : cells_.size() / columns_.size(); }
  bool empty() const { return size() == 0; }
  std::size_t columnCount() const { return columns_.size(); }
  const std::string& columnName(std::size_t col) const { return columns_.at(col); }
  std::optional<std::size_t> columnIndex(std::string_view name) const;

  Row operator[](std::size_t row) const { return Row(*this, row); }
  Row front() const { return Row(*this, 0); }

  class Iterator {
   public:
    Iterator(const Rows& rows, std::size_t i) : rows_(&rows), i_(i) {}
    Row operator*() const { return Row(*rows_, i_); }
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const Iterator& o) const { return i_ == o.i_; }

   private:
    const Rows* rows_;
    std::size_t i_;
  };
  Iterator begin() const { return Iterator(*this, 0); }
  Iterator end() const { return Iterator(*this, size()); }

  // For backends: append one cell; a row is complete after columnCount() cells.
  void append(Value v) { cells_.push_back(std::move(v)); }

 private:
  friend class Row;
  std::vector<std::string> columns_;
  std::vector<Value> cells_;  // row-major
};

}  // namespace plexus::storage
