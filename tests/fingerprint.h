#pragma once
// An experiment's results as text, for tests that compare runs exactly: every total, daily value,
// seller total and breakdown cell of every run, at full precision (as text, NaN equals NaN).
#include <sstream>
#include <string>

#include "experiments/experiment.h"
#include "analysis/metric.h"

namespace marketsim::testing {

inline std::string fingerprint(const ExperimentResult& r) {
  std::ostringstream out;
  out.precision(17);
  const auto values = [&](const std::vector<double>& v) {
    for (double x : v) out << x << ',';
    out << ';';
  };
  for (const auto& run : r.runs) {
    values(run.totals);
    for (const auto& d : run.daily) values(d.values);
    for (const auto& s : run.seller_totals) values(s);
    for (const auto& s : run.seller_daily) values(s.values);
    for (const auto& b : run.breakdown) values(b.values);
  }
  return out.str();
}

/// A metric's total summed over every run of an experiment.
inline double total(const ExperimentResult& r, const std::string& metric) {
  double t = 0.0;
  for (const RunResult& run : r.runs) t += run.totals[metric_index(metric)];
  return t;
}

}  // namespace marketsim::testing
