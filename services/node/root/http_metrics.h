// HttpMetrics: request counts and latencies of one HTTP listener of the node, fed by
// http::ServerOptions::onResponse. Labels are bounded: the listener's name, the endpoint (the
// router's pattern, "unmatched" for 404s), the method (the standard ones, anything else
// "other") and the status class (2xx ...).
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "plexus/core/result.h"
#include "plexus/http/server.h"
#include "plexus/metrics/registry.h"

namespace plexus::node {

class HttpMetrics {
 public:
  // Registers plexus_http_requests_total and plexus_http_request_duration_seconds (shared by
  // every listener) in `registry`, which must outlive the object. Errors: the registry's.
  static Result<std::unique_ptr<HttpMetrics>> create(metrics::Registry& registry,
                                                     std::string listener);

  // Counts one answered request. Thread-safe.
  void record(const http::ResponseRecord& response);
  // For ServerOptions::onResponse; the object must outlive the server.
  std::function<void(const http::ResponseRecord&)> observer();

 private:
  static constexpr std::size_t kMethods = 8;        // 7 standard methods and "other"
  static constexpr std::size_t kStatusClasses = 6;  // 1xx..5xx and "other"

  HttpMetrics() = default;

  // One endpoint's series, made on first use, so a listener shows only what it has seen.
  struct Series {
    std::array<std::array<metrics::Counter, kStatusClasses>, kMethods> counters;
    metrics::Histogram duration;
  };

  std::string listener_;
  metrics::CounterFamily requests_;
  metrics::HistogramFamily durations_;
  std::mutex mutex_;
  std::map<std::string, Series, std::less<>> byRoute_;
};

}  // namespace plexus::node
