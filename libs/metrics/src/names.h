// Checks of metric names against Prometheus conventions and the plexus_ prefix.
#pragma once

#include <string_view>

#include "plexus/core/result.h"
#include "plexus/metrics/metric.h"

namespace plexus::metrics::detail {

enum class MetricKind { kCounter, kGauge, kHistogram };

// Errors: kInvalidParam naming the rule `name` breaks (see registry.h).
Status checkMetricName(std::string_view name, MetricKind kind);
// Label names: lowercase snake_case, no "__" prefix (Prometheus keeps those), and "le" is the
// histogram's own. Errors: kInvalidParam naming the label.
Status checkLabelNames(const Labels& labels, MetricKind kind);

}  // namespace plexus::metrics::detail
