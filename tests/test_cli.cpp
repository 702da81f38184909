// The command line: exit codes, outputs, byte-identical files for any thread count, and every
// shipped scenario running at a small size.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "analysis/output_registry.h"
#include "cli/cli.h"
#include "cli/command.h"
#include "cli_harness.h"
#include "sim/params.h"

using namespace marketsim;
using namespace marketsim::testing;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("marketsim-test-" + name);
  fs::remove_all(dir);
  return dir;
}

/// Small-size overrides for a shipped scenario: every segment shrunk to 3000 consumers.
std::vector<std::string> shrink(const fs::path& scenario) {
  std::ifstream in(scenario);
  const Json doc = Json::parse(in, nullptr, true, true);
  std::vector<std::string> args;
  for (std::size_t s = 0; s < doc["market"]["segments"].size(); ++s) {
    args.push_back("--set");
    args.push_back("/market/segments/" + std::to_string(s) + "/consumers=3000");
  }
  if (doc.contains("uncertainty")) {  // its replications are draws x replications per draw
    args.insert(args.end(), {"--set", "/uncertainty/draws=2", "--set", "/uncertainty/replications_per_draw=2"});
  } else {
    args.insert(args.end(), {"--replications", "2"});
  }
  args.push_back("--quiet");
  return args;
}

}  // namespace

TEST_CASE("run writes identical bytes with 1 and 2 threads", "[cli][determinism]") {
  const std::string scenario = MARKETSIM_SOURCE_DIR "/scenarios/summer-sale.json";
  std::vector<std::string> files = {"runs.csv",      "daily.csv",  "cohorts.csv", "sellers.csv", "sellers_daily.csv",
                                    "breakdown.csv", "gauges.csv", "monitor.csv", "summary.json"};
  std::map<std::string, std::string> first;
  for (int threads : {1, 2}) {
    const fs::path dir = fresh_dir("threads" + std::to_string(threads));
    std::vector<std::string> args = {"run", scenario, "--threads", std::to_string(threads),
                                     "--out", dir.string()};
    for (const auto& a : shrink(scenario)) args.push_back(a);
    const Result r = cli(args);
    REQUIRE(r.code == 0);
    for (const auto& f : files) {
      std::string text = slurp(dir / f);
      REQUIRE(!text.empty());
      if (f == "summary.json") {  // timings and memory are this machine's, not the model's
        Json doc = Json::parse(text);
        REQUIRE(doc.contains("performance"));
        doc.erase("performance");
        text = doc.dump();
      }
      if (threads == 1) first[f] = text;
      else CHECK(text == first[f]);
    }
    CHECK(!fs::exists(dir / ".summary.json.tmp"));
  }
}

TEST_CASE("output files hold what the README says", "[cli]") {
  const std::string scenario = MARKETSIM_SOURCE_DIR "/scenarios/summer-sale.json";
  const fs::path dir = fresh_dir("outputs");
  std::vector<std::string> args = {"run", scenario, "--out", dir.string()};
  for (const auto& a : shrink(scenario)) args.push_back(a);
  const Result r = cli(args);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("outdoor-25-off") != std::string::npos);
  CHECK(r.out.find("ROI") != std::string::npos);
  const Json summary = Json::parse(slurp(dir / "summary.json"));
  CHECK(summary["arms"].size() == 3);
  CHECK(summary["paired_differences"].size() == 2);
  CHECK(summary["scenario"]["replications"] == 2);
  for (const char* key : {"visits", "simulation_seconds", "visits_per_second", "peak_rss_mb"}) {
    CHECK(summary["performance"].contains(key));
  }
  const auto& m = summary["arms"][0]["metrics"]["gross_profit"];
  CHECK(m["ci_low"].get<double>() <= m["mean"].get<double>());
  CHECK(m["mean"].get<double>() <= m["ci_high"].get<double>());
  const std::string runs = slurp(dir / "runs.csv");
  CHECK(runs.rfind("arm,replication,visits,conversions,units,revenue,cogs,gross_profit", 0) == 0);
  CHECK(std::count(runs.begin(), runs.end(), '\n') == 1 + 3 * 2);
  const std::string daily = slurp(dir / "daily.csv");
  CHECK(std::count(daily.begin(), daily.end(), '\n') == 1 + 3 * 2 * 56);
  const std::string cohorts = slurp(dir / "cohorts.csv");
  CHECK(cohorts.rfind("arm,replication,period,cohort,cohort_size,offset,buyers,rate", 0) == 0);
  // 42 measured days: 6 weekly cohorts (15 later-week cells each arm and replication) and 2
  // 30-day cohorts (1 later-month cell).
  CHECK(std::count(cohorts.begin(), cohorts.end(), '\n') == 1 + 3 * 2 * (15 + 1));
  const std::string sellers = slurp(dir / "sellers.csv");
  CHECK(sellers.rfind("arm,replication,seller,visits,conversions,units,revenue", 0) == 0);
  CHECK(std::count(sellers.begin(), sellers.end(), '\n') == 1 + 3 * 2);
  const std::string breakdown = slurp(dir / "breakdown.csv");
  CHECK(breakdown.rfind("arm,replication,seller,category,segment,visits,conversions,units,revenue,cogs,gross_profit", 0) == 0);
  // Per run: 3 categories x 2 segments cells, 2 segment rows, 3 seller x category rows, 1 seller
  // row, 1 total row.
  CHECK(std::count(breakdown.begin(), breakdown.end(), '\n') == 1 + 3 * 2 * (3 * 2 + 2 + 3 + 1 + 1));
}

TEST_CASE("every shipped scenario runs at a small consumer count", "[cli][scenarios]") {
  int count = 0;
  for (const auto& entry : fs::directory_iterator(MARKETSIM_SOURCE_DIR "/scenarios")) {
    if (entry.path().extension() != ".json" || !testing::is_scenario_file(entry.path())) continue;
    ++count;
    INFO(entry.path());
    std::vector<std::string> args = {"run", entry.path().string()};
    for (const auto& a : shrink(entry.path())) args.push_back(a);
    const Result r = cli(args);
    CHECK(r.err.find("error") == std::string::npos);
    CHECK(r.code == 0);
    CHECK(cli({"validate", entry.path().string()}).code == 0);
  }
  CHECK(count >= 2);
}

TEST_CASE("bad input exits 2 with one line naming the file and pointer", "[cli]") {
  const std::string scenario = MARKETSIM_SOURCE_DIR "/scenarios/summer-sale.json";
  const fs::path dir = fresh_dir("bad");
  const Result r = cli({"run", scenario, "--set", "/replications=0", "--out", dir.string()});
  CHECK(r.code == 2);
  CHECK(r.err.find("summer-sale.json: /replications:") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(!fs::exists(dir));  // no half-written output
  CHECK(cli({"run"}).code == 2);
  CHECK(cli({"run", scenario, "--threads", "0"}).code == 2);
  CHECK(cli({"run", scenario, "--bogus"}).code == 2);
  CHECK(cli({"frobnicate"}).code == 2);
  {
    const fs::path file = fs::temp_directory_path() / "marketsim-test-out-is-a-file";
    std::ofstream(file) << "x";
    const Result out_file = cli({"run", scenario, "--quiet", "--out", file.string()});
    CHECK(out_file.code == 2);
    CHECK(out_file.err.find("--out") != std::string::npos);
    fs::remove(file);
  }
  CHECK(cli({"validate", "/nonexistent.json"}).code == 2);
  CHECK(cli({"--version"}).code == 0);
  const Result help = cli({"--help"});
  CHECK(help.code == 0);
  CHECK(help.out.find("--replications") != std::string::npos);
  const Result list = cli({"list"});
  CHECK(list.code == 0);
  for (const char* name : {"fixed", "none", "percent_off", "random", "popular_plus_random",
                           "order_up_to", "s_S"}) {
    CHECK(list.out.find(name) != std::string::npos);
  }
}

TEST_CASE("run with --outputs writes the chosen files only, and a later full set replaces them", "[cli][outputs]") {
  const std::string scenario = MARKETSIM_SOURCE_DIR "/scenarios/summer-sale.json";
  const fs::path dir = fresh_dir("chosen-outputs");
  std::vector<std::string> args = {"run", scenario, "--out", dir.string(), "--outputs", "runs.csv,summary.json"};
  for (const auto& a : shrink(scenario)) args.push_back(a);
  const Result some = cli(args);
  REQUIRE(some.code == 0);
  std::set<std::string> written;
  for (const auto& e : fs::directory_iterator(dir)) written.insert(e.path().filename().string());
  CHECK(written == std::set<std::string>{"runs.csv", "summary.json"});
  CHECK(some.err.find("/{summary.json,runs.csv}") != std::string::npos);  // registry order
  // The full set replaces the partial one whole (the partial set's files are the set's own).
  args.resize(4);
  for (const auto& a : shrink(scenario)) args.push_back(a);
  REQUIRE(cli(args).code == 0);
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file() ? 1 : 0;
  CHECK(files == default_outputs().size());
  // An unknown name, an empty entry, or --outputs without --out: one line, exit 2, nothing written.
  for (const std::string& list : {std::string("runs.csv,nope.csv"), std::string("runs.csv,")}) {
    const fs::path bad = fresh_dir("bad-outputs");
    const Result r = cli({"run", scenario, "--out", bad.string(), "--outputs", list});
    CHECK(r.code == 2);
    CHECK(r.err.find("--outputs: unknown output") != std::string::npos);
    CHECK(r.err.find("Valid values are: summary.json, runs.csv") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(!fs::exists(bad));
  }
  CHECK(cli({"run", scenario, "--outputs", "runs.csv"}).code == 2);
  CHECK(cli({"validate", scenario, "--outputs", "runs.csv"}).code == 2);
}

TEST_CASE("run with --first-replication K gives replications K.. whose rows equal those of a longer run", "[cli][run_unit]") {
  const std::string scenario = MARKETSIM_SOURCE_DIR "/scenarios/summer-sale.json";
  const auto run = [&](const std::string& name, std::vector<std::string> extra) {
    const fs::path dir = fresh_dir(name);
    std::vector<std::string> args = {"run", scenario, "--out", dir.string(), "--outputs", "runs.csv", "--quiet",
                                     "--set", "/market/segments/0/consumers=2000", "--set",
                                     "/market/segments/1/consumers=2000", "--set", "/horizon_days=30"};
    args.insert(args.end(), extra.begin(), extra.end());
    REQUIRE(cli(args).code == 0);
    std::istringstream in(slurp(dir / "runs.csv"));
    std::vector<std::string> rows;
    std::string line;
    while (std::getline(in, line)) rows.push_back(line);
    return rows;
  };
  const std::vector<std::string> six = run("six-reps", {"--replications", "6"});
  const std::vector<std::string> tail = run("reps-3-5", {"--replications", "3", "--first-replication", "3"});
  REQUIRE(six.size() == 1 + 3 * 6);
  REQUIRE(tail.size() == 1 + 3 * 3);
  CHECK(tail[0] == six[0]);
  std::vector<std::string> expected;  // arm-major: each arm's replications 3, 4, 5
  for (std::size_t arm = 0; arm < 3; ++arm) {
    for (std::size_t rep = 3; rep < 6; ++rep) expected.push_back(six[1 + arm * 6 + rep]);
  }
  CHECK(std::vector<std::string>(tail.begin() + 1, tail.end()) == expected);
  for (const char* bad : {"-1", "x", "1e3", "9007199254740993", ""}) {
    CHECK(cli({"run", scenario, "--first-replication", bad}).code == 2);
  }
}

TEST_CASE("commands and output files are registries: a new one is an entry", "[cli][registry]") {
  register_builtin_commands();
  add_command({"hello", "hello [NAME]", "says hello (a test's command)",
               [](const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
                 out << "hello " << (args.empty() ? "world" : args[0]) << "\n";
                 return 0;
               }});
  const Result hello = cli({"hello", "marketsim"});
  CHECK(hello.code == 0);
  CHECK(hello.out == "hello marketsim\n");
  CHECK(cli({"--help"}).out.find("marketsim hello [NAME]") != std::string::npos);
  CHECK(cli({"list", "commands"}).out.find("says hello") != std::string::npos);
  const Result unknown = cli({"frobnicate"});
  CHECK(unknown.err.find("Valid values are: run, sweep, optimize, abtest, recommend-eval, calibrate, validate-fit, report, validate, list, hello") != std::string::npos);

  register_builtin_outputs();
  add_output({"visits.txt", "total visits (a test's output)", [](const OutputContext& o) {
                return std::to_string(o.result.visits) + "\n";
              }});
  const std::string scenario = MARKETSIM_SOURCE_DIR "/scenarios/summer-sale.json";
  const fs::path dir = fresh_dir("registered-output");
  std::vector<std::string> args = {"run", scenario, "--out", dir.string(), "--outputs", "visits.txt"};
  for (const auto& a : shrink(scenario)) args.push_back(a);
  REQUIRE(cli(args).code == 0);
  CHECK(std::stoull(slurp(dir / "visits.txt")) > 0);
  CHECK(cli({"list", "outputs"}).out.find("visits.txt") != std::string::npos);
  // Leave the registries as the other tests expect them.
  command_registry().pop_back();
  output_registry().pop_back();
}

TEST_CASE("every test case name survives ctest's discovery (no semicolon)", "[cli][suite]") {
  // catch_discover_tests cuts a name at ';' and ctest then runs a filter that matches nothing, so
  // such a test would silently never run in CI.
  for (const auto& entry : fs::directory_iterator(MARKETSIM_SOURCE_DIR "/tests")) {
    if (entry.path().extension() != ".cpp") continue;
    std::istringstream text(slurp(entry.path()));
    std::string line;
    while (std::getline(text, line)) {
      const auto at = line.find("TEST_CASE(\"");
      if (at == std::string::npos) continue;
      const auto end = line.find('"', at + 11);
      INFO(entry.path().filename().string() << ": " << line);
      CHECK(line.substr(at + 11, end - at - 11).find(';') == std::string::npos);
    }
  }
}
