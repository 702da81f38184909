#pragma once
// What the command-line tests share: marketsim_main run in-process with its streams captured, and
// whole files read and written as bytes.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.h"

namespace marketsim::testing {

struct Result {
  int code;
  std::string out;
  std::string err;
};

/// Runs `marketsim ARGS...` in this process.
inline Result cli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = marketsim_main(args, out, err);
  return {code, out.str(), err.str()};
}

/// The bytes of a file ("" if it cannot be read).
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Writes `text` as the whole of a file.
inline void spit(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

/// Whether a shipped file under scenarios/ is a scenario: optimisation files (*-optimize.json) and
/// A/B test designs (*-abtest.json) live beside the scenarios they start from, but are not ones.
inline bool is_scenario_file(const std::filesystem::path& p) {
  const std::string name = p.filename().string();
  return !name.ends_with("-optimize.json") && !name.ends_with("-abtest.json");
}

}  // namespace marketsim::testing
