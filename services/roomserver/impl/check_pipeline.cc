// CheckPipeline: helper threads and the caller claim events to check in index order.
#include "roomserver/impl/check_pipeline.h"

#include <algorithm>

namespace plexus::roomserver {
namespace {

// Below this many events a thread costs more than it saves.
constexpr std::size_t kMinEventsForHelpers = 4;

}  // namespace

CheckPipeline::CheckPipeline(const EventVerifier& verifier, std::vector<const json::Object*> events,
                             const events::RoomVersion& version, std::string roomId,
                             CheckWorkers* workers)
    : verifier_(verifier),
      events_(std::move(events)),
      version_(version),
      roomId_(std::move(roomId)),
      results_(events_.size()) {
  if (!workers || events_.size() < kMinEventsForHelpers) return;
  std::size_t helpers = std::min<std::size_t>(workers->size(), events_.size() - 1);
  helpersRunning_ = static_cast<int>(helpers);
  for (std::size_t t = 0; t < helpers; ++t) {
    workers->post([this] {
      while (checkNext()) {
      }
      std::lock_guard lock(mutex_);
      --helpersRunning_;
      done_.notify_all();
    });
  }
}

CheckPipeline::~CheckPipeline() {
  // Helpers stop once every event is claimed; claim the rest so they end soon, and wait for the
  // ones still queued or running (they use this object).
  next_.store(events_.size());
  std::unique_lock lock(mutex_);
  done_.wait(lock, [&] { return helpersRunning_ == 0; });
}

bool CheckPipeline::checkNext() {
  std::size_t i = next_.fetch_add(1);
  if (i >= events_.size()) return false;
  auto result = verifier_.check(*events_[i], version_, roomId_);
  std::lock_guard lock(mutex_);
  results_[i].emplace(std::move(result));
  done_.notify_all();
  return true;
}

Result<ReceivedEvent> CheckPipeline::take(std::size_t i) {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (results_[i]) break;
      // Nothing left to claim: a helper has event i and finishes it soon.
      if (next_.load() >= events_.size()) {
        done_.wait(lock, [&] { return results_[i].has_value(); });
        break;
      }
    }
    // Event i, or (while a helper has it) a later one: this thread never idles while any event
    // is left unchecked.
    checkNext();
  }
  std::lock_guard lock(mutex_);
  Result<ReceivedEvent> out = std::move(*results_[i]);
  results_[i].reset();
  return out;
}

}  // namespace plexus::roomserver
