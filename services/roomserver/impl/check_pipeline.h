// CheckPipeline: the receipt checks (EventVerifier::check: parse, signatures, content hash) of a
// batch of live events, run ahead on worker threads (CheckWorkers) while the caller processes
// the events in order. The caller takes event i when it needs it; until event i is done, the caller
// checks unclaimed events itself (i, or later ones while a helper has i), so no core idles while
// work is left.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/events/room_version.h"
#include "plexus/json/value.h"
#include "roomserver/impl/check_workers.h"
#include "roomserver/impl/event_checks.h"

namespace plexus::roomserver {

class CheckPipeline {
 public:
  // `events` must outlive the pipeline. Helpers on `workers` start at once (none for small
  // batches or without workers).
  CheckPipeline(const EventVerifier& verifier, std::vector<const json::Object*> events,
                const events::RoomVersion& version, std::string roomId, CheckWorkers* workers);
  ~CheckPipeline();  // waits for its helpers to return
  CheckPipeline(const CheckPipeline&) = delete;
  CheckPipeline& operator=(const CheckPipeline&) = delete;

  // The check result of event `i` (each index taken at most once).
  Result<ReceivedEvent> take(std::size_t i);

 private:
  // Claims the next unchecked event and checks it; false when none is left.
  bool checkNext();

  const EventVerifier& verifier_;
  std::vector<const json::Object*> events_;
  const events::RoomVersion& version_;
  std::string roomId_;
  std::atomic<std::size_t> next_{0};
  std::mutex mutex_;
  std::condition_variable done_;
  std::vector<std::optional<Result<ReceivedEvent>>> results_;  // guarded by mutex_
  int helpersRunning_ = 0;                                     // guarded by mutex_
};

}  // namespace plexus::roomserver
