// TransactionCache: one entry per (origin, txnId), completed ones in an LRU list.
#include "federationapi/impl/transaction_cache.h"

namespace plexus::federationapi {

TransactionCache::TransactionCache(std::size_t capacity, std::size_t maxBytes,
                                   std::chrono::milliseconds maxWait)
    : capacity_(capacity == 0 ? 1 : capacity), maxBytes_(maxBytes), maxWait_(maxWait) {}

http::Response TransactionCache::run(const std::string& origin, const std::string& txnId,
                                     const std::function<http::Response()>& work) {
  // Server names cannot hold '\n', so the key is unambiguous.
  std::string key = origin + '\n' + txnId;
  std::shared_ptr<Entry> entry;
  {
    std::unique_lock lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      entry = it->second;
      bool ready = finished_.wait_for(lock, maxWait_, [&] { return entry->done; });
      if (!ready)
        return http::Response::matrixError(503, "M_UNKNOWN", "transaction still in progress");
      // A failed first attempt was dropped from the map: its answer is not remembered.
      return entry->response;
    }
    entry = std::make_shared<Entry>();
    entries_.emplace(key, entry);
  }

  http::Response response;
  try {
    response = work();
  } catch (...) {
    response = http::Response::matrixError(500, "M_UNKNOWN", "internal error");
  }

  std::lock_guard lock(mutex_);
  entry->response = response;
  entry->done = true;
  if (response.status == 200) {
    order_.push_back(key);
    entry->order = std::prev(order_.end());
    bytes_ += response.body.size();
    // The newest answer stays even when it alone is over maxBytes: its repeat is the likely one.
    while (order_.size() > capacity_ || (bytes_ > maxBytes_ && order_.size() > 1)) {
      auto oldest = entries_.find(order_.front());
      if (oldest != entries_.end()) {
        bytes_ -= oldest->second->response.body.size();
        entries_.erase(oldest);
      }
      order_.pop_front();
    }
  } else {
    entries_.erase(key);
  }
  finished_.notify_all();
  return response;
}

std::size_t TransactionCache::size() {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace plexus::federationapi
