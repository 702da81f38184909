// A/B test design (experiments/abtest.h) and consumer groups (strategies/consumer_groups.h).
// - Groups: the split follows the shares (binomial bounds), a promotion scoped to a group reaches
//   only it (the other group's per-consumer discounts are 0), and groups.csv adds up to the run.
// - An A/A test (treatment identical to control, nothing shared that the treatment could move):
//   over 400 simulated tests the Welch 95% intervals cover the roll-out effect (exactly 0) between
//   92.2% and 97.8% of the time (the 99.9% binomial range around 95% for n = 400); so do the delta
//   method's intervals of a ratio (revenue per unit).
// - With ample stock, no cap or budget (and random recommendations: no popularity shared), the mean
//   estimate's 95% CI over the tests contains the roll-out effect; with scarce shared stock the test overstates the effect (bias > 0), and the
//   bias falls as the treated share grows (10% > 50% > 90%): treated shoppers take stock the
//   control group then misses, which a roll-out cannot do.
// - The same bytes on 1 and 2 threads, and after a SIGKILL and a resume.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "analysis/html/csv_table.h"
#include "analysis/report.h"
#include "cli_harness.h"
#include "experiments/abtest.h"
#include "experiments/experiment.h"
#include "scenarios/json_input.h"
#include "scenarios/scenario.h"
#include "sim/error.h"

using namespace marketsim;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("marketsim-abtest-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

/// The shipped flash sale design, with `tests` simulated tests.
Json flash_sale(int tests) {
  Json doc = read_json_file(MARKETSIM_SOURCE_DIR "/scenarios/flash-sale-abtest.json");
  doc["tests"] = tests;
  return doc;
}

const AbTestRow& row_of(const AbTestReport& r, const std::string& variant, double share, Day days) {
  for (const AbTestRow& row : r.rows) {
    if (row.variant == variant && row.share == share && row.days == days) return row;
  }
  FAIL("no row " << variant << " " << share << " " << days);
  return r.rows.front();
}

}  // namespace

TEST_CASE("groups: the split follows the shares and a scoped promotion reaches its group only", "[abtest][groups]") {
  Json doc = flash_sale(2)["base"];
  doc["replications"] = 1;
  doc["arms"][1]["groups"] = Json::array({Json{{"name", "treatment"}, {"share", 0.3}}});
  doc["arms"][1]["promotions"][0]["group"] = "treatment";
  const Scenario sc = parse_scenario(doc, "groups.json");
  const ExperimentResult result = run_experiment(sc);
  const RunResult& run = result.runs[1];
  REQUIRE(run.group_names == std::vector<std::string>{"treatment", "others"});
  const GroupDayRow& t = run.group_days[run.group_days.size() - 2];
  const GroupDayRow& o = run.group_days.back();
  const double n = 8000.0;
  CHECK(static_cast<double>(t.consumers + o.consumers) == n);
  // 0.3 n +- 4 sd of a binomial (sd = 41).
  CHECK(std::abs(static_cast<double>(t.consumers) - 0.3 * n) < 4.0 * std::sqrt(n * 0.3 * 0.7));
  // The groups add up to the run's units, revenue and gross profit.
  CHECK(t.sum[0] + o.sum[0] == run.totals[metric_index("units")]);
  CHECK(t.sum[1] + o.sum[1] == Approx(run.totals[metric_index("revenue")]).epsilon(1e-12));
  CHECK(t.sum[2] + o.sum[2] == Approx(run.totals[metric_index("gross_profit")]).epsilon(1e-12));
  // The sale lifts the treated group's units per consumer above the others'.
  CHECK(t.sum[0] / static_cast<double>(t.consumers) > 1.1 * o.sum[0] / static_cast<double>(o.consumers));
  // groups.csv: a row per group and metric of the grouped arm only.
  std::vector<std::string> names;
  for (const auto& a : sc.arms) names.push_back(a.name);
  const std::string text =
      output_texts(sc, result, summarize(result.runs, names, sc.baseline, 1), PerformanceInfo{}, {"groups.csv"}).at(0).second;
  const CsvTable csv(text, "groups.csv");
  CHECK(csv.rows() == 2 * 3);
  CHECK(csv.text(0, 0) == "flash");
  // A promotion scoped to a group the arm does not have is refused with its pointer.
  doc["arms"][1]["promotions"][0]["group"] = "nobody";
  try {
    parse_scenario(doc, "groups.json");
    FAIL("accepted an unknown group");
  } catch (const ScenarioError& e) {
    CHECK(std::string(e.what()).find("/arms/1/promotions/0/group") != std::string::npos);
  }
}

TEST_CASE("abtest: an A/A test's intervals cover the roll-out effect 92.2% to 97.8% of 400 times", "[abtest]") {
  const fs::path dir = fresh_dir("aa");
  Json doc = flash_sale(400);
  doc["base"]["market"]["segments"][0]["consumers"] = 2000;
  doc["base"]["arms"][1]["promotions"] = Json::array();  // treatment = control
  doc["shares"] = {0.5};
  doc["days"] = {7};
  doc.erase("variants");
  const AbTestSpec spec = parse_abtest(doc.dump(), (dir / "aa.json").string());
  const AbTestReport r = run_abtest(spec, (dir / "out").string(), AbTestOptions{});
  const AbTestRow& row = row_of(r, "base", 0.5, 7);
  CHECK(row.rollout_effect == 0.0);
  INFO("coverage " << row.coverage);
  CHECK(row.coverage >= 0.922);
  CHECK(row.coverage <= 0.978);
  // The same A/A test on a ratio (revenue per unit, the delta method's interval).
  doc["metric"] = "revenue_per_unit";
  const AbTestReport ratio = run_abtest(parse_abtest(doc.dump(), (dir / "aa-ratio.json").string()), (dir / "ratio").string(), AbTestOptions{});
  const AbTestRow& rr = row_of(ratio, "base", 0.5, 7);
  CHECK(rr.rollout_effect == 0.0);
  INFO("ratio coverage " << rr.coverage);
  CHECK(rr.coverage >= 0.922);
  CHECK(rr.coverage <= 0.978);
  fs::remove_all(dir);
}

TEST_CASE("abtest: ample stock gives an unbiased test, scarce shared stock a bias that falls with the share", "[abtest]") {
  const fs::path dir = fresh_dir("flash");
  const AbTestSpec spec = parse_abtest(flash_sale(100).dump(), MARKETSIM_SOURCE_DIR "/scenarios/flash-sale-abtest.json");
  const AbTestReport r = run_abtest(spec, (dir / "out").string(), AbTestOptions{});
  for (const double q : {0.1, 0.5, 0.9}) {
    const AbTestRow& a = row_of(r, "ample", q, 14);
    // The mean estimate's 95% CI over the 100 tests (t quantile 1.984 on 99 degrees of freedom).
    INFO("ample " << q << ": estimate " << a.estimate << " (sd " << a.estimate_sd << "), roll-out " << a.rollout_effect);
    CHECK(std::abs(a.bias) <= 1.984 * a.estimate_sd / std::sqrt(100.0));
    CHECK(a.bias_stock == 0.0);  // its stock is ample already: switching sharing off changes nothing
  }
  const AbTestRow& s10 = row_of(r, "scarce", 0.1, 14);
  const AbTestRow& s50 = row_of(r, "scarce", 0.5, 14);
  const AbTestRow& s90 = row_of(r, "scarce", 0.9, 14);
  INFO("scarce bias: " << s10.bias << ", " << s50.bias << ", " << s90.bias);
  CHECK(s10.bias > 0.0);
  CHECK(s50.bias > 0.0);
  CHECK(s10.bias > s50.bias);
  CHECK(s50.bias > s90.bias);
  CHECK(s10.bias_stock + s10.bias_budget > 0.5 * s10.bias);
  fs::remove_all(dir);
}

TEST_CASE("abtest: the same bytes on 1 and 2 threads, and after a SIGKILL and a resume", "[abtest]") {
  const fs::path dir = fresh_dir("resume");
  Json doc = flash_sale(6);
  doc["base"]["market"]["segments"][0]["consumers"] = 1500;
  std::ofstream(dir / "ab.json") << doc.dump(2);
  const std::string cmd = std::string(MARKETSIM_BINARY) + " abtest " + (dir / "ab.json").string() + " --quiet --out ";
  REQUIRE(std::system((cmd + (dir / "one").string() + " --threads 1 > /dev/null").c_str()) == 0);
  REQUIRE(std::system((cmd + (dir / "two").string() + " --threads 2 > /dev/null").c_str()) == 0);
  const auto csv = [](const fs::path& d) { return testing::slurp(d / "abtest.csv"); };
  CHECK(csv(dir / "one") == csv(dir / "two"));
  const int status = std::system(("MARKETSIM_ABTEST_KILL_AFTER=7 " + cmd + (dir / "killed").string() + " --threads 2 > /dev/null 2>&1").c_str());
  CHECK(((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) || (WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGKILL)));
  CHECK_FALSE(fs::exists(dir / "killed" / "abtest.csv"));
  const testing::Result resumed = testing::cli({"abtest", (dir / "ab.json").string(), "--quiet", "--out", (dir / "killed").string()});
  INFO(resumed.err);
  REQUIRE(resumed.code == 0);
  CHECK(csv(dir / "killed") == csv(dir / "one"));
  const bool advised = resumed.out.find("test on") != std::string::npos || resumed.out.find("no duration") != std::string::npos;
  CHECK(advised);
  fs::remove_all(dir);
}

TEST_CASE("abtest: bad designs get one line naming the pointer", "[abtest]") {
  const auto error_of = [](const Json& doc) -> std::string {
    try {
      parse_abtest(doc.dump(), "ab.json");
    } catch (const ScenarioError& e) {
      return e.what();
    }
    return "";
  };
  const Json good = flash_sale(10);
  CHECK(error_of(good).empty());
  Json d = good;
  d["shares"] = {1.5};
  CHECK(error_of(d).find("/shares/0") != std::string::npos);
  d = good;
  d["days"] = {100};
  CHECK(error_of(d).find("/days/0") != std::string::npos);
  d = good;
  d["metric"] = "happiness";
  CHECK(error_of(d).find("/metric") != std::string::npos);
  d = good;
  d["treatment"] = "nobody";
  CHECK(error_of(d).find("/treatment") != std::string::npos);
  d = good;
  d["base"]["arms"][1]["recommendation"] = Json{{"name", "random"}, {"slots", 3}};
  CHECK(error_of(d).find("differ only in their promotions") != std::string::npos);
  d = good;
  d["variants"][0]["set"]["/arms/1/promotions/0/depth"] = 7;
  CHECK(error_of(d).find("/variants/0/set") != std::string::npos);
}
