#include "analysis/metrics.h"

namespace marketsim {

const std::array<MetricInfo, kMetricCount>& metric_info() {
  static const std::array<MetricInfo, kMetricCount> info = {{
      {"visits", "shop visits"},
      {"conversions", "visits that ended in a purchase"},
      {"units", "units sold"},
      {"revenue", "what consumers paid, after discounts (currency)"},
      {"cogs", "cost of the goods sold (currency)"},
      {"gross_profit", "revenue - cogs (currency)"},
      {"promotion_spend", "discounts given, charged to promotion budgets (currency)"},
      {"lost_sales", "purchases lost to stock-outs"},
      {"fill_rate", "units / (units + lost_sales)"},
      {"stock_on_hand", "units in stock at the end of the day (totals: mean over days)"},
      {"active_customers", "distinct consumers who bought (daily: that day; totals: in the period)"},
      {"repeat_rate", "share of first-time buyers (not in the last week) who bought again in a "
                      "later week"},
      {"budget_cancelled", "purchase intents dropped because their promotion's budget ran out"},
  }};
  return info;
}

}  // namespace marketsim
