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
  PLEXUS_TRY(m->requests_,
             registry.registerCounter("plexus_http_requests_total",
                                      "HTTP requests answered, by listener, endpoint (route "
                                      "pattern), method and status class."));
  PLEXUS_TRY(m->durations_,
             registry.registerHistogram("plexus_http_request_duration_seconds",
                                        "Time from a complete HTTP request to its response being "
                                        "ready (long-polls included), by listener and endpoint."));
  return m;
}

void HttpMetrics::record(const http::ResponseRecord& response) {
  const std::size_t method = methodIndex(response.method);
  const std::size_t status = statusClassIndex(response.status);
  // Route patterns are a fixed set (the router's); unrouted answers share one label.
  const std::string route = response.route.empty() ? "unmatched" : std::string(response.route);
  metrics::Counter counter;
  metrics::Histogram duration;
  {
    std::lock_guard lock(mutex_);
    Series& series = byRoute_[route];
    metrics::Counter& slot = series.counters[method][status];
    if (!slot) {
      auto added = requests_.add(
          {{"listener", listener_},
           {"route", route},
           {"method", method < kMethodNames.size() ? std::string(kMethodNames[method]) : "other"},
           {"status_class", std::string(kStatusClassNames[status])}});
      if (added.ok()) slot = *added;
    }
    if (!series.duration) {
      auto added = durations_.add({{"listener", listener_}, {"route", route}});
      if (added.ok()) series.duration = *added;
    }
    counter = slot;
    duration = series.duration;
  }
  counter.inc();
  duration.observe(std::chrono::duration<double>(response.elapsed).count());
}

std::function<void(const http::ResponseRecord&)> HttpMetrics::observer() {
  return [this](const http::ResponseRecord& response) { record(response); };
}

}  // namespace plexus::node
