#include "experiments/files.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include "analysis/report.h"
#include "scenarios/json_input.h"
#include "sim/error.h"
#include "sim/rng.h"
#include "sim/text.h"

namespace marketsim {

void write_file_replacing(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw Error(tmp.string() + ": cannot write");
  }
  std::filesystem::rename(tmp, path);
}

Json run_metadata(std::size_t threads, const std::string& command_line, const std::string& started) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return Json{{"marketsim_version", marketsim_version()},
              {"marketsim_commit", marketsim_commit()},
              {"build", marketsim_build()},
              {"threads", threads},
              {"host", host},
              {"command_line", command_line},
              {"started", started},
              {"finished", utc_now()}};
}

std::string csv_json_field(const Json& v) { return v.is_string() ? csv_field(v.get<std::string>()) : v.dump(); }

std::string read_work_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError(path, "", "cannot open the " + what);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

std::pair<Json, std::string> read_base_scenario(const Json& value, const std::string& file, const std::string& pointer) {
  if (value.is_string()) {
    std::filesystem::path path = value.get<std::string>();
    if (path.is_relative()) path = std::filesystem::path(file).parent_path() / path;
    const std::string name = path.lexically_normal().string();
    return {read_json_file(name), name};
  }
  if (value.is_object()) return {value, file + " (" + pointer + ")"};
  throw ScenarioError(file, pointer, "must be a scenario file's path or an inline scenario object");
}

std::string work_fingerprint(const std::string& text, const Json& base) {
  std::string all = text;
  all += '\n';
  all += base.dump();
  all += '\n';
  all += marketsim_commit();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(name_hash(all)));
  return buf;
}

}  // namespace marketsim
