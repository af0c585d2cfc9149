// Registry over prometheus::Registry: name checks, collect hooks, TextSerializer. prometheus-cpp
// reports a name taken by another type by throwing; that becomes kInvalidParam here.
#include "plexus/metrics/registry.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <cmath>
#include <exception>
#include <map>
#include <mutex>
#include <sstream>
#include <utility>

#include "names.h"

namespace plexus::metrics {

std::vector<double> latencyBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

// The hook list, shared with the CollectHook handles (which may outlive the Registry). `mutex`
// is held for a whole scrape, so removing a hook waits until no scrape runs it.
struct CollectHook::Hooks {
  std::mutex mutex;
  std::vector<std::pair<std::uint64_t, std::function<void()>>> list;
  std::uint64_t nextId = 1;
};

CollectHook::CollectHook(CollectHook&& other) noexcept
    : hooks_(std::move(other.hooks_)), id_(std::exchange(other.id_, 0)) {}

CollectHook& CollectHook::operator=(CollectHook&& other) noexcept {
  if (this != &other) {
    reset();
    hooks_ = std::move(other.hooks_);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

void CollectHook::reset() {
  auto hooks = hooks_.lock();
  hooks_.reset();
  if (!hooks || id_ == 0) return;
  std::lock_guard lock(hooks->mutex);
  std::erase_if(hooks->list, [this](const auto& entry) { return entry.first == id_; });
  id_ = 0;
}

struct Registry::Impl {
  prometheus::Registry registry;
  std::shared_ptr<CollectHook::Hooks> hooks = std::make_shared<CollectHook::Hooks>();
  std::mutex bucketsMutex;
  std::map<std::string, std::shared_ptr<const std::vector<double>>, std::less<>> buckets;
};

namespace {

// Builder is prometheus::BuildCounter() and the like.
template <typename Builder>
auto registerFamily(prometheus::Registry& registry, Builder builder, std::string_view name,
                    std::string_view help) -> Result<decltype(&builder.Register(registry))> {
  try {
    return &builder.Name(std::string(name)).Help(std::string(help)).Register(registry);
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInvalidParam,
                "metric \"" + std::string(name) + "\" cannot be registered: " + e.what());
  }
}

Status checkBuckets(std::string_view name, const std::vector<double>& bounds) {
  bool ok = !bounds.empty();
  for (std::size_t i = 0; ok && i < bounds.size(); ++i)
    ok = std::isfinite(bounds[i]) && (i == 0 || bounds[i] > bounds[i - 1]);
  if (ok) return {};
  return fail(ErrorCode::kInvalidParam,
              "histogram \"" + std::string(name) + "\": bucket bounds must increase");
}

}  // namespace

Registry::Registry() : impl_(std::make_unique<Impl>()) {}
Registry::~Registry() = default;

Result<CounterFamily> Registry::registerCounter(std::string_view name, std::string_view help) {
  PLEXUS_TRY_VOID(detail::checkMetricName(name, detail::MetricKind::kCounter));
  PLEXUS_TRY(auto* family, registerFamily(impl_->registry, prometheus::BuildCounter(), name, help));
  return CounterFamily(family);
}

Result<GaugeFamily> Registry::registerGauge(std::string_view name, std::string_view help) {
  PLEXUS_TRY_VOID(detail::checkMetricName(name, detail::MetricKind::kGauge));
  PLEXUS_TRY(auto* family, registerFamily(impl_->registry, prometheus::BuildGauge(), name, help));
  return GaugeFamily(family);
}

Result<HistogramFamily> Registry::registerHistogram(std::string_view name, std::string_view help,
                                                    std::vector<double> bucketBounds) {
  PLEXUS_TRY_VOID(detail::checkMetricName(name, detail::MetricKind::kHistogram));
  PLEXUS_TRY_VOID(checkBuckets(name, bucketBounds));
  PLEXUS_TRY(auto* family,
             registerFamily(impl_->registry, prometheus::BuildHistogram(), name, help));
  // A family registered again keeps the bounds it was first registered with.
  std::lock_guard lock(impl_->bucketsMutex);
  auto& bounds = impl_->buckets[std::string(name)];
  if (!bounds) bounds = std::make_shared<const std::vector<double>>(std::move(bucketBounds));
  return HistogramFamily(family, bounds);
}

CollectHook Registry::addCollectHook(std::function<void()> hook) {
  auto& hooks = *impl_->hooks;
  std::lock_guard lock(hooks.mutex);
  const std::uint64_t id = hooks.nextId++;
  hooks.list.emplace_back(id, std::move(hook));
  return CollectHook(impl_->hooks, id);
}

std::string Registry::renderText() {
  auto& hooks = *impl_->hooks;
  std::lock_guard lock(hooks.mutex);
  for (auto& [id, hook] : hooks.list) {
    try {
      hook();
    } catch (...) {  // NOLINT(bugprone-empty-catch): documented; the scrape goes on
    }
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, impl_->registry.Collect());
  return out.str();
}

}  // namespace plexus::metrics
