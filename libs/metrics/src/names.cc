// Metric name rules: what Prometheus accepts, narrowed to the conventions Plexus follows.
#include "names.h"

#include <string>

namespace plexus::metrics::detail {
namespace {

constexpr std::string_view kPrefix = "plexus_";

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Status invalid(std::string_view name, std::string_view why) {
  return fail(ErrorCode::kInvalidParam,
              "metric name \"" + std::string(name) + "\": " + std::string(why));
}

}  // namespace

Status checkMetricName(std::string_view name, MetricKind kind) {
  if (name.substr(0, kPrefix.size()) != kPrefix || name.size() == kPrefix.size())
    return invalid(name, "must start with plexus_ and name something");
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return invalid(name, "only lowercase letters, digits and '_'");
  }
  if (name.back() == '_' || name.find("__") != std::string_view::npos)
    return invalid(name, "no trailing or doubled '_'");
  const bool total = endsWith(name, "_total");
  if (kind == MetricKind::kCounter && !total) return invalid(name, "a counter ends in _total");
  if (kind != MetricKind::kCounter && total) return invalid(name, "only counters end in _total");
  if (kind == MetricKind::kHistogram &&
      (endsWith(name, "_bucket") || endsWith(name, "_count") || endsWith(name, "_sum")))
    return invalid(name, "_bucket, _count and _sum are the histogram's own series");
  return {};
}

Status checkLabelNames(const Labels& labels, MetricKind kind) {
  for (const auto& [name, value] : labels) {
    bool ok = !name.empty() && !(name[0] >= '0' && name[0] <= '9') && name.substr(0, 2) != "__";
    for (char c : name) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
    if (kind == MetricKind::kHistogram && name == "le") ok = false;
    if (!ok)
      return fail(ErrorCode::kInvalidParam, "metric label name \"" + name + "\" is not valid");
  }
  return {};
}

}  // namespace plexus::metrics::detail
