// Command "validate-fit": a calibrated market (`marketsim calibrate`'s DIR) against the log's
// weeks after the fit (calibration/validation.h: the measures, bands and scores). The scenario
// runs through the run unit (experiments/experiment.h) from the log's first day to --to, R
// replications, every order line recorded; the days before --from are its warm-up. Writes to
// --out (default: DIR, whose calibration files then stay in the set):
//   validation.csv     measure,week_start,observed,sim_mean,band_low,band_high,inside
//   coverage.csv       per measure: weeks inside the band, the 8-week totals, band width, interval
//                      scores of the fit and of the naive benchmark
//   cohorts.csv        months_after,observed,sim_mean,sim_low,sim_high,abs_error
//   distributions.csv  distribution,bin,observed_share,sim_mean_share
//   report.html        the page (analysis/html/validation_report.cpp)
#include <tbb/global_control.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "analysis/html/report_html.h"
#include "analysis/output_dir.h"
#include "calibration/fit.h"
#include "calibration/transaction_log.h"
#include "calibration/validation.h"
#include "cli/command.h"
#include "cli/run_args.h"
#include "experiments/experiment.h"
#include "scenarios/scenario.h"
#include "sim/dates.h"
#include "sim/concat.h"
#include "sim/error.h"
#include "sim/text.h"

namespace marketsim {
namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;

std::string num(double v, int digits = 6) {
  if (std::isnan(v)) return "";
  char b[64];
  std::snprintf(b, sizeof b, "%.*g", digits, v);
  return b;
}

std::string read_text(const fs::path& p, const std::string& what) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw UsageError(cat(what, ": ", one_line(p.string()), " cannot be read (is DIR the output of marketsim calibrate?)"));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::vector<std::string>& calibration_files() {
  static const std::vector<std::string> names = {"scenario.json", "catalog.csv", "cleaning.json", "fit.json"};
  return names;
}

const std::vector<std::string>& validation_files() {
  static const std::vector<std::string> names = {"validation.csv", "coverage.csv", "cohorts.csv", "distributions.csv", "report.html"};
  return names;
}

int command_validate_fit(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description opts("validate-fit options");
  opts.add_options()("log", po::value<std::string>(), "the transaction log (the one calibrated, with its later days)")(
      "map", po::value<std::string>(), "JSON file naming the log's columns (default: the map fit.json names, else the shared log's)")(
      "from", po::value<std::string>(), "the hold-out's first day, YYYY-MM-DD")(
      "to", po::value<std::string>(), "the hold-out's last day, YYYY-MM-DD")(
      "replications", po::value<long>()->default_value(20), "simulated replications, 4..1000 (R / 2 draws of the uncertain parameters, 2 replications each)")(
      "out", po::value<std::string>(), "the output directory (default: DIR)")(
      "threads", po::value<long>(), "worker threads (default: all cores); results do not depend on it")(
      "quiet,q", "no progress lines");
  const po::variables_map vm = parse_options(args, opts, "validate-fit");
  const std::vector<std::string> positional =
      vm.count("validate-fit") ? vm["validate-fit"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (positional.size() != 1) throw UsageError("expected exactly one DIR (the output of marketsim calibrate)");
  for (const char* flag : {"log", "from", "to"}) {
    if (!vm.count(flag)) throw UsageError(cat("--", flag, " is required"));
  }
  const long replications = vm["replications"].as<long>();
  if (replications < 4 || replications > 1000) throw UsageError("--replications: expected an integer in [4, 1000]");
  const std::size_t threads = threads_option(vm);
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  const bool quiet = vm.count("quiet") > 0;
  const fs::path dir = positional[0];
  const std::string out_dir = vm.count("out") ? vm["out"].as<std::string>() : dir.string();
  const auto start = std::chrono::steady_clock::now();

  // The fit.
  const std::string fit_text = read_text(dir / "fit.json", "DIR");
  Json fit;
  try {
    fit = Json::parse(fit_text);
  } catch (const Json::exception& e) {
    throw ScenarioError((dir / "fit.json").string(), "", cat("not JSON: ", e.what()));
  }
  for (const char* key : {"first_date", "until", "max_units"}) {
    if (!fit.contains(key)) throw ScenarioError((dir / "fit.json").string(), cat("/", key), "missing: is DIR the output of marketsim calibrate?");
  }
  std::string map_file = vm.count("map") ? vm["map"].as<std::string>() : std::string();
  if (map_file.empty() && fit.contains("map") && fit["map"].is_string()) map_file = fit["map"].get<std::string>();
  const ColumnMap map = map_file.empty() ? ColumnMap{} : read_column_map(map_file);
  const auto max_units = fit["max_units"].get<std::uint32_t>();

  // The log, cleaned as the calibration cleaned it.
  const std::string log_file = vm["log"].as<std::string>();
  if (!quiet) err << "validate-fit: reading " << one_line(log_file) << "\n";
  const TransactionLog log = read_transaction_log(log_file, map);
  if (log.lines.empty()) throw ScenarioError(log_file, "", "no purchase line left after cleaning: nothing to compare");
  if (log.first_date != fit["first_date"].get<std::string>()) {
    throw UsageError(cat("--log ", one_line(log_file), ": starts on ", log.first_date, " but the fit's log started on ",
                         fit["first_date"].get<std::string>(), "; validate with the log that was calibrated"));
  }
  const auto day = [&](const char* flag) -> std::int64_t {
    const std::string text = vm[flag].as<std::string>();
    try {
      return log.day_of(text);
    } catch (const std::exception&) {
      throw UsageError(cat("--", flag, " ", one_line(text), ": expected a date YYYY-MM-DD"));
    }
  };
  const std::int64_t from = day("from"), to = day("to");
  const std::int64_t until = log.day_of(fit["until"].get<std::string>());
  if (from <= until) throw UsageError(cat("--from: must be after the fit's last day, ", fit["until"].get<std::string>()));
  if (to < from) throw UsageError("--to: must be on or after --from");
  std::int64_t last_day = 0;
  for (const Transaction& t : log.lines) last_day = std::max<std::int64_t>(last_day, t.day);
  if (to > last_day) {
    throw UsageError(cat("--to: the log's last purchase is on ", civil_date_text(*parse_iso_date(log.first_date) + last_day),
                         "; the hold-out must lie within the log"));
  }
  const std::int64_t first_number = *parse_iso_date(log.first_date);
  // Full Monday-Sunday weeks inside [from, to].
  std::int64_t first_monday = from;
  while (weekday(first_number + first_monday) != 0) ++first_monday;
  const std::int64_t weeks_n = (to - first_monday + 1) / 7;
  if (weeks_n < 1) throw UsageError("--from .. --to: holds no full Monday-Sunday week to score");
  const auto weeks = static_cast<std::size_t>(weeks_n);

  std::vector<PurchaseLine> observed;
  observed.reserve(log.lines.size());
  for (const Transaction& t : log.lines) {
    if (!kept_line(t, max_units) || t.day > to) continue;
    observed.push_back(PurchaseLine{static_cast<double>(t.day) + 0.5, t.customer, order_key(t), t.quantity,
                                    static_cast<double>(t.quantity) * static_cast<double>(t.price_cents) / 100.0});
  }

  // The simulation: the log's first day to --to, R replications.
  const std::string scenario_file = (dir / "scenario.json").string();
  const Json scenario_doc = [&] {
    const std::string text = read_text(scenario_file, "DIR");
    try {
      return Json::parse(text);
    } catch (const Json::exception& e) {
      throw ScenarioError(scenario_file, "", cat("not JSON: ", e.what()));
    }
  }();
  if (!scenario_doc.contains("start_date") || scenario_doc["start_date"] != Json(log.first_date)) {
    throw ScenarioError(scenario_file, "/start_date", cat("must be the log's first date, ", log.first_date));
  }
  std::vector<std::string> overrides = {cat("/horizon_days=", std::to_string(to + 1)), "/warmup_days=0"};
  if (scenario_doc.contains("uncertainty")) {
    // R / 2 draws of the uncertain parameters, 2 replications each (the summary's variance split
    // needs two); an odd R is rounded up.
    overrides.push_back(cat("/uncertainty/draws=", std::to_string((replications + 1) / 2)));
    overrides.push_back("/uncertainty/replications_per_draw=2");
  } else {
    overrides.push_back(cat("/replications=", std::to_string(replications)));
  }
  const Scenario sc = load_scenario(scenario_file, overrides);
  if (!quiet) err << "validate-fit: simulating " << replications << " replications of " << (to + 1) << " days\n";
  ExperimentOptions options;
  options.transactions = true;
  const ExperimentResult result = run_experiment(sc, options);
  const std::size_t reps = static_cast<std::size_t>(sc.replications);

  // Measures per replication (the first arm: a calibrated scenario has one).
  std::vector<std::vector<WeekValues>> sim_weeks(reps);
  std::vector<std::vector<double>> sim_curves(reps), sim_baskets(reps);
  std::vector<std::int64_t> month_starts;
  {
    std::int64_t y = 0, m = 0;
    const std::string first = log.first_date;
    y = std::stoll(first.substr(0, 4));
    m = std::stoll(first.substr(5, 2));
    for (;;) {
      char text[16];
      std::snprintf(text, sizeof text, "%04lld-%02lld-01", static_cast<long long>(y), static_cast<long long>(m));
      const std::int64_t d = *parse_iso_date(text) - first_number;
      month_starts.push_back(std::max<std::int64_t>(0, d));
      if (d > to) break;
      if (++m > 12) {
        m = 1;
        ++y;
      }
    }
  }
  constexpr std::size_t kMonthsAfter = 6;
  for (std::size_t r = 0; r < reps; ++r) {
    const RunResult& run = result.runs[r];
    std::vector<PurchaseLine> lines;
    lines.reserve(run.transactions.size());
    for (const TransactionLine& t : run.transactions) {
      // An order: a consumer's lines of one day, as calibrate counts them in the log.
      const std::uint64_t order = (static_cast<std::uint64_t>(t.consumer) << 32) | static_cast<std::uint32_t>(std::floor(t.time));
      lines.push_back(PurchaseLine{t.time, t.consumer, order, t.quantity,
                                   static_cast<double>(static_cast<std::int64_t>(t.quantity) * t.unit_paid - t.order_discount) / 100.0});
    }
    std::stable_sort(lines.begin(), lines.end(), [](const PurchaseLine& a, const PurchaseLine& b) { return a.time < b.time; });
    sim_weeks[r] = weekly_measures(lines, first_monday, weeks);
    sim_curves[r] = repeat_curve(lines, month_starts, to, kMonthsAfter);
    sim_baskets[r] = basket_shares(lines, from, to);
  }
  const std::vector<WeekValues> obs_weeks = weekly_measures(observed, first_monday, weeks);
  const std::vector<double> obs_curve = repeat_curve(observed, month_starts, to, kMonthsAfter);
  const std::vector<double> obs_basket = basket_shares(observed, from, to);
  // The naive benchmark: the training weeks' values (full weeks from the first Monday to until).
  std::int64_t train_monday = 0;
  while (weekday(first_number + train_monday) != 0) ++train_monday;
  const auto train_weeks = static_cast<std::size_t>(std::max<std::int64_t>(0, (until - train_monday + 1) / 7));
  const std::vector<WeekValues> naive_weeks = weekly_measures(observed, train_monday, train_weeks);

  std::string validation = "measure,week_start,observed,sim_mean,band_low,band_high,inside\n";
  std::string coverage =
      "measure,weeks,inside,coverage,observed_total,sim_mean_total,total_error,mean_band_width,interval_score_fit,"
      "interval_score_naive,naive_mean\n";
  Json verdict = Json::object();
  for (std::size_t m = 0; m < kMeasures; ++m) {
    double inside = 0.0, obs_total = 0.0, sim_total = 0.0, width = 0.0, score_fit = 0.0, score_naive = 0.0;
    std::vector<double> naive;
    for (const WeekValues& w : naive_weeks) naive.push_back(w[m]);
    double naive_mean = 0.0;
    for (double v : naive) naive_mean += v;
    naive_mean /= std::max<double>(1.0, static_cast<double>(naive.size()));
    const double naive_low = sample_quantile(naive, 0.05), naive_high = sample_quantile(naive, 0.95);
    for (std::size_t w = 0; w < weeks; ++w) {
      std::vector<double> values;
      for (std::size_t r = 0; r < reps; ++r) values.push_back(sim_weeks[r][w][m]);
      double mean = 0.0;
      for (double v : values) mean += v;
      mean /= static_cast<double>(reps);
      const double lo = *std::min_element(values.begin(), values.end());
      const double hi = *std::max_element(values.begin(), values.end());
      const double y = obs_weeks[w][m];
      const bool in = y >= lo && y <= hi;
      inside += in;
      obs_total += y;
      sim_total += mean;
      width += hi - lo;
      score_fit += interval_score(sample_quantile(values, 0.05), sample_quantile(values, 0.95), y);
      score_naive += naive.empty() ? std::numeric_limits<double>::quiet_NaN() : interval_score(naive_low, naive_high, y);
      validation += cat(measure_names()[m], ",", civil_date_text(first_number + first_monday + 7 * static_cast<std::int64_t>(w)), ",",
                        num(y, 10), ",", num(mean, 10), ",", num(lo, 10), ",", num(hi, 10), ",", in ? "1" : "0", "\n");
    }
    const auto W = static_cast<double>(weeks);
    const double obs_mean = obs_total / W;
    const double total_error = sim_total > 0.0 ? obs_total / sim_total - 1.0 : std::numeric_limits<double>::quiet_NaN();
    const double band_width = obs_mean > 0.0 ? width / W / obs_mean : std::numeric_limits<double>::quiet_NaN();
    coverage += cat(measure_names()[m], ",", std::to_string(weeks), ",", num(inside), ",", num(inside / W, 4), ",", num(obs_total, 10), ",",
                    num(sim_total, 10), ",", num(total_error, 4), ",", num(band_width, 4), ",", num(score_fit / W, 6), ",",
                    num(score_naive / W, 6), ",", num(naive_mean, 8), "\n");
    verdict[measure_names()[m]] = Json{{"inside", inside}, {"weeks", weeks}, {"total_error", total_error}, {"band_width", band_width},
                                       {"interval_score_fit", score_fit / W}, {"interval_score_naive", score_naive / W}};
  }

  std::string cohorts = "months_after,observed,sim_mean,sim_low,sim_high,abs_error\n";
  double mae = 0.0, mae_n = 0.0;
  for (std::size_t k = 0; k < kMonthsAfter; ++k) {
    std::vector<double> values;
    for (std::size_t r = 0; r < reps; ++r) {
      if (!std::isnan(sim_curves[r][k])) values.push_back(sim_curves[r][k]);
    }
    if (std::isnan(obs_curve[k]) || values.empty()) continue;
    double mean = 0.0;
    for (double v : values) mean += v;
    mean /= static_cast<double>(values.size());
    const double e = std::abs(mean - obs_curve[k]);
    mae += e;
    mae_n += 1.0;
    cohorts += cat(std::to_string(k + 1), ",", num(obs_curve[k], 6), ",", num(mean, 6), ",",
                   num(*std::min_element(values.begin(), values.end()), 6), ",", num(*std::max_element(values.begin(), values.end()), 6), ",",
                   num(e, 6), "\n");
  }
  const double cohort_mae = mae_n > 0.0 ? mae / mae_n : std::numeric_limits<double>::quiet_NaN();

  std::string distributions = "distribution,bin,observed_share,sim_mean_share\n";
  for (std::size_t b = 0; b < basket_bin_names().size(); ++b) {
    double mean = 0.0;
    for (std::size_t r = 0; r < reps; ++r) mean += sim_baskets[r][b];
    mean /= static_cast<double>(reps);
    const std::string& name = basket_bin_names()[b];
    const auto space = name.find(' ');
    distributions += cat(b < basket_bins() ? "lines_per_order" : "order_value", ",", name.substr(space + 1), ",",
                         num(obs_basket[b], 6), ",", num(mean, 6), "\n");
  }

  std::map<std::string, std::string> files = {{"validation.csv", validation},
                                              {"coverage.csv", coverage},
                                              {"cohorts.csv", cohorts},
                                              {"distributions.csv", distributions}};
  const std::string page = validation_report_html(files);
  files["report.html"] = page;

  std::vector<std::string> names = validation_files();
  const bool into_calibration = fs::weakly_canonical(fs::path(out_dir)) == fs::weakly_canonical(dir);
  if (into_calibration) {
    for (const std::string& f : calibration_files()) {
      names.push_back(f);
      files[f] = read_text(dir / f, "DIR");
    }
  }
  OutputDirectory set(names);
  set.open(out_dir);
  for (const auto& [name, text] : files) set.write(name, text);
  set.commit();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  out << "hold-out " << civil_date_text(first_number + from) << " .. " << civil_date_text(first_number + to) << ": " << weeks
      << " full weeks, " << reps << " replications, " << num(seconds, 3) << " s\n";
  out << "measure            inside  total error  band width  interval score (fit / naive)\n";
  for (std::size_t m = 0; m < kMeasures; ++m) {
    const Json& v = verdict[measure_names()[m]];
    char line[200];
    std::snprintf(line, sizeof line, "%-18s %2.0f/%-3zu %+10.3f %11.3f   %.4g / %.4g\n", measure_names()[m], v["inside"].get<double>(), weeks,
                  v["total_error"].get<double>(), v["band_width"].get<double>(), v["interval_score_fit"].get<double>(),
                  v["interval_score_naive"].get<double>());
    out << line;
  }
  out << "cohort repeat curve: mean absolute error " << num(cohort_mae, 4) << " over " << num(mae_n) << " months\n";
  out << "wrote " << one_line(set.path()) << "/{validation.csv,coverage.csv,cohorts.csv,distributions.csv,report.html}\n";
  return kExitOk;
}

}  // namespace

void register_validate_fit_command() {
  add_command({"validate-fit",
               "validate-fit DIR --log LOG.csv --from DATE --to DATE [--replications R] [--out DIR2] [--map MAP.json]\n"
               "             [--threads N] [--quiet]",
               "check a calibrated market against the log's hold-out weeks: bands, coverage, interval scores, cohorts, "
               "basket sizes",
               command_validate_fit,
               {{"{fit}", "--log", "{log}", "--from", "2011-02-11", "--to", "2011-02-27", "--replications", "4", "--quiet",
                 "--out", "{dir}"}}});
}

}  // namespace marketsim
