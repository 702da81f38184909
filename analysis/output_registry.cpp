#include "analysis/output_registry.h"

#include <algorithm>
#include <mutex>

#include "sim/error.h"
#include "sim/registry.h"
#include "sim/text.h"

namespace marketsim {

std::vector<OutputInfo>& output_registry() {
  static std::vector<OutputInfo> registry;
  return registry;
}

void add_output(OutputInfo info) { add_or_replace(output_registry(), std::move(info)); }

void register_builtin_outputs() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_summary_output();
    register_runs_output();
    register_daily_output();
    register_cohorts_output();
    register_sellers_output();
    register_sellers_daily_output();
    register_breakdown_output();
    register_gauges_output();
    register_monitor_output();
    register_events_output();
    register_orders_output();
    register_products_output();
    register_funnel_output();
    register_prices_output();
    register_groups_output();
    register_stockouts_output();
    register_transactions_output();
    register_report_output();
  });
}

bool outputs_need_transactions(const std::vector<std::string>& names) {
  register_builtin_outputs();
  for (const OutputInfo& o : output_registry()) {
    if (o.needs_transactions && std::find(names.begin(), names.end(), o.name) != names.end()) return true;
  }
  return false;
}

std::vector<std::string> output_names() {
  register_builtin_outputs();
  std::vector<std::string> names;
  for (const OutputInfo& o : output_registry()) names.push_back(o.name);
  return names;
}

std::vector<std::string> default_outputs() {
  register_builtin_outputs();
  std::vector<std::string> names;
  for (const OutputInfo& o : output_registry()) {
    if (o.by_default) names.push_back(o.name);
  }
  return names;
}

std::vector<std::string> select_outputs(const std::string& list) {
  const std::vector<std::string> all = output_names();
  std::vector<char> chosen(all.size(), 0);
  std::string valid;
  for (const std::string& n : all) valid += (valid.empty() ? "" : ", ") + n;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    const std::string name = list.substr(start, comma - start);
    const auto it = std::find(all.begin(), all.end(), name);
    if (it == all.end()) {
      throw UsageError("--outputs: unknown output " + json_quoted(name) + "; Valid values are: " + valid);
    }
    chosen[static_cast<std::size_t>(it - all.begin())] = 1;
    start = comma + 1;
  }
  std::vector<std::string> out;
  for (std::size_t k = 0; k < all.size(); ++k) {
    if (chosen[k]) out.push_back(all[k]);
  }
  return out;
}

}  // namespace marketsim
