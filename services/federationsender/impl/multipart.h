// A small parser for multipart/mixed bodies (RFC 2046 §5.1), enough for the federation media
// answers (SPEC: server-server-api "Content Repository": a JSON metadata part, then the
// content or a `Location` header), plus the Content-Disposition file name (RFC 6266/8187).
// Pure functions over string views; bodies are never copied.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plexus/core/result.h"

namespace plexus::federationsender {

struct MultipartPart {
  std::vector<std::pair<std::string, std::string>> headers;  // names as sent, values trimmed
  std::string_view body;                                     // a view into the parsed body

  // The first header named `name` (case-insensitive).
  std::optional<std::string_view> header(std::string_view name) const;
};

// The boundary of a `multipart/mixed; boundary=...` Content-Type (quoted or not).
// Errors: kBadJson for another media type or a missing / invalid boundary.
Result<std::string> multipartMixedBoundary(std::string_view contentType);

// Splits `body` at `boundary`. The preamble before the first delimiter and the epilogue after
// the closing one are ignored; lines end in CRLF (a bare LF is accepted). Errors: kBadJson when
// the first delimiter, a part's header block or the closing delimiter is missing, a header
// line is malformed, or there are more than `maxParts` parts.
Result<std::vector<MultipartPart>> parseMultipart(std::string_view body, std::string_view boundary,
                                                  std::size_t maxParts = 8);

// The file name of a Content-Disposition value: `filename*=utf-8''<percent-encoded>` wins over
// `filename="..."` / `filename=token`. nullopt when there is none or it cannot be decoded.
std::optional<std::string> dispositionFileName(std::string_view disposition);

// Case-insensitive ASCII comparison of header names and tokens.
bool equalsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace plexus::federationsender
