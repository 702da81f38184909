// report.html (analysis/html): self-contained and offline (a CSP of default-src 'none', no script,
// style, font or image loaded from anywhere), names from the scenario escaped, every chart with
// data-expected > 0, a caption and its numbers; `marketsim report DIR` equal to `run --report`;
// the CSV reader reads back quoted fields. Drawing in a browser: tests/report_browser.sh.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <regex>

#include "analysis/html/csv_table.h"
#include "analysis/html/page.h"
#include "analysis/report.h"
#include "cli_harness.h"
#include "experiments/experiment.h"
#include "scenarios/json_input.h"
#include "scenarios/scenario.h"

using namespace marketsim;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("report.html is one offline page with escaped names and a caption and numbers per chart", "[report]") {
  Json doc = read_json_file(MARKETSIM_SOURCE_DIR "/scenarios/summer-sale.json");
  doc["horizon_days"] = 20;
  doc["warmup_days"] = 0;
  doc["replications"] = 2;
  doc["market"]["segments"][0]["consumers"] = 500;
  doc["market"]["segments"][1]["consumers"] = 500;
  doc["arms"][1]["name"] = "<img src=x onerror=alert(1)> & \"ten\"";
  for (Json& arm : doc["arms"]) {
    if (!arm.contains("promotions")) continue;
    arm["promotions"][0]["start"] = 5;
    arm["promotions"][0]["end"] = 12;
  }
  const Scenario sc = parse_scenario(doc, "s.json");
  const ExperimentResult result = run_experiment(sc);
  std::vector<std::string> names;
  for (const auto& a : sc.arms) names.push_back(a.name);
  const ExperimentSummary summary = summarize(result.runs, names, sc.baseline, 2);
  const std::string html = output_texts(sc, result, summary, PerformanceInfo{}, {"report.html"}).at(0).second;
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:") != std::string::npos);
  // Nothing loaded: no external script, stylesheet, font, image or frame.
  CHECK(!std::regex_search(html, std::regex(R"(<(script|img|iframe|link)[^>]*\s(src|href)=)")));
  CHECK(!std::regex_search(html, std::regex(R"(@import|@font-face|url\()")));
  CHECK(html.find("Chart.js v3.9") != std::string::npos);  // inlined
  // The arm's name, escaped wherever it appears.
  CHECK(html.find("<img src=x") == std::string::npos);
  CHECK(html.find("&lt;img src=x onerror=alert(1)&gt; &amp; &quot;ten&quot;") != std::string::npos);
  // Charts: data-expected > 0, a caption and a table of numbers each.
  const std::size_t charts = count(html, "<canvas ");
  CHECK(charts >= 8);
  CHECK(count(html, "<figcaption>") == charts);
  CHECK(count(html, "<summary>The numbers</summary>") == charts);
  CHECK(!std::regex_search(html, std::regex(R"(data-expected="0")")));
  for (const char* section : {"id=\"verdict\"", "id=\"over-time\"", "id=\"customers\"", "id=\"orders\"", "id=\"prices\"", "id=\"facts\""}) {
    CHECK(html.find(section) != std::string::npos);
  }
  CHECK(html.size() < 2u * 1024 * 1024);
}

TEST_CASE("marketsim report DIR writes the page run --report wrote, under the directory's lock", "[report][cli]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("marketsim-report-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string scenario = MARKETSIM_SOURCE_DIR "/scenarios/summer-sale.json";
  const testing::Result r = testing::cli({"run", scenario, "--set", "/market/segments/0/consumers=500", "--set",
                                          "/market/segments/1/consumers=500", "--replications", "2", "--quiet", "--report",
                                          "--out", (dir / "out").string()});
  REQUIRE(r.code == 0);
  const std::string first = testing::slurp(dir / "out" / "report.html");
  REQUIRE(!first.empty());
  fs::remove(dir / "out" / "report.html");
  REQUIRE(testing::cli({"report", (dir / "out").string()}).code == 0);
  CHECK(testing::slurp(dir / "out" / "report.html") == first);
  // The directory still takes a run (report.html is one of the set's names): the new set has no
  // report unless asked.
  REQUIRE(testing::cli({"run", scenario, "--set", "/market/segments/0/consumers=500", "--set",
                        "/market/segments/1/consumers=500", "--replications", "2", "--quiet", "--out", (dir / "out").string()})
              .code == 0);
  CHECK(!fs::exists(dir / "out" / "report.html"));
  CHECK(fs::directory_iterator(dir).operator*().path().filename() == "out");  // no temporary file left
  // Not an output directory: one line, exit 2.
  const testing::Result bad = testing::cli({"report", dir.string()});
  CHECK(bad.code == 2);
  CHECK(bad.err.find("neither a run's output directory") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("the report's CSV reader reads quoted fields, commas and line breaks back", "[report]") {
  const CsvTable t("arm,value\n\"a, \"\"b\"\"\n c\",1.5\nplain,\n", "t.csv");
  REQUIRE(t.rows() == 2);
  CHECK(t.text(0, 0) == "a, \"b\"\n c");
  CHECK(t.number(0, 1) == 1.5);
  CHECK(std::isnan(t.number(1, 1)));
  CHECK(t.column("value") == 1);
  CHECK(t.column("nope") == CsvTable::npos);
  CHECK_THROWS(CsvTable("a,b\n1\n", "bad.csv"));
  CHECK(html_escape("<a href='x'>&</a>") == "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;");
}
