// Handles to one time series (a metric with fixed label values): Counter, Gauge, Histogram.
// They are cheap to copy, thread-safe, and valid while the Registry that made them lives and
// the series is not removed from its family. A default-constructed handle ignores updates.
#pragma once

#include <map>
#include <string>

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
}  // namespace prometheus

namespace plexus::metrics {

// Label name -> value. Names are snake_case; values are any UTF-8 text.
using Labels = std::map<std::string, std::string>;

// Goes only up (reset when the process restarts).
class Counter {
 public:
  Counter() = default;
  explicit Counter(prometheus::Counter* impl) : impl_(impl) {}
  // Negative amounts are ignored: a counter never goes down.
  void inc(double amount = 1.0) const;
  double value() const;
  // Raises the counter to `total` when it is below: mirrors a monotonic count kept elsewhere
  // (a service's own statistics read at scrape time). A smaller `total` is ignored.
  void advanceTo(double total) const;
  explicit operator bool() const { return impl_ != nullptr; }

 private:
  friend class CounterFamily;
  prometheus::Counter* impl_ = nullptr;
};

// Goes up and down.
class Gauge {
 public:
  Gauge() = default;
  explicit Gauge(prometheus::Gauge* impl) : impl_(impl) {}
  void set(double value) const;
  void inc(double amount = 1.0) const;
  void dec(double amount = 1.0) const;
  double value() const;
  explicit operator bool() const { return impl_ != nullptr; }

 private:
  friend class GaugeFamily;
  prometheus::Gauge* impl_ = nullptr;
};

// Counts observations into the buckets its family was registered with.
class Histogram {
 public:
  Histogram() = default;
  explicit Histogram(prometheus::Histogram* impl) : impl_(impl) {}
  void observe(double value) const;
  explicit operator bool() const { return impl_ != nullptr; }

 private:
  friend class HistogramFamily;
  prometheus::Histogram* impl_ = nullptr;
};

}  // namespace plexus::metrics
