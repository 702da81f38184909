#pragma once
// A/B test design: what a live test of a campaign on a share of the customers would report, and
// how far that is from the effect of rolling the campaign out. marketsim knows both: within one
// run the test arm splits consumers at random into "treatment" (a share q) and "control"
// (strategies/consumer_groups.h), the treatment arm's promotions scoped to the first and the
// control arm's to the second, while they share the seller's stock, budgets and (with word of
// mouth) each other; separate all-treatment and all-control arms of the same replication (common
// random numbers) give the roll-out effect. Each replication is one simulated test.
//
// An A/B test file:
//   {"base": "scenario.json" (relative to the file) or {an inline scenario},
//    "control"?: ARM (default: the baseline arm), "treatment"?: ARM (default: the first other arm;
//      the two arms may differ only in their promotions),
//    "shares": [q, ...] (treated shares in (0, 1)), "days": [d, ...] (test durations, from the end
//    of warm-up), "metric": "units" | "revenue" | "gross_profit" (per consumer, from order lines)
//    | "revenue_per_unit" | "gross_profit_per_unit" (ratios of the groups' totals: the delta
//    method's interval), "mde": the minimum detectable effect per consumer and day of the test (a
//    test of d days must detect d x mde per consumer; for a ratio, the difference of the ratio),
//    "power"?: target (default 0.8),
//    "tests"?: simulated tests (replications, default 200),
//    "variants"?: [{"name", "set": {"/json/pointer": value, ...}}] (default: one, "base")}
// For each variant, share and duration, abtest.csv gives the mean estimate of the tests
// (difference of per-consumer means, treatment less control) with the mean of their Welch 95%
// intervals, the power for the MDE (Phi(d MDE / SE - z_0.975), SE the sd of the simulated
// estimates), the roll-out effect per consumer, the bias (estimate less roll-out effect), its
// attribution to shared stock, budgets and word of mouth (the bias less the bias of the same test
// rerun with that channel switched off: ample stock and no per-product cap of discounted units, no
// budgets, no word_of_mouth module; 0 where
// the scenario has no such channel), the share of tests whose interval covers the roll-out
// effect, and the number of tests. Runs go through the run unit and a store like a sweep's, so an
// A/B design killed part-way resumes with the same bytes.
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "sim/params.h"
#include "sim/time.h"

namespace marketsim {

struct AbTestVariant {
  std::string name;
  std::vector<std::pair<std::string, Json>> set;  // JSON pointer, value
};

struct AbTestSpec {
  std::string file, text;
  Json base;
  std::string base_file;
  std::size_t control = 0, treatment = 1;  // arm indices of the base
  std::vector<double> shares;
  std::vector<Day> days;
  std::string metric;        // units, revenue, gross_profit
  std::size_t metric_slot = 0;  // its (a ratio's numerator's) place in GroupDayRow's sums
  bool ratio = false;           // revenue_per_unit, gross_profit_per_unit: a ratio of group totals
  double mde = 0.0;          // per consumer and day of the test
  double power = 0.8;
  std::uint64_t tests = 200;
  std::vector<AbTestVariant> variants;
};

/// Reads and validates an A/B test file. Throws ScenarioError naming the file and the pointer.
AbTestSpec load_abtest(const std::string& path);
AbTestSpec parse_abtest(std::string_view text, const std::string& file);

/// One row of abtest.csv.
struct AbTestRow {
  std::string variant;
  double share = 0.0;
  Day days = 0;
  double estimate = 0.0, ci_low = 0.0, ci_high = 0.0, power = 0.0, rollout_effect = 0.0, bias = 0.0;
  double estimate_sd = 0.0;  // the simulated estimates' standard deviation (the test's standard error)
  double bias_stock = 0.0, bias_budget = 0.0, bias_word_of_mouth = 0.0;
  double coverage = 0.0;
  std::uint64_t tests = 0;
};

/// A variant's recommendation: the shortest duration at which some share reaches the target
/// power, and at that duration the share with the smallest |bias| (none: no duration does).
struct AbTestRecommendation {
  std::string variant;
  bool found = false;
  double share = 0.0;
  Day days = 0;
};

struct AbTestOptions {
  bool fresh = false;
  std::string command_line;
  std::size_t threads = 1;
  std::function<void(std::uint64_t, std::uint64_t)> progress = {};  // units done, units in all
};

struct AbTestReport {
  std::vector<AbTestRow> rows;
  std::vector<AbTestRecommendation> recommendations;
  std::uint64_t units = 0, units_run = 0;
};

/// Runs the design into DIR (store.sqlite, abtest.csv, abtest.json).
AbTestReport run_abtest(const AbTestSpec& spec, const std::string& out_dir, const AbTestOptions& options);

/// The scenario document a variant's tests run under one setting of the shared channels (stock,
/// budget and word of mouth "on", or one of them switched "off"): the control arm, the treatment
/// arm (all treated), then one test arm per share.
Json abtest_document(const AbTestSpec& spec, const AbTestVariant& variant, const std::string& switched_off);

}  // namespace marketsim
