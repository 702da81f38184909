#pragma once
// What the command-line tests share: marketsim_main run in-process with its streams captured,
// whole files read and written as bytes, scratch directories, and where the shared data is.
#include <unistd.h>

#include <cstdlib>
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

/// A fresh directory under the system's temporary directory ("marketsim-NAME-PID"), removed with
/// everything in it at the end of the test.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name)
      : path(std::filesystem::temp_directory_path() / ("marketsim-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  /// Writes `text` as DIR/NAME; returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    spit(path / name, text);
    return (path / name).string();
  }
};

/// The shared retail log ($MARKETSIM_DATA, default ../shared/data beside the source tree:
/// online-retail/transactions-2010-12-to-2011-08.csv); tests that need it say "skipped (no data)"
/// when it is absent (ctest then counts them skipped).
inline std::filesystem::path shared_retail_log() {
  const char* dir = std::getenv("MARKETSIM_DATA");
  const std::filesystem::path data = dir != nullptr && *dir != '\0' ? dir : MARKETSIM_SOURCE_DIR "/../shared/data";
  return data / "online-retail" / "transactions-2010-12-to-2011-08.csv";
}

/// The rows of a CSV text split at every comma (for files whose fields hold no quoted commas).
inline std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string x;
    while (std::getline(ss, x, ',')) f.push_back(x);
    out.push_back(f);
  }
  return out;
}

/// Whether a shipped file under scenarios/ is a scenario: optimisation files (*-optimize.json) and
/// A/B test designs (*-abtest.json) live beside the scenarios they start from, but are not ones.
inline bool is_scenario_file(const std::filesystem::path& p) {
  const std::string name = p.filename().string();
  return !name.ends_with("-optimize.json") && !name.ends_with("-abtest.json");
}

}  // namespace marketsim::testing
