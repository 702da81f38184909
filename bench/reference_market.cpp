// bench/reference-market: runs scenarios/reference-market.json through the ordinary
// `marketsim run` path at a chosen consumer count and thread count, and prints one JSON line.
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
#include <vector>

#include "cli/cli.h"

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
       "scenario file");
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
  const auto dir = std::filesystem::temp_directory_path() /
                   ("marketsim-bench-" + std::to_string(getpid()));
  std::vector<nlohmann::json> results;
  for (long k = 0; k < repeat; ++k) {
    std::vector<std::string> args = {"run", vm["scenario"].as<std::string>(), "--quiet",
                                     "--threads", std::to_string(threads),
                                     "--set", "/market/segments/0/consumers=" + std::to_string(consumers),
                                     "--out", dir.string()};
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
