// SenderMetrics over a scripted stats source: names, types and values in the exposition text,
// counters that follow the sender's counts, and per-destination series for the deepest queues
// only (bounded label cardinality).
#include "federationsender/impl/sender_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace plexus::federationsender {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class SenderMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = SenderMetrics::create(registry_, [this]() -> Result<SenderStats> {
      ++reads_;
      if (failing_) return fail(ErrorCode::kUnavailable, "database gone");
      return stats_;
    });
    ASSERT_TRUE(created.ok()) << created.error().message;
    metrics_ = std::move(created).value();
  }

  void addDestination(const std::string& name, std::int64_t pendingPdus) {
    DestinationStats d;
    d.destination = name;
    d.pendingPdus = pendingPdus;
    stats_.destinations.push_back(d);
    stats_.totals.pendingPdus += pendingPdus;
  }

  metrics::Registry registry_;
  SenderStats stats_;
  bool failing_ = false;
  int reads_ = 0;
  std::unique_ptr<SenderMetrics> metrics_;
};

TEST_F(SenderMetricsTest, ExportsZeroValuedSeriesWithTheirTypes) {
  const std::string text = registry_.renderText();
  for (const char* gauge :
       {"pending_pdus", "pending_edus", "destinations", "destinations_backing_off"}) {
    const std::string name = std::string("plexus_federation_sender_") + gauge;
    EXPECT_THAT(text, HasSubstr("# TYPE " + name + " gauge\n"));
    EXPECT_THAT(text, HasSubstr(name + " 0\n"));
  }
  for (const char* counter :
       {"retries_total", "pdus_sent_total", "edus_sent_total", "pdus_collapsed_total"}) {
    const std::string name = std::string("plexus_federation_sender_") + counter;
    EXPECT_THAT(text, HasSubstr("# TYPE " + name + " counter\n"));
    EXPECT_THAT(text, HasSubstr(name + " 0\n"));
  }
  EXPECT_THAT(text, HasSubstr("# TYPE plexus_federation_sender_transactions_total counter\n"));
  for (const char* result : {"sent", "failed", "dropped"}) {
    EXPECT_THAT(text,
                HasSubstr(std::string("plexus_federation_sender_transactions_total{result=\"") +
                          result + "\"} 0\n"));
  }
}

TEST_F(SenderMetricsTest, ReadsTheSnapshotOnEveryScrape) {
  addDestination("a.test", 3);
  stats_.totals.pendingEdus = 2;
  stats_.destinationsBackingOff = 1;
  stats_.totals.transactionsSent = 4;
  stats_.totals.failures = 5;
  stats_.totals.transactionsDropped = 1;
  stats_.totals.retries = 2;
  stats_.totals.pdusSent = 40;
  stats_.totals.edusSent = 7;
  stats_.totals.pdusCollapsed = 9;
  std::string text = registry_.renderText();
  EXPECT_EQ(reads_, 1);
  EXPECT_THAT(text, HasSubstr("plexus_federation_sender_pending_pdus 3\n"));
  EXPECT_THAT(text, HasSubstr("plexus_federation_sender_pending_edus 2\n"));
  EXPECT_THAT(text, HasSubstr("plexus_federation_sender_destinations 1\n"));
  EXPECT_THAT(text, HasSubstr("plexus_federation_sender_destinations_backing_off 1\n"));
  EXPECT_THAT(text, HasSubstr("plexus_federation_sender_transactions_total{result=\"sent\"} 4\n"));
  EXPECT_THAT(text,
              HasSubstr("plexus_federation_sender_transactions_total{result=\"failed\"} 5\n"));
  EXPECT_THAT(text,
              HasSubstr("plexus_federation_sender_transactions_total{result=\"dropped\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("plexus_federation_sender_retries_total 2\n"));
  EXPECT_THAT(text, HasSubstr("plexus_federation_sender_pdus_sent_total 40\n"));
  EXPECT_THAT(text, HasSubstr("plexus_federation_sender_edus_sent_total 7\n"));
  EXPECT_THAT(text, HasSubstr("plexus_federation_sender_pdus_collapsed_total 9\n"));
  EXPECT_THAT(
      text,
      HasSubstr("plexus_federation_sender_destination_pending_pdus{destination=\"a.test\"} 3\n"));

  // The queue drains: gauges follow, counters go on from where they were.
  stats_ = {};
  addDestination("a.test", 0);
  stats_.totals.transactionsSent = 5;
  stats_.totals.pdusSent = 43;
  text = registry_.renderText();
  EXPECT_EQ(reads_, 2);
  EXPECT_THAT(text, HasSubstr("plexus_federation_sender_pending_pdus 0\n"));
  EXPECT_THAT(text, HasSubstr("plexus_federation_sender_transactions_total{result=\"sent\"} 5\n"));
  EXPECT_THAT(text, HasSubstr("plexus_federation_sender_pdus_sent_total 43\n"));
  EXPECT_THAT(text, HasSubstr("plexus_federation_sender_retries_total 2\n"));
  EXPECT_THAT(text, Not(HasSubstr("destination=\"a.test\"")));
}

TEST_F(SenderMetricsTest, GivesOnlyTheDeepestQueuesASeriesOfTheirOwn) {
  // Names built with append: GCC 12 warns wrongly (-Wrestrict) about "s" + std::to_string(i).
  auto server = [](int i) { return std::string("s").append(std::to_string(i)).append(".test"); };
  for (int i = 1; i <= 25; ++i) addDestination(server(i), i);
  std::string text = registry_.renderText();
  // Depths 6..25 are the 20 deepest.
  for (int i = 1; i <= 25; ++i) {
    const std::string series =
        std::string("plexus_federation_sender_destination_pending_pdus{destination=\"")
            .append(server(i))
            .append("\"} ")
            .append(std::to_string(i))
            .append("\n");
    if (i > 5)
      EXPECT_THAT(text, HasSubstr(series));
    else
      EXPECT_THAT(text, Not(HasSubstr(series)));
  }
  EXPECT_THAT(text, HasSubstr("plexus_federation_sender_pending_pdus 325\n"));

  // s1 grows past the others: it gets a series and the shallowest of the 20 (s6) loses its own.
  stats_.destinations[0].pendingPdus = 100;
  text = registry_.renderText();
  EXPECT_THAT(text, HasSubstr("{destination=\"s1.test\"} 100\n"));
  EXPECT_THAT(text, Not(HasSubstr("{destination=\"s6.test\"}")));
  EXPECT_THAT(text, HasSubstr("{destination=\"s7.test\"} 7\n"));
}

TEST_F(SenderMetricsTest, KeepsTheLastValuesAndCountsAFailedSnapshot) {
  addDestination("a.test", 3);
  (void)registry_.renderText();
  failing_ = true;
  const std::string text = registry_.renderText();
  EXPECT_THAT(text, HasSubstr("plexus_federation_sender_pending_pdus 3\n"));
  EXPECT_THAT(text, HasSubstr("plexus_federation_sender_stats_errors_total 1\n"));
}

TEST_F(SenderMetricsTest, StopsReadingOnceDestroyed) {
  metrics_.reset();
  (void)registry_.renderText();
  EXPECT_EQ(reads_, 0);
}

}  // namespace
}  // namespace plexus::federationsender
