// Command "calibrate": a market fitted to a transaction log (calibration/fit.h states the method).
// Writes DIR/scenario.json (runnable: `marketsim run DIR/scenario.json`), DIR/catalog.csv (its
// market.catalog_file), DIR/cleaning.json (what each cleaning rule removed, rows and revenue) and
// DIR/fit.json (every fitted value with its standard error, and what was assumed instead), as one
// set (analysis/output_dir.h).
#include <tbb/global_control.h>

#include <boost/program_options.hpp>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "analysis/output_dir.h"
#include "calibration/fit.h"
#include "calibration/simulated_moments.h"
#include "calibration/transaction_log.h"
#include "cli/command.h"
#include "cli/run_args.h"
#include "sim/concat.h"
#include "sim/error.h"
#include "sim/text.h"

namespace marketsim {
namespace {

namespace po = boost::program_options;

int command_calibrate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description opts("calibrate options");
  opts.add_options()("map", po::value<std::string>(), "JSON file naming the log's columns (default: calibration/online-retail.map.json, the shared log's)")(
      "until", po::value<std::string>(), "the last day fitted, YYYY-MM-DD (inclusive)")(
      "out", po::value<std::string>(), "the output directory")(
      "segments", po::value<long>()->default_value(4), "RFM segments (K-means clusters), 1..12")(
      "factors", po::value<long>()->default_value(8), "taste factors (ALS), 1..64")(
      "margin", po::value<double>()->default_value(0.4), "assumed gross margin (cost = price x (1 - margin)), in [0, 1)")(
      "max-units", po::value<long>()->default_value(10000), "lines with more units are outliers, 1..65535")(
      "browse-slots", po::value<long>()->default_value(200), "products one simulated visit shows, 1..1000")(
      "seed", po::value<long>()->default_value(1), "seed of the K-means and ALS starts and of the scenario")(
      "threads", po::value<long>(), "worker threads (default: all cores); results do not depend on it")(
      "quiet,q", "no progress lines");
  const po::variables_map vm = parse_options(args, opts, "calibrate");
  const std::vector<std::string> positional =
      vm.count("calibrate") ? vm["calibrate"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (positional.size() != 1) throw UsageError("expected exactly one LOG.csv (a transaction log)");
  for (const char* flag : {"until", "out"}) {
    if (!vm.count(flag)) throw UsageError(cat("--", flag, " is required"));
  }
  const auto ranged = [&](const char* flag, long lo, long hi) {
    const long v = vm[flag].as<long>();
    if (v < lo || v > hi) throw UsageError(cat("--", flag, ": expected an integer in [", std::to_string(lo), ", ", std::to_string(hi), "]"));
    return v;
  };
  CalibrationOptions o;
  o.segments = static_cast<std::size_t>(ranged("segments", 1, 12));
  o.factors = static_cast<int>(ranged("factors", 1, 64));
  o.max_units = static_cast<std::uint32_t>(ranged("max-units", 1, 65535));
  o.browse_slots = ranged("browse-slots", 1, 1000);
  o.seed = static_cast<std::uint64_t>(ranged("seed", 0, std::numeric_limits<long>::max()));
  o.margin = vm["margin"].as<double>();
  if (!(o.margin >= 0.0 && o.margin < 1.0)) throw UsageError("--margin: expected a number in [0, 1)");
  const std::size_t threads = threads_option(vm);
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  const bool quiet = vm.count("quiet") > 0;
  o.log_file = positional[0];
  if (vm.count("map")) o.map_file = vm["map"].as<std::string>();
  const ColumnMap map = vm.count("map") ? read_column_map(o.map_file) : ColumnMap{};

  const auto start = std::chrono::steady_clock::now();
  if (!quiet) err << "calibrate: reading " << one_line(o.log_file) << "\n";
  const TransactionLog log = read_transaction_log(o.log_file, map);
  if (log.lines.empty()) throw ScenarioError(o.log_file, "", "no purchase line left after cleaning: nothing to fit");
  const std::string until = vm["until"].as<std::string>();
  try {
    o.until = log.day_of(until);
  } catch (const std::exception&) {
    throw UsageError(cat("--until ", one_line(until), ": expected a date YYYY-MM-DD"));
  }
  if (o.until < 0) throw UsageError(cat("--until ", until, ": before the log's first date, ", log.first_date));
  if (!quiet) err << "calibrate: fitting " << log.lines.size() << " purchase lines up to " << until << "\n";
  Calibration fit = calibrate_market(log, o);
  if (!quiet) err << "calibrate: matching the mean lines per order and the conversion by simulation\n";
  {
    const std::filesystem::path work = std::filesystem::temp_directory_path() /
                                       ("marketsim-calibrate-" + std::to_string(::getpid()));
    match_simulated_moments(fit, work.string());
  }

  OutputDirectory dir({"scenario.json", "catalog.csv", "cleaning.json", "fit.json"});
  dir.open(vm["out"].as<std::string>());
  dir.write("scenario.json", fit.scenario.dump(2) + "\n");
  dir.write("catalog.csv", fit.catalog_csv);
  dir.write("cleaning.json", fit.cleaning.dump(2) + "\n");
  dir.write("fit.json", fit.fit.dump(2) + "\n");
  dir.commit();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  out << one_line(o.log_file) << ": " << fit.fit["customers"].get<std::size_t>() << " customers, "
      << fit.fit["products"].get<std::size_t>() << " products, " << fit.fit["orders"].get<std::size_t>()
      << " orders fitted up to " << until << " in " << static_cast<long>(seconds * 10.0) / 10.0 << " s\n";
  const Json& bg = fit.fit["bgnbd"];
  out << "BG/NBD r " << bg["r"]["value"].dump() << " alpha " << bg["alpha"]["value"].dump() << " a " << bg["a"]["value"].dump()
      << " b " << bg["b"]["value"].dump() << "\n";
  out << "segment  customers  orders/day (se)        dropout  beta (se)\n";
  for (const Json& s : fit.fit["segments"]) {
    char line[200];
    const Json& b = s["beta"];
    std::snprintf(line, sizeof line, "%-8s %9lld  %.5f (%.5f)   %6.3f  %s\n", s["name"].get<std::string>().c_str(),
                  static_cast<long long>(s["customers"].get<std::int64_t>()), s["orders_per_day"]["value"].get<double>(),
                  s["orders_per_day"]["se"].get<double>(), s["dropout"]["mean"].get<double>(),
                  s["beta_identified"].get<bool>()
                      ? cat(Json(b["value"]).dump(), " (", Json(b["se"]).dump(), ")").c_str()
                      : "not identified (prior 0.3)");
    out << line;
  }
  out << "wrote " << one_line(dir.path()) << "/{scenario.json,catalog.csv,cleaning.json,fit.json}\n";
  return kExitOk;
}

}  // namespace

void register_calibrate_command() {
  add_command({"calibrate",
               "calibrate LOG.csv --until DATE --out DIR [--map MAP.json] [--segments K] [--factors F]\n"
               "          [--margin M] [--max-units N] [--browse-slots N] [--seed N] [--threads N] [--quiet]",
               "fit a market to a transaction log: scenario.json, catalog.csv, cleaning.json, fit.json",
               command_calibrate,
               {{"{log}", "--until", "2011-02-10", "--segments", "2", "--factors", "2", "--quiet", "--out", "{dir}"}}});
}

}  // namespace marketsim
