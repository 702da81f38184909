// Command "list": every registered strategy, promotion, behaviour module, metric, output file and
// command, with parameters, types, ranges and defaults.
#include <algorithm>
#include <iomanip>

#include "agents/behaviour.h"
#include "analysis/metric.h"
#include "analysis/output_registry.h"
#include "cli/command.h"
#include "sim/error.h"
#include "strategies/registry.h"

namespace marketsim {
namespace {

void print_list(std::ostream& out, const std::string& what) {
  register_builtin_strategies();
  register_builtin_behaviours();
  register_builtin_outputs();
  const auto param = [&](const ParamSpec& p) {
    out << "      - " << std::left << std::setw(26) << p.name << allowed_text(p);
    if (!p.default_value.is_null()) out << ", default " << p.default_value.dump();
    else if (p.optional) out << ", optional";
    else out << ", required";
    out << "\n          " << p.description << "\n";
  };
  // `shared`: parameters every entry takes, listed once after the entries.
  const auto section = [&](const auto& registry, const ParamSchema& shared = {}) {
    const std::string& kind = registry.kind();
    out << registry.family() << " " << (kind.ends_with('y') ? kind.substr(0, kind.size() - 1) + "ies" : kind + "s")
        << ":\n";
    const auto is_shared = [&](const ParamSpec& p) {
      return std::any_of(shared.begin(), shared.end(), [&](const ParamSpec& s) { return s.name == p.name; });
    };
    for (const auto& info : registry.entries()) {
      out << "  " << info.name << "\n      " << info.description << "\n";
      for (const auto& p : info.params) {
        if (!is_shared(p)) param(p);
      }
    }
    if (!shared.empty()) {
      out << "  shared by every " << registry.family() << " (its campaign's budget, pacing, span, holdout and "
             "monitoring rules)\n";
      for (const auto& p : shared) param(p);
    }
    out << "\n";
  };
  if (what.empty() || what == "strategies") section(pricing_registry());
  if (what.empty() || what == "strategies" || what == "promotions") section(promotion_registry(), campaign_params());
  if (what.empty() || what == "strategies") {
    section(recommender_registry());
    section(replenishment_registry());
  }
  if (what.empty() || what == "behaviours") section(behaviour_registry());
  if (what.empty() || what == "metrics") {
    register_builtin_metrics();
    out << "metrics (columns of runs.csv and daily.csv, in order):\n";
    const auto totaling = [](const MetricInfo& m) -> std::string {
      switch (m.totaling) {
        case Totaling::kSum: return "sum over measured days";
        case Totaling::kMean: return "mean over measured days";
        case Totaling::kRatio: return "ratio of the sums over measured days";
        case Totaling::kCollector: return m.daily ? "computed by its collector" : "computed by its collector; no daily value";
      }
      return "";
    };
    for (const CollectorInfo& c : metric_registry()) {
      for (const MetricInfo& m : c.metrics) {
        out << "  " << std::left << std::setw(20) << m.name << (m.name.size() < 20 ? "" : " ") << m.description
            << "\n      totals: "
            << totaling(m) << "; collector \"" << c.name << "\" subscribes to "
            << ((c.signals & kSignalLines) ? "order lines and days" : "days")
            << (m.books || m.totaling == Totaling::kRatio ? "; per seller (sellers.csv)" : "")
            << "\n      breakdown: " << breakdown_name(m.breakdown)
            << (m.breakdown_note.empty() ? "" : " (") << m.breakdown_note << (m.breakdown_note.empty() ? "" : ")") << "\n";
      }
    }
    out << "\n";
  }
  if (what.empty() || what == "outputs") {
    out << "outputs (files of the output set, in order; --outputs chooses some):\n";
    for (const OutputInfo& o : output_registry()) out << "  " << std::left << std::setw(20) << o.name << " " << o.description << "\n";
    out << "\n";
  }
  if (what.empty() || what == "commands") {
    out << "commands:\n";
    for (const CommandInfo& c : command_registry()) out << "  " << std::left << std::setw(20) << c.name << " " << c.description << "\n";
    out << "\n";
  }
}

const char* kListTopics[] = {"strategies", "promotions", "behaviours", "metrics", "outputs", "commands"};

int command_list(const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
  const bool known = args.size() == 1 && std::find(std::begin(kListTopics), std::end(kListTopics), args[0]) != std::end(kListTopics);
  if (!args.empty() && !known) {
    std::string valid;
    for (const char* t : kListTopics) valid += (valid.empty() ? "" : ", ") + std::string(t);
    throw UsageError("`list` takes at most one argument; Valid values are: " + valid);
  }
  print_list(out, args.empty() ? "" : args[0]);
  return kExitOk;
}

}  // namespace

void register_list_command() {
  add_command({"list", "list [strategies | promotions | behaviours | metrics | outputs | commands]",
               "print the registered strategies, behaviour modules, metrics, output files and commands",
               command_list,
               {{}, {"strategies"}, {"metrics"}, {"outputs"}, {"commands"}}});
}

}  // namespace marketsim
