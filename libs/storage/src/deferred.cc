// executeDeferred(): queue on executors that can (deferring_executor.h), else run at once.
#include "plexus/storage/deferred.h"

#include "deferring_executor.h"

namespace plexus::storage {

Status executeDeferred(Executor& ex, std::string_view sql, const Params& params) {
  if (auto* deferring = dynamic_cast<detail::DeferringExecutor*>(&ex)) {
    return deferring->defer(sql, params);
  }
  PLEXUS_TRY_VOID(ex.execute(sql, params));
  return {};
}

}  // namespace plexus::storage
