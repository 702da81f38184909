#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "analysis/statistics.h"

using namespace marketsim;

TEST_CASE("mean interval uses the Student t quantile", "[statistics]") {
  const std::vector<double> v = {1, 2, 3, 4, 5};
  const Interval i = mean_interval(v);
  // sd = sqrt(2.5), se = sqrt(0.5), t(0.975, 4) = 2.7764451
  const double half = 2.7764451052 * std::sqrt(0.5);
  CHECK(i.mean == Approx(3.0));
  CHECK(i.low == Approx(3.0 - half).epsilon(1e-8));
  CHECK(i.high == Approx(3.0 + half).epsilon(1e-8));
  CHECK(i.n == 5);
}

TEST_CASE("undefined observations are left out and one observation gives no interval",
          "[statistics]") {
  const std::vector<double> v = {2.0, std::nan(""), 4.0};
  const Interval i = mean_interval(v);
  CHECK(i.n == 2);
  CHECK(i.mean == Approx(3.0));
  const std::vector<double> one = {7.0};
  const Interval j = mean_interval(one);
  CHECK(j.mean == 7.0);
  CHECK(std::isnan(j.low));
  const std::vector<double> none = {std::nan("")};
  CHECK(mean_interval(none).n == 0);
}

TEST_CASE("paired comparison and ROI are computed per replication", "[statistics]") {
  // Two arms, two replications; arm 1 earns 10 and 20 more gross profit, pays 2 and 4 of
  // messages (contribution +8, +16) and spends 4 and 8 in all: ROI = 8/4 = 16/8 = 2.
  const std::size_t profit = metric_index("gross_profit"), contribution = metric_index("contribution"),
                    spend = metric_index("promotion_spend"), costs = metric_index("promotion_costs");
  std::vector<RunResult> runs(4);
  const double base_profit[] = {100, 200};
  for (std::size_t r = 0; r < 2; ++r) {
    const double k = static_cast<double>(r + 1);
    runs[r].totals.assign(metric_list().size(), 0.0);
    runs[r].totals[profit] = runs[r].totals[contribution] = base_profit[r];
    runs[2 + r].totals.assign(metric_list().size(), 0.0);
    runs[2 + r].totals[profit] = base_profit[r] + 10.0 * k;
    runs[2 + r].totals[costs] = 2.0 * k;
    runs[2 + r].totals[contribution] = base_profit[r] + 10.0 * k - 2.0 * k;
    runs[2 + r].totals[spend] = 4.0 * k;
  }
  const ExperimentSummary s = summarize(runs, {"base", "promo"}, 0, 2);
  REQUIRE(s.comparisons.size() == 1);
  CHECK(s.comparisons[0].difference("gross_profit").mean == Approx(15.0));
  CHECK(s.comparisons[0].difference("contribution").mean == Approx(12.0));
  CHECK(s.comparisons[0].roi.mean == Approx(2.0));
  CHECK(s.comparisons[0].roi.low == Approx(2.0));  // no variation in ROI
  CHECK(s.arms[1].metrics[profit].mean == Approx(165.0));
}

TEST_CASE("arms other than the baseline are also compared pairwise, per replication", "[statistics]") {
  // Three arms, two replications. Against the baseline: arm "a" earns +10, +20 of contribution on
  // spends 5, 10 (ROI 2, 2); arm "b" earns +30, +30 on spends 10, 20 (ROI 3, 1.5). Pairwise, b
  // against a: contribution +20 and +10 (mean 15), ROI +1 and -0.5 (mean 0.25).
  const std::size_t contribution = metric_index("contribution"), spend = metric_index("promotion_spend");
  std::vector<RunResult> runs(6);
  const double gain_a[] = {10, 20}, spend_a[] = {5, 10}, gain_b[] = {30, 30}, spend_b[] = {10, 20};
  for (std::size_t r = 0; r < 2; ++r) {
    for (std::size_t a = 0; a < 3; ++a) runs[a * 2 + r].totals.assign(metric_list().size(), 0.0);
    runs[r].totals[contribution] = 100;
    runs[2 + r].totals[contribution] = 100 + gain_a[r];
    runs[2 + r].totals[spend] = spend_a[r];
    runs[4 + r].totals[contribution] = 100 + gain_b[r];
    runs[4 + r].totals[spend] = spend_b[r];
  }
  const ExperimentSummary s = summarize(runs, {"base", "a", "b"}, 0, 2);
  REQUIRE(s.comparisons.size() == 2);
  REQUIRE(s.arm_pairs.size() == 1);
  CHECK(s.arm_pairs[0].arm == "b");
  CHECK(s.arm_pair_versus[0] == "a");
  CHECK(s.arm_pairs[0].difference("contribution").mean == Approx(15.0));
  CHECK(s.arm_pairs[0].roi.mean == Approx(0.25));
  // With the baseline in the middle, the pair is still (first, last) of the others.
  const ExperimentSummary t = summarize({runs[2], runs[3], runs[0], runs[1], runs[4], runs[5]}, {"a", "base", "b"}, 1, 2);
  REQUIRE(t.arm_pairs.size() == 1);
  CHECK(t.arm_pair_versus[0] == "a");
  CHECK(t.arm_pairs[0].difference("contribution").mean == Approx(15.0));
}
