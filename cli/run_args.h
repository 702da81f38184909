#pragma once
// The options of the commands that take a scenario (run, validate): the scenario file, its
// overrides, and run's own flags.
#include <boost/program_options.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace marketsim {

struct RunArgs {
  std::string scenario;
  std::vector<std::string> overrides;  // --seed, --replications and --set, as /pointer=value
  std::optional<std::string> out_dir;
  std::vector<std::string> outputs;    // --outputs (and --report): the chosen files (empty: the default set)
  std::size_t threads = 0;             // 0: all cores
  std::uint64_t first_replication = 0;
  bool quiet = false;
};

/// Parses `args` against `options` plus positional arguments collected under `positional`.
/// Throws UsageError with the parser's message.
boost::program_options::variables_map parse_options(const std::vector<std::string>& args,
                                                    const boost::program_options::options_description& options,
                                                    const char* positional);
/// The value of --threads in `vm` (1..1024), or all cores without it. Throws UsageError.
std::size_t threads_option(const boost::program_options::variables_map& vm);

/// run's options, for its help text.
boost::program_options::options_description run_options();

/// Parses SCENARIO and the options; with `allow_run_flags` false (validate), run's own flags are
/// refused. Throws UsageError naming the flag and what is allowed.
RunArgs parse_run_args(const std::vector<std::string>& args, bool allow_run_flags);

}  // namespace marketsim
