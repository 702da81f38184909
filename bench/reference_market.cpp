// bench/reference-market: runs scenarios/reference-market.json (or --scenario FILE) through the
// ordinary `marketsim run` path at a chosen consumer count and thread count, and prints one JSON
// line. --consumers N sets the scenario's consumers in all to N: a scenario with several segments
// keeps their proportions (each segment's count is scaled by N / the file's total, rounded by
// largest remainder so the counts sum to N exactly; every segment keeps at least one consumer, so
// N must be at least the number of segments). --set assignments are applied after that.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <boost/program_options.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cli/cli.h"
#include "scenarios/json_input.h"
#include "sim/error.h"

namespace {

/// Consumers per segment for `total` consumers in all, in proportion to `counts` (the scenario's
/// own counts, each >= 1): largest remainder, so the result sums to `total`; each at least 1
/// (taken from the largest). Requires total >= counts.size().
std::vector<long> scale_segments(const std::vector<long>& counts, long total) {
  __extension__ using u128 = unsigned __int128;  // N x a count: up to 126 bits
  u128 sum = 0;
  for (const long c : counts) sum += static_cast<u128>(c);
  std::vector<long> out(counts.size());
  std::vector<std::pair<u128, std::size_t>> remainders;  // (N x count) mod sum, segment
  long assigned = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const u128 share = static_cast<u128>(total) * static_cast<u128>(counts[i]);
    out[i] = static_cast<long>(share / sum);
    assigned += out[i];
    remainders.emplace_back(share % sum, i);
  }
  // The floors leave fewer than counts.size() consumers: one each to the largest remainders
  // (ties to the earlier segment).
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t k = 0; assigned < total; ++k, ++assigned) ++out[remainders[k].second];
  for (long& c : out) {
    if (c == 0) {
      --*std::max_element(out.begin(), out.end());
      c = 1;
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  po::options_description o("bench/reference-market options");
  o.add_options()("help,h", "this help")
      ("consumers", po::value<long>()->default_value(1000000), "N, consumers")
      ("threads", po::value<long>()->default_value(1), "worker threads")
      ("repeat", po::value<long>()->default_value(1), "runs; figures are the median run's")
      ("window-days", po::value<std::string>(), "override /engine/window_days")
      ("set", po::value<std::vector<std::string>>(), "POINTER=VALUE: override a scenario value (as marketsim run --set; repeatable)")
      ("format", po::value<std::string>()->default_value("json"),
       "json: one JSON line; row: one Markdown table row (N, threads, M visits/s, set-up s, peak MB, utilisation)")
      ("scenario", po::value<std::string>()->default_value(MARKETSIM_SOURCE_DIR "/scenarios/reference-market.json"),
       "scenario file; --consumers scales its segments in proportion to N in all");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, o), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << o << "\n";
    return 0;
  }
  const long consumers = vm["consumers"].as<long>();
  const long threads = vm["threads"].as<long>();
  const long repeat = vm["repeat"].as<long>();
  if (consumers < 1 || threads < 1 || repeat < 1) {
    std::cerr << "error: --consumers, --threads and --repeat must be >= 1\n";
    return 2;
  }
  const std::string scenario = vm["scenario"].as<std::string>();
  // The scenario's segments and their consumer counts, to scale to N in all.
  std::vector<long> counts;
  try {
    const marketsim::Json doc = marketsim::read_json_file(scenario);
    const marketsim::Json* segments = nullptr;
    if (doc.is_object() && doc.contains("market") && doc["market"].is_object() && doc["market"].contains("segments")) {
      segments = &doc["market"]["segments"];
    }
    if (segments != nullptr && segments->is_array()) {
      for (const auto& seg : *segments) {
        if (!seg.is_object() || !seg.contains("consumers") || !seg["consumers"].is_number_integer() ||
            seg["consumers"].get<long>() < 1) {
          counts.clear();  // malformed: set segment 0 only and let the run report the problem
          break;
        }
        counts.push_back(seg["consumers"].get<long>());
      }
    }
  } catch (const marketsim::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
  if (counts.size() > 1 && consumers < static_cast<long>(counts.size())) {
    std::cerr << "error: --consumers " << consumers << " is fewer than the " << counts.size()
              << " segments of " << scenario << " (each keeps at least one consumer)\n";
    return 2;
  }
  const std::vector<long> per_segment = counts.size() > 1 ? scale_segments(counts, consumers)
                                                          : std::vector<long>{consumers};
  const auto dir = std::filesystem::temp_directory_path() /
                   ("marketsim-bench-" + std::to_string(getpid()));
  std::vector<nlohmann::json> results;
  for (long k = 0; k < repeat; ++k) {
    std::vector<std::string> args = {"run", scenario, "--quiet", "--threads", std::to_string(threads),
                                     "--out", dir.string()};
    for (std::size_t i = 0; i < per_segment.size(); ++i) {
      args.push_back("--set");
      args.push_back("/market/segments/" + std::to_string(i) + "/consumers=" + std::to_string(per_segment[i]));
    }
    if (vm.count("set")) {
      for (const std::string& assignment : vm["set"].as<std::vector<std::string>>()) {
        args.push_back("--set");
        args.push_back(assignment);
      }
    }
    if (vm.count("window-days")) {
      args.push_back("--set");
      args.push_back("/engine/window_days=" + vm["window-days"].as<std::string>());
    }
    std::ostringstream out, err;
    const int rc = marketsim::marketsim_main(args, out, err);
    if (rc != 0) {
      std::cerr << err.str();
      return rc;
    }
    std::ifstream in(dir / "summary.json");
    results.push_back(nlohmann::json::parse(in));
  }
  std::sort(results.begin(), results.end(), [](const auto& a, const auto& b) {
    return a["performance"]["visits_per_second"].template get<double>() <
           b["performance"]["visits_per_second"].template get<double>();
  });
  const nlohmann::json& s = results[results.size() / 2];
  const nlohmann::json& perf = s["performance"];
  const nlohmann::json& m = s["arms"][0]["metrics"];
  nlohmann::json line = {
      {"consumers", consumers},
      {"threads", threads},
      {"repeat", repeat},
      {"visits", perf["visits"]},
      {"candidate_visits", perf["candidate_visits"]},
      {"units", m["units"]["mean"]},
      {"revenue", m["revenue"]["mean"]},
      {"lost_sales", m["lost_sales"]["mean"]},
      {"simulation_seconds", perf["simulation_seconds"]},
      {"visits_per_second", perf["visits_per_second"]},
      {"setup_seconds", perf["setup_seconds"]},
      {"peak_rss_mb", perf["peak_rss_mb"]},
      {"core_utilisation", perf["core_utilisation"]},
      {"phase_seconds", perf["run_phase_seconds"]},
      {"training_seconds", perf["run_phase_seconds"]["training"]},
      {"visits_per_second_excluding_training", [&] {
         // Training (recommenders' prepare) runs inside the simulation's wall clock; take out its
         // share of the runs' summed phase time (exact for one run at a time).
         const nlohmann::json& phases = perf["run_phase_seconds"];
         const double total = phases["total"].get<double>();
         const double share = total > 0 ? phases["training"].get<double>() / total : 0.0;
         const double seconds = perf["simulation_seconds"].get<double>() * (1.0 - share);
         return seconds > 0 ? perf["visits"].get<double>() / seconds : 0.0;
       }()},
  };
  if (vm["format"].as<std::string>() == "row") {
    char row[256];
    std::snprintf(row, sizeof row, "| %ld | %ld | %.2f | %.2f | %.2f | %.0f | %.0f%% |", consumers, threads,
                  perf["visits_per_second"].get<double>() / 1e6, perf["simulation_seconds"].get<double>(),
                  perf["setup_seconds"].get<double>(), perf["peak_rss_mb"].get<double>(),
                  100.0 * perf["core_utilisation"].get<double>());
    std::cout << row << "\n";
  } else {
    std::cout << line.dump() << "\n";
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
