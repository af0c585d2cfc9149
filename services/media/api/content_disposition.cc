// Content-Disposition for served media: inline only for the types the spec lists as safe.
#include "media/api/content_disposition.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace plexus::media {
namespace {

// SPEC: content_repo.md "Serving inline content" — the types that may be served inline.
constexpr std::array<std::string_view, 26> kInlineTypes = {
    "text/css",    "text/plain", "text/csv",    "application/json", "application/ld+json",
    "image/jpeg",  "image/gif",  "image/png",   "image/apng",       "image/webp",
    "image/avif",  "video/mp4",  "video/webm",  "video/ogg",        "video/quicktime",
    "audio/mp4",   "audio/webm", "audio/aac",   "audio/mpeg",       "audio/ogg",
    "audio/wave",  "audio/wav",  "audio/x-wav", "audio/x-pn-wav",   "audio/flac",
    "audio/x-flac"};

// The media type without parameters, lower-cased ("Text/Plain; charset=x" -> "text/plain").
std::string essence(std::string_view contentType) {
  std::string out(contentType.substr(0, contentType.find(';')));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool isInlineSafe(std::string_view contentType) {
  std::string e = essence(contentType);
  return std::find(kInlineTypes.begin(), kInlineTypes.end(), e) != kInlineTypes.end();
}

}  // namespace

// RFC 6266 / RFC 8187: a plain quoted filename when it is simple ASCII, else filename*
// with UTF-8 percent-encoding.
std::string contentDisposition(std::string_view contentType, std::string_view fileName) {
  std::string value = isInlineSafe(contentType) ? "inline" : "attachment";
  if (fileName.empty()) return value;
  bool plain = std::all_of(fileName.begin(), fileName.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f && c != '"' && c != '\\' && c != '%';
  });
  if (plain) return value + "; filename=\"" + std::string(fileName) + "\"";
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (char c : fileName) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || std::string_view("!#$&+-.^_`|~").find(c) != std::string_view::npos) {
      encoded.push_back(c);
    } else {
      encoded.push_back('%');
      encoded.push_back(kHex[u >> 4]);
      encoded.push_back(kHex[u & 0xf]);
    }
  }
  return value + "; filename*=utf-8''" + encoded;
}

}  // namespace plexus::media
