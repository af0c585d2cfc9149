// A metric family: one name, one type, one HELP text, and a series per set of label values.
// Families come from Registry; their handles are cheap to copy and valid while it lives.
// add() and remove() are thread-safe.
#pragma once

#include <memory>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/metrics/metric.h"

namespace prometheus {
template <typename T>
class Family;
}  // namespace prometheus

namespace plexus::metrics {

// Every label value is a new series that Prometheus stores for weeks: use labels with a small,
// bounded set of values (a method, a status class, a result), never user IDs, room IDs or paths
// with parameters in them.

class CounterFamily {
 public:
  CounterFamily() = default;
  explicit CounterFamily(prometheus::Family<prometheus::Counter>* impl) : impl_(impl) {}
  // The series with `labels`, created at zero on first use. Errors: kInvalidParam for a label
  // name that is not valid (Prometheus names; "__" prefixes are reserved).
  Result<Counter> add(const Labels& labels = {}) const;
  // Drops the series; its handles must not be used afterwards.
  void remove(Counter counter) const;

 private:
  prometheus::Family<prometheus::Counter>* impl_ = nullptr;
};

class GaugeFamily {
 public:
  GaugeFamily() = default;
  explicit GaugeFamily(prometheus::Family<prometheus::Gauge>* impl) : impl_(impl) {}
  // As CounterFamily::add.
  Result<Gauge> add(const Labels& labels = {}) const;
  void remove(Gauge gauge) const;

 private:
  prometheus::Family<prometheus::Gauge>* impl_ = nullptr;
};

class HistogramFamily {
 public:
  HistogramFamily() = default;
  HistogramFamily(prometheus::Family<prometheus::Histogram>* impl,
                  std::shared_ptr<const std::vector<double>> buckets)
      : impl_(impl), buckets_(std::move(buckets)) {}
  // As CounterFamily::add; the series uses the family's bucket bounds. "le" is reserved.
  Result<Histogram> add(const Labels& labels = {}) const;
  void remove(Histogram histogram) const;

 private:
  prometheus::Family<prometheus::Histogram>* impl_ = nullptr;
  std::shared_ptr<const std::vector<double>> buckets_;
};

}  // namespace plexus::metrics
