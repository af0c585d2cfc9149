// The private side of executeDeferred(): an Executor that can queue statements (the PostgreSQL
// transaction). Kept out of the public headers so that adding it changed no public class.
#pragma once

#include <string_view>

#include "plexus/core/result.h"
#include "plexus/storage/value.h"

namespace plexus::storage::detail {

class DeferringExecutor {
 public:
  virtual ~DeferringExecutor() = default;
  // Queues the statement; see deferred.h for when it runs and where its error goes.
  virtual Status defer(std::string_view sql, const Params& params) = 0;
};

}  // namespace plexus::storage::detail
