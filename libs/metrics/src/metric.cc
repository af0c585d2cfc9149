// Counter, Gauge and Histogram handles over prometheus-cpp's metric objects, and their families.
// prometheus-cpp reports bad label names by throwing; that becomes kInvalidParam here.
#include "plexus/metrics/metric.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <exception>
#include <string>

#include "names.h"
#include "plexus/metrics/family.h"

namespace plexus::metrics {
namespace {

template <typename Handle, typename Add>
Result<Handle> addSeries(bool registered, const Labels& labels, detail::MetricKind kind, Add add) {
  if (!registered) return fail(ErrorCode::kInvalidParam, "metric family not registered");
  PLEXUS_TRY_VOID(detail::checkLabelNames(labels, kind));
  try {
    return Handle(&add());
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInvalidParam, std::string("metric labels: ") + e.what());
  }
}

}  // namespace

void Counter::inc(double amount) const {
  if (impl_ && amount > 0) impl_->Increment(amount);
}

double Counter::value() const { return impl_ ? impl_->Value() : 0.0; }

void Counter::advanceTo(double total) const {
  if (!impl_) return;
  const double now = impl_->Value();
  if (total > now) impl_->Increment(total - now);
}

void Gauge::set(double value) const {
  if (impl_) impl_->Set(value);
}

void Gauge::inc(double amount) const {
  if (impl_) impl_->Increment(amount);
}

void Gauge::dec(double amount) const {
  if (impl_) impl_->Decrement(amount);
}

double Gauge::value() const { return impl_ ? impl_->Value() : 0.0; }

void Histogram::observe(double value) const {
  if (impl_) impl_->Observe(value);
}

Result<Counter> CounterFamily::add(const Labels& labels) const {
  return addSeries<Counter>(impl_ != nullptr, labels, detail::MetricKind::kCounter,
                            [&]() -> prometheus::Counter& { return impl_->Add(labels); });
}

void CounterFamily::remove(Counter counter) const {
  if (impl_ && counter.impl_) impl_->Remove(counter.impl_);
}

Result<Gauge> GaugeFamily::add(const Labels& labels) const {
  return addSeries<Gauge>(impl_ != nullptr, labels, detail::MetricKind::kGauge,
                          [&]() -> prometheus::Gauge& { return impl_->Add(labels); });
}

void GaugeFamily::remove(Gauge gauge) const {
  if (impl_ && gauge.impl_) impl_->Remove(gauge.impl_);
}

Result<Histogram> HistogramFamily::add(const Labels& labels) const {
  return addSeries<Histogram>(
      impl_ != nullptr, labels, detail::MetricKind::kHistogram,
      [&]() -> prometheus::Histogram& { return impl_->Add(labels, *buckets_); });
}

void HistogramFamily::remove(Histogram histogram) const {
  if (impl_ && histogram.impl_) impl_->Remove(histogram.impl_);
}

}  // namespace plexus::metrics
