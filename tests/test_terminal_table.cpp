// The terminal's tables (analysis/report.cpp print_comparison): columns sized to their content,
// so wide values never run together; and names bounded in length (one-line errors).
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/metric.h"
#include "analysis/report.h"
#include "analysis/statistics.h"
#include "scenarios/scenario.h"
#include "sim/error.h"

using namespace marketsim;

namespace {

const std::string kReference = MARKETSIM_SOURCE_DIR "/scenarios/reference-market.json";

/// The lines of `text` from the first that starts with `header` up to the next blank line.
std::vector<std::string> table_after(const std::string& text, const std::string& header) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside && line.rfind(header, 0) == 0) inside = true;
    if (inside && line.empty()) break;
    if (inside) lines.push_back(line);
  }
  return lines;
}

/// Characters shown (UTF-8 code points).
std::size_t shown(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

TEST_CASE("the paired-differences table sizes its columns to wide values", "[report][table]") {
  const Scenario sc = load_scenario(kReference, {"/market/segments/0/consumers=1000", "/replications=2",
                                                 R"(/arms=[{"name": "base", "baseline": true}, {"name": "a much longer arm name than usual"}])"});
  ExperimentSummary summary;
  const std::size_t metrics = metric_list().size();
  const Interval wide{-1134239.31, -3235000.5, 966516.70, 2};
  for (const auto& a : sc.arms) summary.arms.push_back(ArmSummary{a.name, a.baseline, std::vector<Interval>(metrics, wide), {}, {}});
  summary.comparisons.push_back(
      PairedComparison{sc.arms[1].name, std::vector<Interval>(paired_metrics().size(), wide), wide});
  std::ostringstream out;
  print_comparison(out, sc, summary);
  const std::string text = out.str();
  INFO(text);
  // The values of neighbouring columns are at least two spaces apart, and every row of a table
  // ends its columns where the header does (right-aligned).
  CHECK(text.find("]-") == std::string::npos);
  CHECK(text.find("]+") == std::string::npos);
  auto means = table_after(text, "arm");
  REQUIRE(means.size() == 4);  // header, two arms, "(* baseline)"
  CHECK(means.back() == "(* baseline)");
  means.pop_back();
  for (const std::string& row : means) CHECK(shown(row) == shown(means.front()));
  const auto differences = table_after(text.substr(text.find("Paired differences")), "arm");
  REQUIRE(differences.size() == 2);
  CHECK(shown(differences[0]) == shown(differences[1]));
  CHECK(differences[1].rfind("a much longer arm name than usual  ", 0) == 0);
}

TEST_CASE("names longer than 200 bytes are one-line errors naming the pointer", "[scenario][errors][names]") {
  const std::string name(1 << 20, 'x');
  const auto error_of = [](const std::string& override_text) {
    try {
      load_scenario(kReference, {"/market/segments/0/consumers=1000", override_text});
    } catch (const ScenarioError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string arm = error_of("/arms/0/name=\"" + name + "\"");
  CHECK_THAT(arm, Catch::Contains("/arms/0/name") && Catch::Contains("at most 200 bytes"));
  CHECK(arm.size() < 400);
  CHECK(arm.find('\n') == std::string::npos);
  CHECK_THAT(error_of(R"(/market/sellers=[{"name": ")" + name + R"("}])"), Catch::Contains("/market/sellers/0/name"));
  CHECK_THAT(error_of("/market/segments/0/name=\"" + name + "\""), Catch::Contains("/market/segments/0/name"));
  CHECK_THAT(error_of("/market/categories/0/name=\"" + name + "\""), Catch::Contains("/market/categories/0/name"));
  CHECK(error_of("/arms/0/name=\"" + std::string(200, 'y') + "\"") == "no error");
}
