// HttpMetrics: label normalisation and the lazily made request counters.
#include "root/http_metrics.h"

#include <chrono>
#include <string_view>

namespace plexus::node {
namespace {

constexpr std::array<std::string_view, 7> kMethodNames = {"GET",    "HEAD",    "POST", "PUT",
                                                          "DELETE", "OPTIONS", "PATCH"};
constexpr std::array<std::string_view, 6> kStatusClassNames = {"1xx", "2xx", "3xx",
                                                               "4xx", "5xx", "other"};

std::size_t methodIndex(std::string_view method) {
  for (std::size_t i = 0; i < kMethodNames.size(); ++i)
    if (kMethodNames[i] == method) return i;
  return kMethodNames.size();  // "other": clients may send any token
}

std::size_t statusClassIndex(int status) {
  if (status >= 100 && status < 600) return static_cast<std::size_t>(status / 100 - 1);
  return kStatusClassNames.size() - 1;
}

}  // namespace

Result<std::unique_ptr<HttpMetrics>> HttpMetrics::create(metrics::Registry& registry,
                                                         std::string listener) {
  std::unique_ptr<HttpMetrics> m(new HttpMetrics());
  m->listener_ = std::move(listener);
  PLEXUS_TRY(m->requests_, registry.registerCounter(
                               "plexus_http_requests_total",
                               "HTTP requests answered, by listener, method and status class."));
  PLEXUS_TRY(auto durations,
             registry.registerHistogram("plexus_http_request_duration_seconds",
                                        "Time from a complete HTTP request to its response being "
                                        "ready (long-polls included), by listener."));
  PLEXUS_TRY(m->duration_, durations.add({{"listener", m->listener_}}));
  return m;
}

void HttpMetrics::record(const http::ResponseRecord& response) {
  duration_.observe(std::chrono::duration<double>(response.elapsed).count());
  const std::size_t method = methodIndex(response.method);
  const std::size_t status = statusClassIndex(response.status);
  metrics::Counter counter;
  {
    std::lock_guard lock(mutex_);
    metrics::Counter& slot = counters_[method][status];
    if (!slot) {
      auto added = requests_.add(
          {{"listener", listener_},
           {"method", method < kMethodNames.size() ? std::string(kMethodNames[method]) : "other"},
           {"status_class", std::string(kStatusClassNames[status])}});
      if (added.ok()) slot = *added;
    }
    counter = slot;
  }
  counter.inc();
}

std::function<void(const http::ResponseRecord&)> HttpMetrics::observer() {
  return [this](const http::ResponseRecord& response) { record(response); };
}

}  // namespace plexus::node
