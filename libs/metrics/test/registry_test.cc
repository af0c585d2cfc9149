// Registry: name checks, the rendered exposition text (names, TYPE/HELP lines, labels, values),
// collect hooks per scrape, series removal and handle lifetimes.
#include "plexus/metrics/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

namespace plexus::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(RegistryTest, RendersCountersWithTypeHelpLabelsAndValues) {
  Registry registry;
  auto family = registry.registerCounter("plexus_test_events_total", "Events seen.");
  ASSERT_TRUE(family.ok()) << family.error().message;
  auto sent = family->add({{"result", "sent"}});
  ASSERT_TRUE(sent.ok());
  sent->inc();
  sent->inc(2);
  auto failed = family->add({{"result", "failed"}});
  ASSERT_TRUE(failed.ok());

  const std::string text = registry.renderText();
  EXPECT_THAT(text, HasSubstr("# HELP plexus_test_events_total Events seen.\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE plexus_test_events_total counter\n"));
  EXPECT_THAT(text, HasSubstr("plexus_test_events_total{result=\"sent\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("plexus_test_events_total{result=\"failed\"} 0\n"));
}

TEST(RegistryTest, RendersGaugesAndHistograms) {
  Registry registry;
  auto gauge = registry.registerGauge("plexus_test_queue_depth", "Queued items.");
  ASSERT_TRUE(gauge.ok());
  auto depth = gauge->add();
  ASSERT_TRUE(depth.ok());
  depth->set(7);
  depth->dec(2);
  auto histogram =
      registry.registerHistogram("plexus_test_duration_seconds", "Durations.", {0.1, 1});
  ASSERT_TRUE(histogram.ok()) << histogram.error().message;
  auto duration = histogram->add({{"listener", "client"}});
  ASSERT_TRUE(duration.ok());
  duration->observe(0.05);
  duration->observe(0.5);
  duration->observe(5);

  const std::string text = registry.renderText();
  EXPECT_THAT(text, HasSubstr("# TYPE plexus_test_queue_depth gauge\n"));
  EXPECT_THAT(text, HasSubstr("plexus_test_queue_depth 5\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE plexus_test_duration_seconds histogram\n"));
  EXPECT_THAT(text,
              HasSubstr("plexus_test_duration_seconds_bucket{listener=\"client\",le=\"0.1\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("plexus_test_duration_seconds_bucket{listener=\"client\",le=\"1\"} 2\n"));
  EXPECT_THAT(
      text, HasSubstr("plexus_test_duration_seconds_bucket{listener=\"client\",le=\"+Inf\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("plexus_test_duration_seconds_count{listener=\"client\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("plexus_test_duration_seconds_sum{listener=\"client\"} 5.55"));
}

TEST(RegistryTest, RunsCollectHooksOnEveryScrapeUntilRemoved) {
  Registry registry;
  auto gauge = registry.registerGauge("plexus_test_snapshot", "From a snapshot.");
  ASSERT_TRUE(gauge.ok());
  auto value = gauge->add();
  ASSERT_TRUE(value.ok());
  int scrapes = 0;
  CollectHook hook = registry.addCollectHook([&] { value->set(++scrapes * 10); });

  EXPECT_THAT(registry.renderText(), HasSubstr("plexus_test_snapshot 10\n"));
  EXPECT_THAT(registry.renderText(), HasSubstr("plexus_test_snapshot 20\n"));
  EXPECT_EQ(scrapes, 2);

  hook.reset();
  EXPECT_THAT(registry.renderText(), HasSubstr("plexus_test_snapshot 20\n"));
  EXPECT_EQ(scrapes, 2);
}

TEST(RegistryTest, KeepsScrapingWhenAHookThrows) {
  Registry registry;
  auto gauge = registry.registerGauge("plexus_test_after_throw", "Set after a throwing hook.");
  ASSERT_TRUE(gauge.ok());
  auto value = gauge->add();
  ASSERT_TRUE(value.ok());
  CollectHook bad = registry.addCollectHook([] { throw std::runtime_error("snapshot failed"); });
  CollectHook good = registry.addCollectHook([&] { value->set(1); });
  EXPECT_THAT(registry.renderText(), HasSubstr("plexus_test_after_throw 1\n"));
}

TEST(RegistryTest, AHookHandleMayOutliveItsRegistry) {
  CollectHook hook;
  {
    Registry registry;
    hook = registry.addCollectHook([] {});
  }
  hook.reset();  // no registry left: nothing to do, no crash
}

TEST(RegistryTest, AdvanceToMirrorsAMonotonicCountAndNeverGoesDown) {
  Registry registry;
  auto family = registry.registerCounter("plexus_test_mirrored_total", "Mirrored.");
  ASSERT_TRUE(family.ok());
  auto counter = family->add();
  ASSERT_TRUE(counter.ok());
  counter->advanceTo(5);
  EXPECT_EQ(counter->value(), 5);
  counter->advanceTo(3);
  EXPECT_EQ(counter->value(), 5);
  counter->advanceTo(8);
  EXPECT_EQ(counter->value(), 8);
  counter->inc(-1);
  EXPECT_EQ(counter->value(), 8);
}

TEST(RegistryTest, RemovesASeries) {
  Registry registry;
  auto family = registry.registerGauge("plexus_test_per_key", "Per key.");
  ASSERT_TRUE(family.ok());
  auto a = family->add({{"key", "a"}});
  auto b = family->add({{"key", "b"}});
  ASSERT_TRUE(a.ok() && b.ok());
  family->remove(*a);
  const std::string text = registry.renderText();
  EXPECT_THAT(text, Not(HasSubstr("key=\"a\"")));
  EXPECT_THAT(text, HasSubstr("plexus_test_per_key{key=\"b\"} 0\n"));
}

TEST(RegistryTest, SharesAFamilyRegisteredTwiceAndItsSeries) {
  Registry registry;
  auto first = registry.registerCounter("plexus_test_shared_total", "Shared.");
  auto second = registry.registerCounter("plexus_test_shared_total", "Shared.");
  ASSERT_TRUE(first.ok() && second.ok());
  auto one = first->add({{"k", "v"}});
  auto two = second->add({{"k", "v"}});
  ASSERT_TRUE(one.ok() && two.ok());
  one->inc();
  two->inc();
  EXPECT_EQ(one->value(), 2);
}

TEST(RegistryTest, RejectsANameTakenByAnotherType) {
  Registry registry;
  ASSERT_TRUE(registry.registerGauge("plexus_test_taken", "A gauge.").ok());
  auto histogram = registry.registerHistogram("plexus_test_taken", "Now a histogram.");
  ASSERT_FALSE(histogram.ok());
  EXPECT_EQ(histogram.error().code, ErrorCode::kInvalidParam);
}

TEST(RegistryTest, RejectsNamesAgainstTheConventions) {
  Registry registry;
  for (const char* name :
       {"test_events_total", "plexus_", "plexus_Events_total", "plexus_events-sent_total",
        "plexus_events__total", "plexus_events_total_", "plexus_events"}) {
    EXPECT_FALSE(registry.registerCounter(name, "x").ok()) << name;
  }
  EXPECT_FALSE(registry.registerGauge("plexus_depth_total", "x").ok());
  EXPECT_FALSE(registry.registerHistogram("plexus_latency_seconds_sum", "x").ok());
  EXPECT_FALSE(registry.registerHistogram("plexus_latency_seconds", "x", {}).ok());
  EXPECT_FALSE(registry.registerHistogram("plexus_latency_seconds", "x", {1, 1}).ok());
  EXPECT_TRUE(registry.registerCounter("plexus_events_total", "x").ok());
  EXPECT_TRUE(registry.registerHistogram("plexus_latency_seconds", "x").ok());
}

TEST(RegistryTest, RejectsInvalidLabelNames) {
  Registry registry;
  auto family = registry.registerCounter("plexus_test_labelled_total", "Labelled.");
  ASSERT_TRUE(family.ok());
  auto bad = family->add({{"__reserved", "x"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidParam);
  auto histogram = registry.registerHistogram("plexus_test_labelled_seconds", "Labelled.");
  ASSERT_TRUE(histogram.ok());
  EXPECT_FALSE(histogram->add({{"le", "1"}}).ok());
}

TEST(RegistryTest, ConcurrentScrapesAndUpdatesAgree) {
  Registry registry;
  auto family = registry.registerCounter("plexus_test_concurrent_total", "Concurrent.");
  ASSERT_TRUE(family.ok());
  auto counter = family->add();
  ASSERT_TRUE(counter.ok());
  std::atomic<int> hookRuns{0};
  CollectHook hook = registry.addCollectHook([&] { hookRuns.fetch_add(1); });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) counter->inc();
      for (int i = 0; i < 20; ++i) (void)registry.renderText();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(hookRuns.load(), 80);
  EXPECT_THAT(registry.renderText(), HasSubstr("plexus_test_concurrent_total 4000\n"));
}

TEST(RegistryTest, ContentTypeIsTheTextFormat) {
  EXPECT_EQ(kTextContentType, "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace
}  // namespace plexus::metrics
