// Remembers the answers to PUT /send transactions by (origin, txnId), so that a transaction
// the sender retries (it did not see our answer) is not processed twice: the repeat gets the
// first answer, and a repeat that arrives while the first is still running waits for it. Bounded:
// the oldest answers are forgotten first. In memory only (a restart forgets them; the roomserver
// still drops events it already has).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "plexus/http/response.h"

namespace plexus::federationapi {

class TransactionCache {
 public:
  // At most `capacity` answers and `maxBytes` of answer bodies are remembered.
  explicit TransactionCache(std::size_t capacity, std::size_t maxBytes = 16 * 1024 * 1024,
                            std::chrono::milliseconds maxWait = std::chrono::seconds(120));

  // Runs `work` for (origin, txnId) unless it ran before (answer cached) or runs now (waits up
  // to maxWait for its answer; 503 after that). Only 200 answers are remembered, so a failed
  // transaction can be retried. Thread-safe.
  http::Response run(const std::string& origin, const std::string& txnId,
                     const std::function<http::Response()>& work);

  std::size_t size();

 private:
  struct Entry {
    bool done = false;
    http::Response response;
    std::list<std::string>::iterator order;  // position in order_ once done
  };

  std::mutex mutex_;
  std::condition_variable finished_;
  std::map<std::string, std::shared_ptr<Entry>> entries_;
  std::list<std::string> order_;  // completed keys, oldest first
  std::size_t capacity_;
  std::size_t maxBytes_;
  std::size_t bytes_ = 0;  // body bytes of the completed entries
  std::chrono::milliseconds maxWait_;
};

}  // namespace plexus::federationapi
