// Sweeps (experiments/sweep.h, designs.h, sweep_store.h, `marketsim sweep`): designs (a grid's
// every combination, one Latin-hypercube point per stratum, Boost's Sobol points), the same bytes
// on 1 and 2 threads, each point's runs.csv rows equal to a run of that point alone, a kill -9
// while the store holds some units followed by a resume that gives the bytes of an uninterrupted
// sweep, a failing point recorded while the rest complete, a store that refuses another sweep, and
// bad sweep files as one-line errors.
#include <sys/wait.h>
#include <tbb/global_control.h>

#include <boost/math/distributions/students_t.hpp>
#include <boost/random/sobol.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "analysis/report.h"
#include "analysis/statistics.h"
#include "cli_harness.h"
#include "experiments/designs.h"
#include "experiments/result_store.h"
#include "experiments/experiment.h"
#include "experiments/sweep.h"
#include "experiments/sweep_store.h"
#include "strategies/registry.h"
#include "scenarios/json_input.h"
#include "sim/error.h"

using namespace marketsim;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A fresh directory under the temporary directory.
fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("marketsim-sweep-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

/// The summer sale cut to 20 days (its sale on days 5-12) and 1,000 consumers in its second
/// segment, as an inline base scenario.
std::string small_base() {
  Json b = read_json_file(MARKETSIM_SOURCE_DIR "/scenarios/summer-sale.json");
  b["horizon_days"] = 20;
  b["market"]["segments"][1]["consumers"] = 1000;
  for (Json& arm : b["arms"]) {
    if (!arm.contains("promotions")) continue;
    for (Json& p : arm["promotions"]) {
      p["start"] = 5;
      p["end"] = 12;
    }
  }
  return b.dump();
}

/// A sweep of the small base with `factors` and 2 replications.
std::string sweep_text(const std::string& factors, const std::string& design = R"({"kind": "grid"})") {
  return R"({"scenario": )" + small_base() + R"(, "replications": 2, "design": )" + design +
         R"(, "factors": )" + factors + "}";
}

const std::string kGrid = R"([{"name": "depth", "pointer": "/arms/1/promotions/0/depth", "levels": [0.1, 0.3]},
                               {"name": "consumers", "pointer": "/market/segments/0/consumers", "levels": [1500, 2500]}])";

SweepSpec spec_of(const std::string& text, const fs::path& dir) {
  const fs::path file = dir / "sweep.json";
  std::ofstream(file) << text;
  return load_sweep(file.string());
}

std::string outputs_of(const fs::path& dir) {
  std::string all;
  for (const char* f : {"sweep.csv", "runs.csv", "failed.csv"}) all += std::string(f) + "\n" + slurp(dir / f);
  return all;
}

}  // namespace

TEST_CASE("sweep designs: a grid's every combination, LHS strata, Boost's Sobol points", "[sweep]") {
  SweepFactor a{"a", "/a", {1, 2}}, b{"b", "/b", {"x", "y", "z"}};
  const auto grid = design_points({a, b}, SweepDesign{});
  REQUIRE(grid.size() == 6);
  std::set<std::string> seen;
  for (const auto& p : grid) seen.insert(p[0].dump() + p[1].dump());
  CHECK(seen.size() == 6);
  CHECK(grid[0][0] == 1);  // the first factor varies slowest
  CHECK(grid[2][0] == 1);
  CHECK(grid[3][0] == 2);
  CHECK(grid[1][1] == "y");

  // Latin hypercube: in every dimension each of the n strata holds exactly one point.
  const std::size_t n = 37;
  const auto lhs = unit_design(DesignKind::kLhs, n, 3, 11);
  for (std::size_t d = 0; d < 3; ++d) {
    std::vector<int> count(n, 0);
    for (const auto& x : lhs) {
      REQUIRE(x[d] >= 0.0);
      REQUIRE(x[d] < 1.0);
      ++count[static_cast<std::size_t>(std::floor(x[d] * static_cast<double>(n)))];
    }
    for (int c : count) CHECK(c == 1);
  }
  CHECK(unit_design(DesignKind::kLhs, n, 3, 11) == lhs);   // seeded
  CHECK(unit_design(DesignKind::kLhs, n, 3, 12) != lhs);

  // Sobol: Boost's generator's first points, which skip the origin.
  const auto sobol = unit_design(DesignKind::kSobol, 8, 2, 0);
  boost::random::sobol gen(2);
  for (const auto& x : sobol) {
    for (double v : x) CHECK(v == static_cast<double>(gen() >> 11) * 0x1.0p-53);
  }
  CHECK(sobol[0] == std::vector<double>{0.5, 0.5});

  // Ranges: integers uniform over [lo, hi], log scales within the range.
  SweepFactor k{"k", "/k", {}, 3, 7, true, false};
  std::set<std::int64_t> ints;
  for (int i = 0; i < 1000; ++i) ints.insert(factor_value(k, (i + 0.5) / 1000.0).get<std::int64_t>());
  CHECK(ints == std::set<std::int64_t>{3, 4, 5, 6, 7});
  SweepFactor l{"l", "/l", {}, 10, 1000, false, true};
  CHECK(factor_value(l, 0.5).get<double>() == Approx(100.0));
  CHECK(factor_value(l, 0.0).get<double>() == Approx(10.0));
}

TEST_CASE("a sweep gives the same bytes on 1 and 2 threads, and each point's runs are a run of that point", "[sweep]") {
  const fs::path dir = fresh_dir("threads");
  const SweepSpec spec = spec_of(sweep_text(kGrid), dir);
  REQUIRE(spec.points.size() == 4);
  std::string first;
  for (int threads : {1, 2}) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    const fs::path out = dir / ("out" + std::to_string(threads));
    const SweepReport r = run_sweep(spec, out.string(), SweepOptions{});
    CHECK(r.points == 4);
    CHECK(r.units == 8);
    CHECK(r.units_run == 8);
    CHECK(r.failed_points == 0);
    if (threads == 1) {
      first = outputs_of(out);
    } else {
      CHECK(outputs_of(out) == first);
    }
  }
  // Point 3's rows of runs.csv are the rows of a run of point 3 alone, after its point and factors.
  const Scenario sc = point_scenario(spec, 3);
  const ExperimentResult result = run_experiment(sc);
  std::vector<std::string> names;
  for (const auto& a : sc.arms) names.push_back(a.name);
  const std::string alone = output_texts(sc, result, summarize(result.runs, names, sc.baseline, 2), PerformanceInfo{},
                                         {"runs.csv"})
                                .at(0)
                                .second;
  std::istringstream lines(alone);
  std::string line;
  std::getline(lines, line);  // header
  const std::string runs = slurp(dir / "out1" / "runs.csv");
  CHECK(runs.rfind("point,depth,consumers,arm,replication,", 0) == 0);
  std::size_t rows = 0;
  while (std::getline(lines, line)) {
    CHECK(runs.find("\n3,0.3,2500," + line + "\n") != std::string::npos);
    ++rows;
  }
  CHECK(rows == 6);  // 3 arms x 2 replications
  // sweep.csv: a row per point x arm x metric, the baseline's differences empty.
  const std::string sweep = slurp(dir / "out1" / "sweep.csv");
  CHECK(sweep.rfind("point,depth,consumers,arm,metric,mean,ci_low,ci_high,difference,difference_low,difference_high,replications\n", 0) == 0);
  CHECK(sweep.find("\n0,0.1,1500,baseline,units,") != std::string::npos);
  const Json meta = Json::parse(slurp(dir / "out1" / "sweep.json"));
  CHECK(meta["points"] == 4);
  CHECK(meta["marketsim_commit"] == marketsim_commit());
  CHECK(meta["ranks"] == 1);
  fs::remove_all(dir);
}

TEST_CASE("a sweep killed with SIGKILL resumes: nothing lost, nothing twice, the same bytes", "[sweep]") {
  const fs::path dir = fresh_dir("kill");
  const std::string text = sweep_text(kGrid);
  std::ofstream(dir / "sweep.json") << text;
  const std::string run = std::string(MARKETSIM_BINARY) + " sweep " + (dir / "sweep.json").string() + " --quiet --threads 2 --out ";
  // Uninterrupted.
  REQUIRE(std::system((run + (dir / "whole").string() + " > /dev/null").c_str()) == 0);
  // Killed once 3 of 8 units are stored, then resumed.
  const int status = std::system(("MARKETSIM_SWEEP_KILL_AFTER=3 " + run + (dir / "killed").string() + " > /dev/null 2>&1").c_str());
  // Killed by SIGKILL: the shell reports it as the signal, or as the status 128 + 9.
  CHECK(((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) || (WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGKILL)));
  CHECK_FALSE(fs::exists(dir / "killed" / "sweep.csv"));
  {
    const SweepStore store((dir / "killed" / "store.sqlite").string(), sweep_fingerprint(load_sweep((dir / "sweep.json").string())), false);
    const auto units = store.units();
    CHECK(units.size() >= 3);
    CHECK(units.size() < 8);
  }
  const testing::Result resumed = testing::cli({"sweep", (dir / "sweep.json").string(), "--quiet", "--out", (dir / "killed").string()});
  INFO(resumed.err);
  REQUIRE(resumed.code == 0);
  CHECK(resumed.out.find("8 units") != std::string::npos);
  CHECK(resumed.out.find("from the store") != std::string::npos);
  CHECK(outputs_of(dir / "killed") == outputs_of(dir / "whole"));
  fs::remove_all(dir);
}

TEST_CASE("a failing point is recorded with its one-line error while the others complete", "[sweep]") {
  const fs::path dir = fresh_dir("failing");
  // A depth of 1.5 is outside percent_off's range: that point fails validation.
  const SweepSpec spec = spec_of(sweep_text(R"([{"name": "depth", "pointer": "/arms/1/promotions/0/depth", "levels": [0.2, 1.5]},
                                                 {"pointer": "/market/segments/0/consumers", "levels": [1500]}])"),
                                 dir);
  const SweepReport r = run_sweep(spec, (dir / "out").string(), SweepOptions{});
  CHECK(r.failed_points == 1);
  const std::string failed = slurp(dir / "out" / "failed.csv");
  CHECK(failed.rfind("point,depth,/market/segments/0/consumers,error\n1,1.5,1500,", 0) == 0);
  CHECK(failed.find("/arms/1/promotions/0/depth") != std::string::npos);
  CHECK(std::count(failed.begin(), failed.end(), '\n') == 2);
  const std::string runs = slurp(dir / "out" / "runs.csv");
  CHECK(runs.find("\n0,0.2,1500,") != std::string::npos);
  CHECK(runs.find("\n1,") == std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("a store refuses another sweep, and --fresh starts it over", "[sweep]") {
  const fs::path dir = fresh_dir("refuse");
  const std::string grid1 = R"([{"name": "depth", "pointer": "/arms/1/promotions/0/depth", "levels": [0.1]},
                                {"pointer": "/market/segments/0/consumers", "levels": [1500]}])";
  std::ofstream(dir / "a.json") << sweep_text(grid1);
  std::string grid2 = grid1;
  grid2.replace(grid2.find("0.1"), 3, "0.2");
  std::ofstream(dir / "b.json") << sweep_text(grid2);
  const std::string out = (dir / "out").string();
  REQUIRE(testing::cli({"sweep", (dir / "a.json").string(), "--quiet", "--out", out}).code == 0);
  const testing::Result other = testing::cli({"sweep", (dir / "b.json").string(), "--quiet", "--out", out});
  CHECK(other.code == 2);
  CHECK(other.err.find("holds the store of another sweep") != std::string::npos);
  CHECK(std::count(other.err.begin(), other.err.end(), '\n') == 1);
  CHECK(testing::cli({"sweep", (dir / "b.json").string(), "--quiet", "--fresh", "--out", out}).code == 0);
  CHECK(slurp(dir / "out" / "runs.csv").find("\n0,0.2,") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("bad sweep files are one-line errors naming the file and pointer", "[sweep]") {
  const fs::path dir = fresh_dir("bad");
  const auto error_of = [&](const std::string& text) {
    std::ofstream(dir / "s.json", std::ios::trunc) << text;
    const testing::Result r = testing::cli({"sweep", (dir / "s.json").string(), "--quiet", "--out", (dir / "out").string()});
    CHECK(r.code == 2);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    return r.err;
  };
  const std::string base = R"("scenario": ")" MARKETSIM_SOURCE_DIR R"(/scenarios/summer-sale.json")";  // a path
  CHECK(error_of("{" + base + "}").find("/factors: required") != std::string::npos);
  CHECK(error_of("{" + base + R"(, "factors": [{"pointer": "/no/such/thing", "levels": [1]}]})").find("/factors/0/pointer: does not lead") !=
        std::string::npos);
  CHECK(error_of("{" + base + R"(, "factors": [{"pointer": "/seed", "range": [1, 2]}]})").find("/factors/0/range: a grid design takes") !=
        std::string::npos);
  CHECK(error_of("{" + base + R"(, "design": {"kind": "lhs"}, "factors": [{"pointer": "/seed", "range": [1, 2]}]})")
            .find("/design/points: required") != std::string::npos);
  CHECK(error_of("{" + base + R"(, "design": {"kind": "sobol", "points": 4}, "factors": [{"pointer": "/seed", "range": [0, 2], "scale": "log"}]})")
            .find("/factors/0/range: a log scale needs lo > 0") != std::string::npos);
  CHECK(error_of("{" + base + R"(, "factors": [{"pointer": "/seed", "levels": [1]}], "colour": 1})").find("/colour: unknown key") !=
        std::string::npos);
  CHECK(error_of("{" + base + R"(, "factors": [{"pointer": "/seed", "levels": [1]}],
                   "replications": {"metric": "nope", "arm": "baseline", "half_width": 1}})")
            .find("/replications/metric: not a metric") != std::string::npos);
  CHECK(error_of("{" + base + R"(, "factors": [{"pointer": "/seed", "levels": [1]}],
                   "replications": {"metric": "units", "arm": "baseline"}})")
            .find("give exactly one of \"half_width\" and \"relative\"") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("every shipped sweep loads and each of its points is a valid scenario", "[sweep]") {
  int count = 0;
  for (const auto& entry : fs::directory_iterator(MARKETSIM_SOURCE_DIR "/scenarios/sweeps")) {
    if (entry.path().extension() != ".json") continue;
    ++count;
    INFO(entry.path());
    const SweepSpec spec = load_sweep(entry.path().string());
    CHECK(!spec.points.empty());
    for (std::size_t p = 0; p < spec.points.size(); ++p) CHECK_NOTHROW(point_scenario(spec, p));
  }
  CHECK(count >= 1);
}

TEST_CASE("shards of a sweep, merged, give the bytes of the sweep run whole", "[sweep]") {
  const fs::path dir = fresh_dir("shards");
  std::ofstream(dir / "sweep.json") << sweep_text(kGrid);
  const std::string file = (dir / "sweep.json").string();
  REQUIRE(testing::cli({"sweep", file, "--quiet", "--out", (dir / "whole").string()}).code == 0);
  for (const char* shard : {"1/3", "2/3", "3/3"}) {
    std::string name = "s";  // appended: GCC 12 -Wrestrict on "s" + std::string(...)
    name += shard[0];
    const testing::Result r = testing::cli({"sweep", file, "--quiet", "--shard", shard, "--out", (dir / name).string()});
    INFO(r.err);
    REQUIRE(r.code == 0);
  }
  // Shard 1/3 holds points 0 and 3 only.
  const std::string first = slurp(dir / "s1" / "runs.csv");
  CHECK(first.find("\n0,") != std::string::npos);
  CHECK(first.find("\n3,") != std::string::npos);
  CHECK(first.find("\n1,") == std::string::npos);
  const testing::Result merged =
      testing::cli({"sweep", "merge", (dir / "s2").string(), (dir / "s1").string(), (dir / "s3").string(), "--out", (dir / "merged").string()});
  INFO(merged.err);
  REQUIRE(merged.code == 0);
  CHECK(outputs_of(dir / "merged") == outputs_of(dir / "whole"));
  // A shard missing, or a store of another shard in the same directory: one-line errors.
  const testing::Result missing = testing::cli({"sweep", "merge", (dir / "s1").string(), (dir / "s2").string(), "--out", (dir / "m2").string()});
  CHECK(missing.code == 2);
  CHECK(missing.err.find("shard 3/3 is missing") != std::string::npos);
  const testing::Result other = testing::cli({"sweep", file, "--quiet", "--shard", "2/3", "--out", (dir / "s1").string()});
  CHECK(other.code == 2);
  CHECK(other.err.find("holds shard 1/3") != std::string::npos);
  fs::remove_all(dir);
}

namespace {

/// The two-sided 95% half-width of the mean of `d` (Student t), computed here from Boost.Math.
double half_width(const std::vector<double>& d) {
  const double n = static_cast<double>(d.size());
  double mean = 0.0, ss = 0.0;
  for (double x : d) mean += x / n;
  for (double x : d) ss += (x - mean) * (x - mean);
  const boost::math::students_t t(n - 1.0);
  return boost::math::quantile(boost::math::complement(t, 0.025)) * std::sqrt(ss / (n - 1.0) / n);
}

}  // namespace

TEST_CASE("sequential replications stop at the first batch whose CI half-width meets the target", "[sweep]") {
  const fs::path dir = fresh_dir("sequential");
  const std::string text = R"({"scenario": )" + small_base() + R"(, "factors": )" + kGrid + R"(,
      "replications": {"batch": 2, "min": 4, "max": 12, "metric": "units", "arm": "outdoor-25-off", "half_width": 40}})";
  const SweepSpec spec = spec_of(text, dir);
  std::string first;
  for (int threads : {1, 2}) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    run_sweep(spec, (dir / ("out" + std::to_string(threads))).string(), SweepOptions{});
    if (threads == 1) first = outputs_of(dir / "out1");
    else CHECK(outputs_of(dir / "out2") == first);
  }
  // Replay the rule from runs.csv: per point, the units of the arm less the baseline's, per
  // replication; the first count of 4, 6, ..., 12 whose half-width is at most 40 (or 12).
  std::map<std::size_t, std::map<std::uint64_t, std::map<std::string, double>>> units;  // point, rep, arm
  std::istringstream runs(slurp(dir / "out1" / "runs.csv"));
  std::string line;
  std::getline(runs, line);
  std::vector<std::string> header;
  for (std::stringstream h(line); std::getline(h, line, ',');) header.push_back(line);
  const auto column = static_cast<std::size_t>(std::find(header.begin(), header.end(), "units") - header.begin());
  while (std::getline(runs, line)) {
    std::vector<std::string> f;
    for (std::stringstream h(line); std::getline(h, line, ',');) f.push_back(line);
    units[std::stoul(f[0])][std::stoull(f[4])][f[3]] = std::stod(f[column]);
  }
  const SweepStore store((dir / "out1" / "store.sqlite").string());
  const auto stored = store.units();
  std::set<std::uint64_t> counts;
  for (std::size_t p = 0; p < spec.points.size(); ++p) {
    std::vector<double> d;
    for (const auto& [r, arms] : units[p]) d.push_back(arms.at("outdoor-25-off") - arms.at("baseline"));
    std::uint64_t expect = 4;
    while (expect < 12 && !(half_width(std::vector<double>(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(expect, d.size())))) <= 40.0)) expect += 2;
    INFO("point " << p);
    CHECK(d.size() == expect);
    counts.insert(expect);
    // Nothing past the stopping batch was run or stored.
    std::uint64_t in_store = 0;
    for (const auto& [q, r] : stored) in_store += q == p ? 1 : 0;
    CHECK(in_store == expect);
  }
  CHECK(counts.size() >= 2);  // the points stop at different counts
  fs::remove_all(dir);
}

namespace {

/// Test-only promotion: throws while preparing day `fail_on` (a run that fails after its scenario
/// was valid).
class FailingPromotion final : public PromotionStrategy {
 public:
  explicit FailingPromotion(std::int64_t fail_on) : fail_on_(fail_on) {}
  bool offers(const MarketContext& ctx, std::span<const Money>, std::span<Money>) override {
    if (fail_on_ >= 0 && ctx.day == fail_on_) throw std::runtime_error("test_failing: day " + std::to_string(ctx.day));
    return false;
  }

 private:
  std::int64_t fail_on_;
};

}  // namespace

TEST_CASE("a point whose run fails is recorded with its error while the others complete", "[sweep]") {
  static std::once_flag once;
  std::call_once(once, [] {
    register_builtin_strategies();
    promotion_registry().add({"test_failing", "Test-only: throws on day `fail_on` (-1: never).",
                              {{.name = "fail_on", .type = ParamType::kInteger, .default_value = -1, .min = -1,
                                .max = 1000, .description = "the day it throws"}},
                              [](const Json& p, const BuildContext&) {
                                return std::make_unique<FailingPromotion>(p["fail_on"].get<std::int64_t>());
                              }});
  });
  const fs::path dir = fresh_dir("runfail");
  Json base = Json::parse(small_base());
  base["arms"][1]["promotions"] = Json::array({Json{{"name", "test_failing"}}});
  const std::string text = R"({"scenario": )" + base.dump() + R"(, "replications": 2, "factors": [
      {"name": "fail_on", "pointer": "/arms/1/promotions/0/fail_on", "levels": [-1, 3, -1]}]})";
  const SweepSpec spec = spec_of(text, dir);
  const SweepReport r = run_sweep(spec, (dir / "out").string(), SweepOptions{});
  CHECK(r.failed_points == 1);
  const std::string failed = slurp(dir / "out" / "failed.csv");
  CHECK(failed == "point,fail_on,error\n1,3,test_failing: day 3\n");
  const std::string runs = slurp(dir / "out" / "runs.csv");
  CHECK(runs.find("\n0,-1,") != std::string::npos);
  CHECK(runs.find("\n2,-1,") != std::string::npos);
  CHECK(runs.find("\n1,") == std::string::npos);
  // Resuming does not run the failed point again, and gives the same files.
  const std::string before = outputs_of(dir / "out");
  const SweepReport again = run_sweep(spec, (dir / "out").string(), SweepOptions{});
  CHECK(again.units_run == 0);
  CHECK(outputs_of(dir / "out") == before);
  fs::remove_all(dir);
}

TEST_CASE("a store of units in another stored format is refused in one line until --fresh", "[sweep]") {
  const fs::path dir = fresh_dir("format");
  const std::string path = (dir / "store.sqlite").string();
  {
    SweepStore store(path, "fingerprint", false);
    store.set_meta("unit_version", "2");  // as a build that stored version-2 units left it
  }
  try {
    SweepStore reopened(path, "fingerprint", false);
    FAIL("an older store was served");
  } catch (const UsageError& e) {
    const std::string what = e.what();
    CHECK(what.find("version 2, this build reads " + std::to_string(kUnitResultVersion)) != std::string::npos);
    CHECK(what.find('\n') == std::string::npos);
  }
  SweepStore fresh(path, "fingerprint", true);
  CHECK(fresh.units().empty());
  fs::remove_all(dir);
}
