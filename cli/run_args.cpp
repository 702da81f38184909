#include "cli/run_args.h"

#include <algorithm>
#include <thread>

#include "analysis/output_registry.h"
#include "sim/error.h"
#include "sim/text.h"

namespace marketsim {

namespace po = boost::program_options;

po::options_description run_options() {
  std::string files;
  for (const std::string& name : output_names()) files += (files.empty() ? "" : ", ") + name;
  po::options_description o("run options");
  o.add_options()
      ("out", po::value<std::string>(), ("write the output files to DIR, as one set that replaces DIR whole: " + files).c_str())
      ("outputs", po::value<std::string>(),
       "the output files to write, comma-separated (default: all but report.html)")
      ("report", "with --out: write report.html too (one offline page with charts)")
      ("threads", po::value<long>(), "worker threads (default: all cores); results do not depend on it")
      ("seed", po::value<std::string>(), "override the scenario's seed (same as --set /seed=S)")
      ("replications", po::value<std::string>(), "override the replications (same as --set /replications=R)")
      ("first-replication", po::value<std::string>(),
       "run replications K .. K+R-1 (default 0): each exactly as in a run that starts at 0")
      ("set", po::value<std::vector<std::string>>()->composing(),
       "override any scenario value: /json/pointer=VALUE (VALUE is JSON or a bare string); repeatable")
      ("quiet,q", "no progress bar");
  return o;
}

po::variables_map parse_options(const std::vector<std::string>& args, const po::options_description& options,
                                const char* positional) {
  po::options_description hidden;
  hidden.add_options()(positional, po::value<std::vector<std::string>>(), positional);
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description pos;
  pos.add(positional, -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  return vm;
}

std::size_t threads_option(const po::variables_map& vm) {
  if (!vm.count("threads")) return std::max(1u, std::thread::hardware_concurrency());
  const long t = vm["threads"].as<long>();
  if (t < 1 || t > 1024) throw UsageError("--threads: expected an integer in [1, 1024]");
  return static_cast<std::size_t>(t);
}

RunArgs parse_run_args(const std::vector<std::string>& args, bool allow_run_flags) {
  const po::variables_map vm = parse_options(args, run_options(), "scenario");
  RunArgs r;
  if (!vm.count("scenario") || vm["scenario"].as<std::vector<std::string>>().size() != 1) {
    throw UsageError("expected exactly one SCENARIO file");
  }
  r.scenario = vm["scenario"].as<std::vector<std::string>>()[0];
  if (!allow_run_flags) {
    for (const char* flag : {"out", "outputs", "report", "threads", "seed", "replications", "first-replication", "quiet"}) {
      if (vm.count(flag)) throw UsageError(std::string("--") + flag + " is only valid with `run`");
    }
  }
  if (vm.count("seed")) r.overrides.push_back("/seed=" + vm["seed"].as<std::string>());
  if (vm.count("replications")) {
    r.overrides.push_back("/replications=" + vm["replications"].as<std::string>());
  }
  if (vm.count("set")) {
    for (const auto& s : vm["set"].as<std::vector<std::string>>()) r.overrides.push_back(s);
  }
  if (vm.count("out")) r.out_dir = vm["out"].as<std::string>();
  if (vm.count("outputs")) {
    if (!r.out_dir) throw UsageError("--outputs needs --out DIR");
    r.outputs = select_outputs(vm["outputs"].as<std::string>());
  }
  if (vm.count("report")) {  // the chosen set (default: the default one) and report.html
    if (!r.out_dir) throw UsageError("--report needs --out DIR");
    std::string list;
    for (const std::string& name : r.outputs.empty() ? default_outputs() : r.outputs) list += name + ",";
    r.outputs = select_outputs(list + "report.html");
  }
  if (vm.count("threads")) {
    const long t = vm["threads"].as<long>();
    if (t < 1 || t > 1024) throw UsageError("--threads: expected an integer in [1, 1024]");
    r.threads = static_cast<std::size_t>(t);
  }
  if (vm.count("first-replication")) {
    // A replication index keys its streams as a 64-bit integer; stay where doubles count exactly.
    const std::string& text = vm["first-replication"].as<std::string>();
    std::size_t used = 0;
    unsigned long long k = 0;
    try {
      if (!text.empty() && text[0] != '-' && text[0] != '+') k = std::stoull(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != text.size() || k > (1ull << 53)) {
      throw UsageError("--first-replication: expected an integer in [0, 2^53], got " + json_quoted(text));
    }
    r.first_replication = k;
  }
  r.quiet = vm.count("quiet") > 0;
  return r;
}

}  // namespace marketsim
