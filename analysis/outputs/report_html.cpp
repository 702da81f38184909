// Output "report.html": one offline page with charts (analysis/html/report_html.h), built from the
// texts of the run's other outputs, so it is the page `marketsim report DIR` builds from the files.
// Opt-in: `--report` (or --outputs report.html) adds it to the set.
#include <map>

#include "analysis/html/report_html.h"
#include "analysis/output_registry.h"

namespace marketsim {

void register_report_output() {
  add_output({"report.html",
              "one offline page: verdict with a forest plot, daily series with 95% bands, customers, sellers, "
              "run facts (Chart.js inlined; opt-in: --report)",
              [](const OutputContext& o) {
                std::map<std::string, std::string> files;
                for (auto& [name, text] : output_texts(o.scenario, o.result, o.summary, o.performance, run_report_inputs())) {
                  files.emplace(name, std::move(text));
                }
                return run_report_html(files);
              },
              Json::parse(R"({})"), false});
}

}  // namespace marketsim
