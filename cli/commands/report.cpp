// Command "report": writes DIR/report.html, one offline page with charts, for a run's output
// directory or a sweep's (analysis/html/report_html.h), under DIR's lock (analysis/output_dir.h).
#include <chrono>

#include "analysis/html/report_html.h"
#include "analysis/output_dir.h"
#include "cli/command.h"
#include "sim/error.h"
#include "sim/text.h"

namespace marketsim {
namespace {

int command_report(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  (void)err;
  if (args.size() != 1 || args[0].starts_with("-")) throw UsageError("expected exactly one DIR: a run's --out or a sweep's directory");
  const auto start = std::chrono::steady_clock::now();
  const std::string html = directory_report_html(args[0]);
  add_output_file(args[0], "report.html", html);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out << "wrote " << one_line(args[0]) << "/report.html (" << (html.size() + 1023) / 1024 << " KiB, " << seconds << " s)\n";
  return kExitOk;
}

}  // namespace

void register_report_command() {
  add_command({"report", "report DIR",
               "write DIR/report.html: one offline page with charts for a run's or a sweep's output directory",
               command_report, {{"{run}"}}});
}

}  // namespace marketsim
