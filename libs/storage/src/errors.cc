// Marks and recognises unique-constraint violations (see errors.h for why a prefix).
#include "plexus/storage/errors.h"

namespace plexus::storage {

Error uniqueViolationError(std::string_view detail) {
  return makeError(ErrorCode::kInvalidParam,
                   std::string(kUniqueViolationPrefix) + std::string(detail));
}

bool isUniqueViolation(const Error& error) {
  return error.code == ErrorCode::kInvalidParam &&
         std::string_view(error.message).starts_with(kUniqueViolationPrefix);
}

}  // namespace plexus::storage
