// Stream tokens: what next_batch / prev_batch / /messages tokens encode. A token names a point
// in sync-api's global stream ("everything at or before `stream` has been seen") plus the
// in-memory typing serial. Written as "s<stream>_<typing>"; opaque to clients.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "plexus/core/result.h"
#include "syncapi/storage/syncapi_store.h"  // kTimelineFloor

namespace plexus::syncapi {

struct StreamToken {
  std::int64_t stream = 0;
  std::int64_t typing = 0;

  std::string toString() const;
  // Accepts "s<n>" and "s<n>_<m>" with non-negative decimal numbers. Errors: kInvalidParam.
  static Result<StreamToken> parse(std::string_view text);
  // The same for /messages tokens, whose <n> may be negative down to kTimelineFloor (history
  // fetched from other servers sits below position 0).
  static Result<StreamToken> parseHistory(std::string_view text);

 private:
  static Result<StreamToken> parseToken(std::string_view text, bool mayBeNegative);
};

}  // namespace plexus::syncapi
