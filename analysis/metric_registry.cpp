#include <mutex>
#include <stdexcept>

#include "analysis/metric.h"

namespace marketsim {

std::vector<CollectorInfo>& metric_registry() {
  static std::vector<CollectorInfo> r;
  return r;
}

void register_builtin_metrics() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_visits_metric();
    register_conversions_metric();
    register_units_metric();
    register_revenue_metric();
    register_cogs_metric();
    register_gross_profit_metric();
    register_promotion_spend_metric();
    register_lost_sales_metric();
    register_fill_rate_metric();
    register_stock_on_hand_metric();
    register_customers_metrics();
    register_budget_cancelled_metric();
    register_discounts_metric();
    register_promotion_costs_metric();
    register_contribution_metric();
    register_inventory_costs_metric();
    register_holding_cost_metric();
    register_ordering_cost_metric();
    register_backorder_cost_metric();
    register_fulfilment_cost_metric();
    register_ready_rate_metric();
    register_backorder_metrics();
    register_operating_profit_metric();
    register_membership_metrics();
    register_engagement_metrics();
    register_awareness_metrics();
    register_impressions_metric();
    register_clicks_metric();
    register_ctr_metric();
    register_conversion_rate_metrics();
    register_order_size_metrics();
    register_coupons_issued_metric();
    register_coupons_redeemed_metric();
    register_coupons_expired_metric();
    register_coupon_costs_metric();
    register_coupon_discounts_metric();
    register_points_redeemed_metrics();
    register_price_index_metric();
    register_recommendation_metrics();
    register_per_impression_metrics();
  });
}

const std::vector<MetricInfo>& metric_list() {
  register_builtin_metrics();
  static std::vector<MetricInfo> list;
  static std::size_t collectors = 0;
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  if (collectors != metric_registry().size()) {  // (re)built when collectors were added
    list.clear();
    for (const auto& c : metric_registry()) list.insert(list.end(), c.metrics.begin(), c.metrics.end());
    collectors = metric_registry().size();
  }
  return list;
}

std::size_t metric_index(const std::string& name) {
  const auto& list = metric_list();
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i].name == name) return i;
  }
  throw std::out_of_range("no metric named \"" + name + "\"");
}

CollectorInfo gauge_metric(std::string name, std::string description, MetricUnit unit, std::string numerator,
                           std::string denominator, Totaling totaling) {
  MetricInfo m;
  m.name = name;
  m.description = description;
  m.unit = unit;
  m.totaling = totaling;
  auto value = [numerator = std::move(numerator), denominator = std::move(denominator)](const DayRecord& d) {
    const double n = d.gauge(numerator);
    if (denominator.empty()) return n;
    const double q = d.gauge(denominator);
    return q > 0 ? n / q : std::numeric_limits<double>::quiet_NaN();
  };
  return CollectorInfo{std::move(name), std::move(description), kSignalDays, {std::move(m)}, std::move(value), {}};
}

CollectorInfo books_metric(std::string name, std::string description, MetricUnit unit,
                           std::function<double(const SellerBooks&)> books,
                           LineSums line, Totaling totaling) {
  MetricInfo m;
  m.name = name;
  m.description = description;
  m.unit = unit;
  m.totaling = totaling;
  m.books = std::move(books);
  m.line = line;
  return CollectorInfo{std::move(name), std::move(description), kSignalDays, {std::move(m)}, {}, {}};
}

}  // namespace marketsim
