// ContentFiles: the media directory. Files are content-addressed by SHA-256
// (<dir>/content/ab/cd/<hex>), so identical uploads share one file, and are written to a
// temporary file that is fsynced and renamed into place: a crash never leaves a partial file
// under a content name. Thread-safe (concurrent writers of the same content race harmlessly:
// rename is atomic and both write the same bytes).
#pragma once

#include <string>
#include <string_view>

#include "plexus/core/result.h"

namespace plexus::media {

class ContentFiles {
 public:
  explicit ContentFiles(std::string rootDir);

  // Stores `bytes` unless a file with that content exists; returns the lower-case hex SHA-256.
  // Errors: kInternal when the directory cannot be written.
  Result<std::string> put(std::string_view bytes);
  // The bytes of a stored file. Errors: kNotFound when missing, kInternal on read errors.
  Result<std::string> read(std::string_view sha256Hex) const;
  // Where a file with this hash lives (whether or not it exists).
  std::string pathOf(std::string_view sha256Hex) const;

 private:
  std::string root_;
};

// Lower-case hex SHA-256 of `bytes`.
std::string sha256Hex(std::string_view bytes);

}  // namespace plexus::media
