// Command "abtest": designs the live test of a campaign (experiments/abtest.h): the test on each
// share of consumers and for each duration, simulated many times as run units into DIR's store
// (resuming what a killed design left), against the campaign's roll-out; writes abtest.csv and
// abtest.json and prints the recommended share and duration.
#include <tbb/global_control.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <filesystem>

#include "analysis/html/report_html.h"
#include "analysis/output_dir.h"
#include "analysis/progress.h"
#include "cli/command.h"
#include "cli/run_args.h"
#include "experiments/abtest.h"
#include "sim/error.h"
#include "sim/text.h"

namespace marketsim {
namespace {

namespace po = boost::program_options;

int command_abtest(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  (void)err;
  po::options_description opts("abtest options");
  opts.add_options()("out", po::value<std::string>(), "the design's directory: its store and output files")(
      "threads", po::value<long>(), "worker threads (default: all cores); results do not depend on it")(
      "fresh", "start the store over instead of resuming it")(
      "report", "write DIR/report.html too (one offline page: estimates against the roll-out, bias, power)")(
      "quiet,q", "no progress bar");
  const po::variables_map vm = parse_options(args, opts, "abtest");
  const std::vector<std::string> positional =
      vm.count("abtest") ? vm["abtest"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (positional.size() != 1) throw UsageError("expected exactly one AB file (an A/B test design: base, shares, days, metric, mde)");
  const std::string file = positional[0];
  const std::size_t threads = threads_option(vm);
  const std::string dir = vm.count("out") ? vm["out"].as<std::string>() : std::filesystem::path(file).stem().string() + ".abtest";
  const AbTestSpec spec = load_abtest(file);
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  AbTestOptions options;
  options.fresh = vm.count("fresh") > 0;
  options.threads = threads;
  options.command_line = "marketsim abtest";
  for (const std::string& a : args) options.command_line += " " + a;
  ProgressBar bar(!vm.count("quiet"));
  options.progress = [&](std::uint64_t done, std::uint64_t total) { bar.update(done, total, "units", 0); };
  const AbTestReport report = run_abtest(spec, dir, options);
  bar.finish();
  out << one_line(file) << ": " << spec.tests << " simulated tests of " << spec.metric << " per consumer (" << report.units
      << " units, " << report.units_run << " run now)\n";
  out << "variant       share  days      estimate  95% CI (mean)              power  roll-out   bias\n";
  for (const AbTestRow& r : report.rows) {
    char line[256];
    std::snprintf(line, sizeof line, "%-12s %6.2f %5d %13.4f  [%11.4f, %11.4f] %6.3f %9.4f %8.4f\n", one_line(r.variant).c_str(), r.share,
                  static_cast<int>(r.days), r.estimate, r.ci_low, r.ci_high, r.power, r.rollout_effect, r.bias);
    out << line;
  }
  for (const AbTestRecommendation& r : report.recommendations) {
    if (r.found) {
      const auto row = std::find_if(report.rows.begin(), report.rows.end(), [&](const AbTestRow& x) {
        return x.variant == r.variant && x.share == r.share && x.days == r.days;
      });
      out << one_line(r.variant) << ": test on " << r.share * 100.0 << "% of consumers for " << r.days << " days (power >= "
          << spec.power << " for an effect of " << spec.mde << " per consumer a day; the least biased such share); it "
          << "would estimate " << row->estimate << " per consumer where the roll-out gives " << row->rollout_effect
          << " (bias " << row->bias << ")\n";
    } else {
      out << one_line(r.variant) << ": no duration within the horizon reaches power " << spec.power << " for an effect of "
          << spec.mde << " per consumer a day\n";
    }
  }
  if (vm.count("report")) add_output_file(dir, "report.html", directory_report_html(dir));
  out << "wrote " << one_line(dir) << "/{abtest.csv,abtest.json" << (vm.count("report") ? ",report.html" : "") << "}\n";
  return kExitOk;
}

}  // namespace

void register_abtest_command() {
  add_command({"abtest", "abtest AB [--out DIR] [--threads N] [--fresh] [--report] [--quiet]",
               "design a live A/B test of a campaign: each share and duration simulated many times, against the "
               "roll-out effect (bias, power, recommended share and duration)",
               command_abtest,
               {{"{abtest}", "--threads", "2", "--quiet", "--out", "{dir}"}, {"{abtest}", "--report", "--quiet", "--out", "{dir}"}}});
}

}  // namespace marketsim
