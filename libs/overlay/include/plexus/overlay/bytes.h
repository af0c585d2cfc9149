// Byte-level building blocks of every overlay wire format (docs/overlay.md §Wire): a writer
// that appends big-endian integers, varints and length-prefixed fields, and a bounds-checked
// reader whose every call fails softly on short or malformed input, because overlay bytes come
// from untrusted peers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace plexus::overlay {

// Varints are unsigned LEB128 (7 bits per byte, least significant group first, high bit set on
// all but the last byte), at most 10 bytes, and must be minimally encoded.
inline constexpr std::size_t kMaxVarintBytes = 10;

class ByteWriter {
 public:
  ByteWriter() = default;
  explicit ByteWriter(std::size_t reserve) { out_.reserve(reserve); }

  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(std::uint16_t v);
  void u32(std::uint32_t v);
  void u64(std::uint64_t v);
  void varint(std::uint64_t v);
  void raw(std::string_view bytes) { out_.append(bytes); }
  // A varint length followed by the bytes.
  void blob(std::string_view bytes);

  std::size_t size() const { return out_.size(); }
  const std::string& bytes() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// Reads from a view it does not own. After the first failure every later call fails too, so a
// decoder may read a whole structure and check ok() once at the end.
class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}

  std::optional<std::uint8_t> u8();
  std::optional<std::uint16_t> u16();
  std::optional<std::uint32_t> u32();
  std::optional<std::uint64_t> u64();
  std::optional<std::uint64_t> varint();
  // Exactly n bytes.
  std::optional<std::string_view> raw(std::size_t n);
  // A varint length (at most maxLength) followed by that many bytes.
  std::optional<std::string_view> blob(std::size_t maxLength);

  std::size_t remaining() const { return failed_ ? 0 : in_.size() - pos_; }
  std::string_view rest() const { return failed_ ? std::string_view{} : in_.substr(pos_); }
  bool ok() const { return !failed_; }
  // True when nothing failed and every byte was consumed.
  bool done() const { return !failed_ && pos_ == in_.size(); }
  void fail() { failed_ = true; }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace plexus::overlay
