// The Content-Disposition header (or multipart part header) for served media, shared by the
// client downloads and the federation media routes. SPEC: content_repo.md "Serving inline
// content": only the listed types are `inline`, everything else is an `attachment`; the file
// name per RFC 6266 / RFC 8187.
#pragma once

#include <string>
#include <string_view>

namespace plexus::media {

std::string contentDisposition(std::string_view contentType, std::string_view fileName);

}  // namespace plexus::media
