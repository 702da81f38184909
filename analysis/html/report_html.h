#pragma once
// report.html: one offline page per run or sweep, built from the directory's own output files
// (so `marketsim report DIR` and `--report` give the same page): the verdict (arms side by side,
// paired differences as a forest plot, a sentence per comparison), daily series with 95% bands and
// promotion windows, customers (retention, segments, categories), sellers, parameter uncertainty,
// and run facts; for a sweep, response curves, a heatmap table for two factors and the best
// points. Charts: analysis/html/page.h.
#include <map>
#include <string>
#include <vector>

namespace marketsim {

/// The files of a run's output set the page is built from, summary.json first.
const std::vector<std::string>& run_report_inputs();

/// The files of a run's output set (name -> text; summary.json required, the CSVs used when
/// present). Throws Error naming a file that is missing or malformed.
std::string run_report_html(const std::map<std::string, std::string>& files);

/// The files of a sweep directory (sweep.json and sweep.csv required).
std::string sweep_report_html(const std::map<std::string, std::string>& files);

/// The files of an optimisation's directory (optimize.json, evaluations.csv and pareto.csv).
std::string optimize_report_html(const std::map<std::string, std::string>& files);

/// The files of an A/B test design's directory (abtest.json and abtest.csv).
std::string abtest_report_html(const std::map<std::string, std::string>& files);

/// The files of a hold-out check's directory (validation.csv, coverage.csv, cohorts.csv,
/// distributions.csv: `marketsim validate-fit`).
std::string validation_report_html(const std::map<std::string, std::string>& files);

/// The page of a run's, a sweep's, an optimisation's or an A/B test design's output directory, from its files (a sweep
/// when it holds sweep.json, an optimisation when it holds optimize.json, an A/B test design when
/// it holds abtest.json). Throws UsageError naming DIR when it is none of them.
std::string directory_report_html(const std::string& dir);

}  // namespace marketsim
