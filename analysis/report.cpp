#include "analysis/report.h"


#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <sstream>

#include "analysis/output_registry.h"
#include "analysis/outputs/csv.h"
#include "analysis/price_response.h"
#include "analysis/promotion_effects.h"
#include "analysis/uncertainty_summary.h"
#include "scenarios/uncertainty.h"
#include "sim/error.h"
#include "sim/text.h"

#ifndef MARKETSIM_VERSION
#define MARKETSIM_VERSION "0.0.0"
#endif
#ifndef MARKETSIM_COMMIT
#define MARKETSIM_COMMIT "unknown"
#endif
#ifndef MARKETSIM_BUILD
#define MARKETSIM_BUILD "unknown"
#endif

namespace marketsim {
namespace {


/// "1,234.5 ± 12.3" (mean and half-width of the interval).
std::string plus_minus(const Interval& i, int decimals) {
  if (!std::isfinite(i.mean)) return "n/a";
  if (!std::isfinite(i.low)) return grouped(i.mean, decimals);
  return grouped(i.mean, decimals) + " ± " + grouped((i.high - i.low) / 2.0, decimals);
}

/// "+1,234.5 [+1,000.0, +1,400.0]".
std::string bracket(const Interval& i, int decimals) {
  if (!std::isfinite(i.mean)) return "n/a";
  if (!std::isfinite(i.low)) return signed_grouped(i.mean, decimals);
  return signed_grouped(i.mean, decimals) + " [" + signed_grouped(i.low, decimals) + ", " +
         signed_grouped(i.high, decimals) + "]";
}

/// Per arm, each seller's totals over replications: the metrics of its books and its shares of
/// the marketplace's units and revenue, with their intervals.
Json sellers_json(const Scenario& sc, const ExperimentResult& result, std::size_t arm) {
  Json out = Json::array();
  const auto& list = metric_list();
  const std::size_t units = metric_index("units"), revenue = metric_index("revenue");
  for (std::size_t s = 0; s < sc.market.sellers.size(); ++s) {
    std::vector<const RunResult*> runs;
    for (const RunResult& r : result.runs) {
      if (r.arm == arm && s < r.seller_totals.size()) runs.push_back(&r);
    }
    const auto interval_of = [&](const auto& value) {
      std::vector<double> v;
      for (const RunResult* r : runs) v.push_back(value(*r));
      return interval_json(mean_interval(v));
    };
    Json metrics = Json::object();
    for (std::size_t m = 0; m < list.size(); ++m) {
      if (!list[m].per_seller()) continue;
      metrics[list[m].name] = interval_of([&](const RunResult& r) { return r.seller_totals[s][m]; });
    }
    out.push_back(Json{
        {"name", sc.market.sellers[s].name},
        {"unit_share", interval_of([&](const RunResult& r) { return csv::seller_share(r.seller_totals[s], r.totals, units); })},
        {"revenue_share",
         interval_of([&](const RunResult& r) { return csv::seller_share(r.seller_totals[s], r.totals, revenue); })},
        {"metrics", metrics}});
  }
  return out;
}

}  // namespace

Json number_or_null(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json interval_json(const Interval& i) {
  return Json{{"mean", number_or_null(i.mean)},
              {"ci_low", number_or_null(i.low)},
              {"ci_high", number_or_null(i.high)},
              {"n", i.n}};
}

std::string grouped(double v, int decimals) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::fabs(v));
  std::string digits = buf;
  const auto dot = digits.find('.');
  const std::string integral = digits.substr(0, dot);
  const std::string frac = dot == std::string::npos ? "" : digits.substr(dot);
  std::string whole;
  for (std::size_t i = 0; i < integral.size(); ++i) {
    if (i > 0 && (integral.size() - i) % 3 == 0) whole += ',';
    whole += integral[i];
  }
  return (v < 0 && std::stod(buf) != 0.0 ? "-" : "") + whole + frac;
}

std::string signed_grouped(double v, int decimals) {
  if (!std::isfinite(v)) return "n/a";
  return (v >= 0 ? "+" : "") + grouped(v, decimals);
}

const char* marketsim_version() { return MARKETSIM_VERSION; }
const char* marketsim_commit() { return MARKETSIM_COMMIT; }
const char* marketsim_build() { return MARKETSIM_BUILD; }

/// An arm's offline scores (RunResult::offline) over its replications: mean and 95% CI each.
static Json offline_json(const ExperimentResult& result, std::size_t arm) {
  std::vector<std::string> names;
  std::vector<std::vector<double>> values;
  for (const RunResult& r : result.runs) {
    if (r.arm != arm || r.offline.empty()) continue;
    if (names.empty()) {
      for (const auto& [name, value] : r.offline) names.push_back(name);
      values.resize(names.size());
    }
    for (std::size_t k = 0; k < names.size() && k < r.offline.size(); ++k) values[k].push_back(r.offline[k].second);
  }
  Json out = Json::object();
  for (std::size_t k = 0; k < names.size(); ++k) out[names[k]] = interval_json(mean_interval(values[k]));
  return out;
}

Json summary_json(const Scenario& sc, const ExperimentSummary& summary,
                  const PerformanceInfo& perf, const ExperimentResult* result) {
  Json doc;
  doc["marketsim_version"] = marketsim_version();
  doc["scenario_name"] = sc.name;
  doc["seed"] = sc.seed;
  doc["replications"] = sc.replications;
  if (result != nullptr && result->first_replication > 0) doc["first_replication"] = result->first_replication;
  doc["confidence_level"] = 0.95;
  doc["baseline"] = sc.arms[sc.baseline].name;
  Json arms = Json::array();
  for (std::size_t arm = 0; arm < summary.arms.size(); ++arm) {
    const ArmSummary& a = summary.arms[arm];
    Json metrics = Json::object();
    for (std::size_t m = 0; m < metric_list().size(); ++m) metrics[metric_list()[m].name] = interval_json(a.metrics[m]);
    Json gauges = Json::object();
    for (std::size_t g = 0; g < a.gauge_names.size(); ++g) gauges[a.gauge_names[g]] = interval_json(a.last_day_gauges[g]);
    Json entry{{"name", a.name}, {"baseline", a.baseline}, {"metrics", metrics}, {"last_day_gauges", gauges}};
    if (result != nullptr) entry["sellers"] = sellers_json(sc, *result, arm);
    if (result != nullptr) {
      if (const Json offline = offline_json(*result, arm); !offline.empty()) entry["offline"] = offline;
    }
    arms.push_back(entry);
  }
  doc["arms"] = arms;
  Json diffs = Json::array();
  for (const auto& c : summary.comparisons) {
    Json d{{"arm", c.arm}, {"versus", sc.arms[sc.baseline].name}};
    for (std::size_t k = 0; k < paired_metrics().size(); ++k) d[paired_metrics()[k]] = interval_json(c.differences[k]);
    d["roi"] = interval_json(c.roi);
    for (std::size_t a = 0; result != nullptr && a < sc.arms.size(); ++a) {
      if (sc.arms[a].name != c.arm) continue;
      if (const auto e = promotion_effects(sc, *result, a)) {
        d["promotion_effects"] = Json{{"window", Json::array({e->window.start, e->window.end})},
                                      {"after", Json::array({e->window.end, e->window.after_end})},
                                      {"bump", interval_json(e->bump)},
                                      {"dip", interval_json(e->dip)},
                                      {"pull_forward_share", interval_json(e->pull_forward_share)}};
      }
    }
    diffs.push_back(d);
  }
  doc["paired_differences"] = diffs;
  Json pairs = Json::array();
  for (std::size_t k = 0; k < summary.arm_pairs.size(); ++k) {
    const PairedComparison& c = summary.arm_pairs[k];
    Json d{{"arm", c.arm}, {"versus", summary.arm_pair_versus[k]}};
    for (std::size_t m = 0; m < paired_metrics().size(); ++m) d[paired_metrics()[m]] = interval_json(c.differences[m]);
    d["roi"] = interval_json(c.roi);
    pairs.push_back(d);
  }
  doc["arm_differences"] = pairs;
  if (sc.uncertainty && result != nullptr) doc["uncertainty"] = uncertainty_json(sc, *result);
  if (result != nullptr) {
    Json responses = Json::array();
    for (const PriceResponse& pr : price_response(sc, *result)) {
      Json ladder = Json::array();
      for (const PriceRung& r : pr.rungs) {
        ladder.push_back(Json{{"arm", sc.arms[r.arm].name},
                              {"price_factor", r.price_factor},
                              {"units", interval_json(r.units)},
                              {"revenue", interval_json(r.revenue)},
                              {"gross_profit", interval_json(r.gross_profit)},
                              {"orders_per_visit", interval_json(r.orders_per_visit)},
                              {"revenue_per_unit", interval_json(r.revenue_per_unit)},
                              {"measured_elasticity", interval_json(r.measured_elasticity)},
                              {"logit_elasticity", interval_json(r.logit_elasticity)}});
      }
      Json regrets = Json::array();
      for (const PriceRegret& g : pr.regrets) {
        regrets.push_back(Json{{"arm", sc.arms[g.arm].name},
                               {"best_fixed_arm", sc.arms[pr.rungs[g.best_rung_by_mean].arm].name},
                               {"revenue", interval_json(g.revenue)},
                               {"gross_profit", interval_json(g.gross_profit)}});
      }
      responses.push_back(Json{{"seller", sc.market.sellers[pr.seller].name},
                               {"mean_price_sensitivity", pr.mean_price_sensitivity},
                               {"ladder", ladder},
                               {"regret", regrets}});
    }
    doc["price_response"] = responses;
  }
  doc["scenario"] = sc.resolved;
  doc["performance"] = Json{
      {"visits", perf.visits},
      {"candidate_visits", perf.candidate_visits},
      {"setup_seconds", perf.setup_seconds},
      {"simulation_seconds", perf.simulation_seconds},
      {"visits_per_second",
       perf.simulation_seconds > 0 ? static_cast<double>(perf.visits) / perf.simulation_seconds : 0.0},
      {"peak_rss_mb", static_cast<double>(perf.peak_rss_bytes) / (1024.0 * 1024.0)},
      {"threads", perf.threads},
      {"shards_per_run", perf.shards},
      {"cpu_seconds", perf.cpu_seconds},
      {"core_utilisation", perf.simulation_seconds > 0 && perf.threads > 0
                               ? perf.cpu_seconds / (perf.simulation_seconds * static_cast<double>(perf.threads))
                               : 0.0},
      {"bytes_per_consumer", [&] {
         std::size_t columns = 0;
         Json list = Json::array();
         for (const ColumnSpec& c : perf.columns) {
           columns += c.bytes_per_consumer();
           list.push_back(Json{{"owner", c.owner}, {"name", c.name}, {"bytes", c.bytes_per_consumer()}});
         }
         return Json{{"columns", columns}, {"population", perf.population_bytes_per_consumer}, {"column_list", list}};
       }()},
      {"run_phase_seconds", Json{{"market", perf.market_seconds},
                                 {"visits", perf.visit_seconds},
                                 {"commit", perf.commit_seconds},
                                 {"training", perf.training_seconds},
                                 {"total", perf.run_seconds}}},
  };
  return doc;
}

std::vector<std::pair<std::string, std::string>> output_texts(const Scenario& sc,
                                                              const ExperimentResult& result,
                                                              const ExperimentSummary& summary,
                                                              const PerformanceInfo& perf,
                                                              const std::vector<std::string>& names) {
  register_builtin_outputs();
  const OutputContext context{sc, result, summary, perf};
  std::vector<std::pair<std::string, std::string>> files;
  for (const OutputInfo& o : output_registry()) {
    if (names.empty() ? !o.by_default : std::find(names.begin(), names.end(), o.name) == names.end()) continue;
    files.emplace_back(o.name, o.text(context));
  }
  return files;
}

namespace {

/// Characters a terminal shows for UTF-8 text (code points: "±" is one).
std::size_t display_width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

/// Prints rows (the first one the header) as columns sized to their content: the first column
/// left-aligned, the others right-aligned, two spaces apart.
void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& r : rows) {
    if (widths.size() < r.size()) widths.resize(r.size(), 0);
    for (std::size_t i = 0; i < r.size(); ++i) widths[i] = std::max(widths[i], display_width(r[i]));
  }
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      const std::string pad(widths[i] - display_width(r[i]), ' ');
      if (i == 0) {
        line += r[i];
        line += pad;
      } else {
        line += "  ";
        line += pad;
        line += r[i];
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

}  // namespace

void print_comparison(std::ostream& out, const Scenario& sc, const ExperimentSummary& summary) {
  out << "Scenario " << json_quoted(sc.name) << ": " << sc.arms.size() << " arms x " << sc.replications
      << " replications, " << sc.horizon_days << " days";
  if (sc.warmup_days > 0) out << " (first " << sc.warmup_days << " are warm-up, not counted)";
  out << "\nMeans over replications ± half-width of the 95% confidence interval.\n\n";
  std::vector<std::vector<std::string>> means = {{"arm", "units", "revenue", "gross profit", "promotion spend", "repeat rate"}};
  for (const auto& a : summary.arms) {
    const auto metric = [&](const char* name) -> const Interval& { return a.metrics[metric_index(name)]; };
    means.push_back({one_line(a.name) + (a.baseline ? " *" : ""), plus_minus(metric("units"), 0),
                     plus_minus(metric("revenue"), 2), plus_minus(metric("gross_profit"), 2),
                     plus_minus(metric("promotion_spend"), 2), plus_minus(metric("repeat_rate"), 4)});
  }
  print_table(out, means);
  out << "(* baseline)\n";
  if (summary.comparisons.empty()) return;
  out << "\nPaired differences against the baseline (same replications, common random numbers),\n"
         "mean [95% CI]; contribution = gross profit - promotion costs that are not discounts;\n"
         "ROI = (contribution - baseline contribution) / promotion spend:\n\n";
  std::vector<std::vector<std::string>> differences = {{"arm", "gross profit", "contribution", "units", "repeat rate", "ROI"}};
  for (const auto& c : summary.comparisons) {
    differences.push_back({one_line(c.arm), bracket(c.difference("gross_profit"), 2), bracket(c.difference("contribution"), 2),
                           bracket(c.difference("units"), 0), bracket(c.difference("repeat_rate"), 4), bracket(c.roi, 3)});
  }
  print_table(out, differences);
  out << "\n";
  for (const auto& c : summary.comparisons) {
    const Interval& p = c.difference("contribution");
    std::string verdict;
    if (!std::isfinite(p.low)) {
      verdict = "needs at least 2 replications for a confidence interval";
    } else if (p.low > 0) {
      verdict = "earns more contribution than the baseline (95% CI above zero)";
    } else if (p.high < 0) {
      verdict = "earns less contribution than the baseline (95% CI below zero)";
    } else {
      verdict = "is not distinguishable from the baseline on contribution (95% CI spans zero)";
    }
    out << "  " << one_line(c.arm) << " " << verdict << ".\n";
  }
}

}  // namespace marketsim

namespace marketsim {

void print_price_response(std::ostream& out, const Scenario& sc, const ExperimentResult& result) {
  for (const PriceResponse& pr : price_response(sc, result)) {
    out << "\nPrice ladder of seller " << json_quoted(sc.market.sellers[pr.seller].name)
        << " (fixed prices as shares of list); elasticity of units to price, measured between neighbouring\n"
           "rungs and the logit's -beta x revenue per unit x (1 - orders per visit), beta = "
        << pr.mean_price_sensitivity << ":\n\n";
    std::vector<std::vector<std::string>> ladder = {
        {"arm", "price factor", "units", "revenue", "gross profit", "measured elasticity", "logit elasticity"}};
    for (const PriceRung& r : pr.rungs) {
      ladder.push_back({one_line(sc.arms[r.arm].name), grouped(r.price_factor, 2), plus_minus(r.units, 0),
                        plus_minus(r.revenue, 2), plus_minus(r.gross_profit, 2), plus_minus(r.measured_elasticity, 3),
                        plus_minus(r.logit_elasticity, 3)});
    }
    print_table(out, ladder);
    for (const PriceRegret& g : pr.regrets) {
      out << "  " << one_line(sc.arms[g.arm].name) << ": regret against the best fixed price in hindsight "
          << bracket(g.revenue, 2) << " revenue, " << bracket(g.gross_profit, 2) << " gross profit (best rung by mean: "
          << one_line(sc.arms[pr.rungs[g.best_rung_by_mean].arm].name) << ")\n";
    }
  }
}

void print_uncertainty(std::ostream& out, const Scenario& sc, const ExperimentResult& result) {
  if (!sc.uncertainty) return;
  const Uncertainty& u = *sc.uncertainty;
  out << "\nParameter uncertainty: " << u.values.size() << " uncertain value" << (u.values.size() == 1 ? "" : "s")
      << ", " << u.draws << " draws x " << u.replications_per_draw
      << " replications; one-way random-effects ANOVA over draws (summary.json \"uncertainty\"):\n";
  const auto line = [&](const std::string& what, const VarianceComponents& v) {
    char tail[96];
    std::snprintf(tail, sizeof tail, "%.0f%% of the variance (F = %.2f, p = %.3g)", 100.0 * v.between_share, v.f,
                  v.p_value);
    out << "  " << what << ": between-draw sd " << grouped(std::sqrt(v.between), 2) << ", within-draw sd "
        << grouped(std::sqrt(v.within), 2) << "; parameter uncertainty is " << tail << "\n";
  };
  const std::size_t m = metric_index("contribution");
  if (sc.arms.size() == 1) line(one_line(sc.arms[0].name) + " contribution", draw_variance(sc, result, 0, m, false));
  for (std::size_t a = 0; a < sc.arms.size() && sc.arms.size() > 1; ++a) {
    if (a == sc.baseline) continue;
    std::string what = one_line(sc.arms[a].name);
    what += " - ";
    what += one_line(sc.arms[sc.baseline].name);
    what += " contribution";
    line(what, draw_variance(sc, result, a, m, true));
  }
}

}  // namespace marketsim
