// The long-run recommendation metrics (analysis/metrics/recommendation.cpp) against closed forms:
// lists showing every offer once give full coverage, zero exposure Gini and the intra-list
// diversity of the category sizes; novelty is at least log2(offers) under uniform exposure
// (Jensen); a popularity recommender concentrates exposure; and the Gini's own arithmetic.
#include <catch2/catch.hpp>
#include <cmath>

#include "analysis/metric.h"
#include "experiments/experiment.h"
#include "scenarios/scenario.h"

using namespace marketsim;

namespace {

const std::string kReference = MARKETSIM_SOURCE_DIR "/scenarios/reference-market.json";

/// The reference market at 3,000 consumers and 20 products in two categories (12 and 8), 14 days,
/// one replication, with the recommendation `recommendation`.
ExperimentResult run_with(const std::string& recommendation) {
  const Scenario sc = load_scenario(
      kReference, {"/market/segments/0/consumers=3000", "/horizon_days=14", "/replications=1",
                   R"(/market/categories=[{"name": "a", "products": 12}, {"name": "b", "products": 8}])",
                   "/arms/0/promotions=[]", "/arms/0/recommendation=" + recommendation});
  return run_experiment(sc);
}

double total(const ExperimentResult& r, const std::string& metric) { return r.runs.at(0).totals[metric_index(metric)]; }

}  // namespace

TEST_CASE("lists of every offer: full coverage, no exposure inequality, diversity of the category sizes", "[metrics]") {
  const ExperimentResult r = run_with(R"({"name": "random", "slots": 20})");
  CHECK(total(r, "catalogue_coverage") == 1.0);
  CHECK(total(r, "exposure_gini") == Approx(0.0).margin(1e-12));
  // Pairs of 20 offers in different categories: 1 - (12 * 11 + 8 * 7) / (20 * 19) = 192 / 380.
  CHECK(total(r, "intra_list_diversity") == Approx(192.0 / 380.0).epsilon(1e-12));
  CHECK(total(r, "novelty") >= std::log2(20.0));
  const double concentration = total(r, "sales_concentration");
  CHECK(concentration > 0.0);
  CHECK(concentration < 1.0);
  for (const DailyRow& d : r.runs[0].daily) {
    INFO("day " << d.day);
    CHECK(d.values[metric_index("catalogue_coverage")] == 1.0);
    CHECK(d.values[metric_index("intra_list_diversity")] == Approx(192.0 / 380.0).epsilon(1e-12));
  }
}

TEST_CASE("a best-seller list concentrates exposure and shows fewer offers than random lists", "[metrics]") {
  const ExperimentResult random = run_with(R"({"name": "random", "slots": 4})");
  const ExperimentResult popular = run_with(R"({"name": "popular_plus_random", "popular": 4, "random": 0})");
  CHECK(total(popular, "exposure_gini") > total(random, "exposure_gini") + 0.3);
  CHECK(total(popular, "catalogue_coverage") < total(random, "catalogue_coverage"));
  CHECK(total(popular, "novelty") < total(random, "novelty"));
  // Four best sellers a day: at most 4 of 20 offers a day, all but the first day's ties.
  for (const DailyRow& d : popular.runs[0].daily) CHECK(d.values[metric_index("catalogue_coverage")] <= 4.0 / 20.0);
}
