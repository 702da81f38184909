#include "analysis/run_collector.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <tuple>

#include "sim/concat.h"
#include "sim/money.h"

namespace marketsim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// A books or market value (cents for money) as the daily figure.
double daily_figure(const MetricInfo& m, double raw) { return m.unit == MetricUnit::kMoney ? raw / 100.0 : raw; }

}  // namespace

std::vector<std::size_t> breakdown_metrics() {
  std::vector<std::size_t> out;
  const auto& list = metric_list();
  for (std::size_t m = 0; m < list.size(); ++m) {
    if (list[m].breakdown == kBreakdownCell && list[m].line != nullptr) out.push_back(m);
  }
  return out;
}

std::vector<unsigned> breakdown_kinds() {
  std::vector<unsigned> out;
  for (unsigned dims = kBreakdownCell + 1; dims-- > 0;) {
    for (const MetricInfo& m : metric_list()) {
      if (m.breakdown == dims) {
        out.push_back(dims);
        break;
      }
    }
  }
  return out;
}

std::string breakdown_name(unsigned dims) {
  if (dims == kBreakdownTotal) return "none (total only)";
  std::string out;
  for (const auto& [bit, name] : {std::pair{kBySeller, "seller"}, std::pair{kByCategory, "category"},
                                  std::pair{kBySegment, "segment"}}) {
    if ((dims & bit) == 0) continue;
    if (!out.empty()) out += " x ";
    out += name;
  }
  return out;
}

RunCollector::RunCollector(const MetricContext& ctx)
    : market_(ctx.market),
      warmup_(ctx.warmup_days),
      metrics_(metric_list()),
      line_metrics_(breakdown_metrics()),
      categories_(ctx.market.catalog.category_names.size()),
      segments_(ctx.market.population.segment_names.size()) {
  for (const CollectorInfo& info : metric_registry()) {
    std::size_t collector = SIZE_MAX;
    if (info.make) {
      collector = collectors_.size();
      collectors_.push_back(info.make(ctx));
      collector_columns_.push_back(Span{columns_.size(), info.metrics.size()});
    }
    for (std::size_t k = 0; k < info.metrics.size(); ++k) {
      columns_.push_back(Column{collector, k});
      infos_.push_back(&info);
    }
  }
  // Each metric's breakdown has a source for its cells (MetricInfo::breakdown).
  for (std::size_t m = 0; m < metrics_.size(); ++m) {
    const MetricInfo& info = metrics_[m];
    const bool stateful = columns_[m].collector != SIZE_MAX;
    bool sourced = false;
    switch (info.breakdown) {
      case kBreakdownCell: sourced = info.line != nullptr; break;
      case kBySeller | kByCategory: sourced = info.slot != nullptr && !stateful; break;
      case kBySegment: sourced = info.segment != nullptr || stateful; break;
      case kBySeller: sourced = info.per_seller() && !stateful; break;
      case kBreakdownTotal: sourced = true; break;
      default: break;
    }
    if (!sourced) {
      throw std::logic_error(cat("metric \"", info.name, "\" declares the breakdown ", breakdown_name(info.breakdown),
                                 " without a source for its cells (analysis/metric.h: MetricInfo::breakdown)"));
    }
    if (info.breakdown == (kBySeller | kByCategory)) slot_metrics_.push_back(m);
    if (info.breakdown == kBySegment && info.segment != nullptr) segment_metrics_.push_back(m);
  }
  const std::size_t sellers = ctx.market.offers.sellers();
  slot_sums_.assign(sellers * categories_ * slot_metrics_.size(), 0.0);
  slot_denominators_ = slot_sums_;
  segment_sums_.assign(segments_ * segment_metrics_.size(), 0.0);
  segment_denominators_ = segment_sums_;
  sums_.assign(sellers + 1, std::vector<double>(metrics_.size(), 0.0));
  numerators_ = sums_;
  denominators_ = sums_;
  cells_.assign(sellers * categories_ * segments_ * line_metrics_.size(), 0);
  group_offers_.assign(sellers * categories_, 0);
  stockout_days_.assign(sellers * categories_, 0);
  if (!ctx.groups.empty()) {  // metrics by consumer group
    const GroupAssignment assignment(ctx.groups, ctx.seed, ctx.replication);
    for (const ConsumerGroup& g : ctx.groups) group_names_.push_back(g.name);
    group_names_.push_back(kOtherConsumers);
    const std::size_t n = ctx.market.population.size();
    group_of_.resize(n);
    for (ConsumerId c = 0; c < n; ++c) group_of_[c] = static_cast<std::uint8_t>(assignment.of(c));
    consumer_units_.assign(n, 0);
    consumer_revenue_.assign(n, 0);
    consumer_profit_.assign(n, 0);
  }
  group_list_.assign(sellers * categories_, 0);
  group_of_offer_.resize(ctx.market.offers.size());
  for (OfferId o = 0; o < ctx.market.offers.size(); ++o) {
    const ProductId j = ctx.market.offers.product[o];
    const std::size_t g = ctx.market.offers.seller[o] * categories_ + ctx.market.catalog.category[j];
    group_of_offer_[o] = static_cast<std::uint32_t>(g);
    ++group_offers_[g];
    group_list_[g] += ctx.market.catalog.list_price[j];
  }
}

RunCollector::~RunCollector() = default;

LogNeeds RunCollector::needs() const {
  LogNeeds needs;
  for (const CollectorInfo* info : infos_) {
    needs.exposures = needs.exposures || (info->signals & kSignalExposures) != 0;
    needs.recommendations = needs.recommendations || (info->signals & kSignalRecommendations) != 0;
  }
  return needs;
}

void RunCollector::on_window(const WindowRecords& records) {
  for (const auto& c : collectors_) c->on_window(records);
  if (event_names_.size() != records.event_names.size()) {  // every event is declared at set-up
    event_names_.assign(records.event_names.begin(), records.event_names.end());
    event_counts_.resize(event_names_.size(), 0);
    event_sums_.resize(event_names_.size(), 0.0);
  }
  for (const EventRecord& e : records.events) {
    ++event_counts_[e.event];
    if (!std::isnan(e.value)) event_sums_[e.event] += e.value;
  }
  if (records.day < warmup_) return;
  // Orders by value and by units (orders.csv).
  constexpr std::size_t kDirect = std::size_t{1} << 16;  // counted in the vectors below this
  const auto count = [](std::vector<std::uint64_t>& direct, std::map<std::int64_t, std::uint64_t>& large, std::int64_t v) {
    if (v >= 0 && static_cast<std::size_t>(v) < kDirect) {
      if (direct.size() <= static_cast<std::size_t>(v)) direct.resize(static_cast<std::size_t>(v) + 1, 0);
      ++direct[static_cast<std::size_t>(v)];
    } else {
      ++large[v];
    }
  };
  if (!group_of_.empty()) {  // metrics by consumer group
    for (const LineRecord& l : records.lines) {
      consumer_units_[l.consumer] += l.quantity;
      consumer_revenue_[l.consumer] += l.revenue();
      consumer_profit_[l.consumer] += l.revenue() - l.cogs();
    }
  }
  for (const LineRecord& l : records.lines) {  // the funnel: lines sold, by the slot that showed them
    if (l.quantity == 0) continue;
    ++slot_lines_[l.slot];
    slot_units_[l.slot] += l.quantity;
    slot_revenue_[l.slot] += l.revenue();
  }
  for (const OrderRecord& o : records.orders) {
    if (o.units == 0) continue;
    Money subtotal = 0;
    for (std::uint32_t k = o.first_line; k < o.first_line + o.lines; ++k) {
      const LineRecord& l = records.lines[k];
      subtotal += static_cast<Money>(l.quantity) * l.unit_paid();
    }
    count(order_values_, large_order_values_, subtotal >= 0 ? subtotal / 100 : -((-subtotal + 99) / 100));
    count(basket_units_, large_baskets_, static_cast<std::int64_t>(o.units));
  }
  if (line_metrics_.empty()) return;
  // The breakdown: each line's metrics into its (seller, category, segment) cell. Segments are
  // looked up at random addresses: fetch a few lines ahead.
  constexpr std::size_t kAhead = 8;
  const auto lines = records.lines;
  const Population& pop = market_.population;
  line_cells_.resize(lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i + kAhead < lines.size()) __builtin_prefetch(&pop.segment[lines[i + kAhead].consumer]);
    const LineRecord& l = lines[i];
    line_cells_[i] = static_cast<std::uint32_t>(
        (static_cast<std::size_t>(l.seller) * categories_ + market_.catalog.category[l.product]) * segments_ +
        pop.segment[l.consumer]);
  }
  const std::size_t width = line_metrics_.size();
  for (std::size_t k = 0; k < width; ++k) metrics_[line_metrics_[k]].line(lines, line_cells_.data(), cells_.data() + k, width);
}

void RunCollector::on_day_end(const DayRecord& d) {
  if (d.day >= warmup_) {  // the breakdown by seller x category (stock points) and by segment
    const std::size_t width = slot_metrics_.size();
    const std::size_t slots = width == 0 ? 0 : d.slot_stock.size();
    for (std::size_t k = 0; k < slots; ++k) {
      const std::size_t o = d.slot_offer.empty() ? k : d.slot_offer[k];
      double* sums = slot_sums_.data() + group_of_offer_[o] * width;
      double* dens = slot_denominators_.data() + group_of_offer_[o] * width;
      for (std::size_t j = 0; j < width; ++j) {
        const MetricInfo& info = metrics_[slot_metrics_[j]];
        sums[j] += info.slot(d, k);
        if (info.slot_denominator != nullptr) dens[j] += info.slot_denominator(d, k);
      }
    }
    const std::size_t count = segment_metrics_.size();
    for (std::size_t g = 0; g < segments_ && count > 0; ++g) {
      for (std::size_t j = 0; j < count; ++j) {
        const MetricInfo& info = metrics_[segment_metrics_[j]];
        segment_sums_[g * count + j] += info.segment(d, g);
        if (info.segment_denominator != nullptr) segment_denominators_[g * count + j] += info.segment_denominator(d, g);
      }
    }
  }
  if (d.day >= warmup_) {  // stock-outs by product group, the funnel's impressions and clicks
    for (std::size_t o = 0; o < d.stock.size(); ++o) {
      if (d.stock[o] <= 0) ++stockout_days_[group_of_offer_[o]];
    }
    for (std::size_t k = 0; k < d.slot_impressions.size(); ++k) slot_impressions_[k] += d.slot_impressions[k];
    for (std::size_t k = 0; k < d.slot_clicks.size(); ++k) slot_clicks_[k] += d.slot_clicks[k];
    slot_clicks_counted_ = slot_clicks_counted_ || !d.slot_clicks.empty();
    if (!group_of_.empty()) {
      std::vector<GroupDayRow> rows(group_names_.size());
      for (std::size_t g = 0; g < rows.size(); ++g) rows[g] = GroupDayRow{d.day, static_cast<std::uint32_t>(g), 0, {}, {}, {}};
      for (std::size_t c = 0; c < group_of_.size(); ++c) {
        GroupDayRow& row = rows[group_of_[c]];
        ++row.consumers;
        const double v[3] = {static_cast<double>(consumer_units_[c]), static_cast<double>(consumer_revenue_[c]) / 100.0,
                             static_cast<double>(consumer_profit_[c]) / 100.0};
        for (std::size_t m = 0; m < 3; ++m) {
          row.sum[m] += v[m];
          row.sum_squares[m] += v[m] * v[m];
        }
        row.sum_products[0] += v[0] * v[1];
        row.sum_products[1] += v[0] * v[2];
      }
      group_days_.insert(group_days_.end(), rows.begin(), rows.end());
    }
  }
  {  // stock alerts per stock point (offer x warehouse): only the days with something to report
    const auto at = [](std::span<const std::int64_t> v, std::size_t o) { return o < v.size() ? v[o] : std::int64_t{0}; };
    const std::span<const std::int64_t> stock = d.slot_stock.empty() ? d.stock : d.slot_stock;
    const std::size_t slots = std::max({stock.size(), d.short_units.size(), d.lost_units.size(),
                                        d.backordered_units.size(), d.waiting_units.size()});
    for (std::size_t k = 0; k < slots; ++k) {
      const OfferId o = k < d.slot_offer.size() ? d.slot_offer[k] : static_cast<OfferId>(k);
      const std::uint32_t warehouse = k < d.slot_warehouse.size() ? d.slot_warehouse[k] : 0;
      const StockAlertRow row{d.day, d.day < warmup_, market_.offers.seller[o], warehouse, market_.offers.product[o],
                              at(d.short_units, k), at(d.lost_units, k), at(d.backordered_units, k),
                              at(d.waiting_units, k), at(stock, k), at(d.safety_stock, k)};
      if (row.short_units > 0 || row.lost_units > 0 || row.backordered_units > 0 || row.waiting_units > 0 ||
          row.below_safety_stock()) {
        stock_alerts_.push_back(row);
      }
    }
  }
  if (!d.price.empty()) {  // price paths by product group
    group_price_.assign(group_list_.size(), 0);
    group_paid_.assign(group_list_.size(), 0);
    for (std::size_t o = 0; o < d.price.size(); ++o) {
      group_price_[group_of_offer_[o]] += d.price[o];
      group_paid_[group_of_offer_[o]] += d.price[o] - d.discount[o];
    }
    for (std::size_t g = 0; g < group_list_.size(); ++g) {
      if (group_list_[g] <= 0) continue;
      const auto list = static_cast<double>(group_list_[g]);
      group_prices_.push_back(GroupPriceRow{d.day, d.day < warmup_, static_cast<std::uint32_t>(g / categories_),
                                            static_cast<std::uint32_t>(g % categories_),
                                            static_cast<double>(group_price_[g]) / list,
                                            static_cast<double>(group_paid_[g]) / list});
    }
  }
  DailyRow row{d.day, d.day < warmup_, std::vector<double>(metrics_.size(), kNaN),
               std::vector<double>(d.gauges.begin(), d.gauges.end())};
  if (gauge_names_.empty()) gauge_names_.assign(d.gauge_names.begin(), d.gauge_names.end());
  for (const MonitorRecord& m : d.monitor) {
    monitor_.push_back(MonitorRow{m.day, m.day < warmup_, m.seller, m.promotion, m.rule, m.metric, m.value, m.action});
  }
  for (std::size_t c = 0; c < collectors_.size(); ++c) {
    const Span cols = collector_columns_[c];
    collectors_[c]->on_day_end(d, std::span<double>(row.values.data() + cols.first, cols.count));
  }
  const bool measured = !row.warmup;
  if (measured) ++measured_days_;
  const std::size_t sellers = d.sellers.size();
  for (std::size_t m = 0; m < metrics_.size(); ++m) {
    if (columns_[m].collector != SIZE_MAX) continue;
    const MetricInfo& info = metrics_[m];
    if (info.totaling == Totaling::kRatio) {
      const double num = info.numerator(d.market), den = info.denominator(d.market);
      row.values[m] = den > 0 ? num / den : info.empty_ratio;
      if (!measured) continue;
      numerators_[sellers][m] += num;
      denominators_[sellers][m] += den;
      for (std::size_t s = 0; s < sellers; ++s) {
        numerators_[s][m] += info.numerator(d.sellers[s]);
        denominators_[s][m] += info.denominator(d.sellers[s]);
      }
      continue;
    }
    const double raw = infos_[m]->market ? infos_[m]->market(d) : info.books(d.market);
    row.values[m] = daily_figure(info, raw);
    if (!measured) continue;
    sums_[sellers][m] += raw;
    if (info.books) {
      for (std::size_t s = 0; s < sellers; ++s) sums_[s][m] += info.books(d.sellers[s]);
    }
  }
  daily_.push_back(std::move(row));
  for (std::size_t e = 0; e < event_counts_.size(); ++e) {
    if (event_counts_[e] == 0) continue;
    events_.push_back(EventDayRow{d.day, d.day < warmup_, static_cast<std::uint32_t>(e), event_counts_[e], event_sums_[e]});
    event_counts_[e] = 0;
    event_sums_[e] = 0.0;
  }
  // Each seller's day: the metrics of its books.
  for (std::size_t s = 0; s < sellers; ++s) {
    SellerDailyRow srow{d.day, d.day < warmup_, static_cast<std::uint32_t>(s), std::vector<double>(metrics_.size(), kNaN)};
    for (std::size_t m = 0; m < metrics_.size(); ++m) {
      const MetricInfo& info = metrics_[m];
      if (columns_[m].collector != SIZE_MAX || !info.per_seller()) continue;
      if (info.totaling == Totaling::kRatio) {
        const double den = info.denominator(d.sellers[s]);
        srow.values[m] = den > 0 ? info.numerator(d.sellers[s]) / den : info.empty_ratio;
      } else {
        srow.values[m] = daily_figure(info, info.books(d.sellers[s]));
      }
    }
    seller_daily_.push_back(std::move(srow));
  }
}

void RunCollector::finish(RunResult& result) const {
  const auto pairs = [](const std::vector<std::uint64_t>& direct, const std::map<std::int64_t, std::uint64_t>& large) {
    std::vector<std::pair<std::int64_t, std::uint64_t>> out;
    for (const auto& [v, n] : large) {
      if (v < 0) out.emplace_back(v, n);
    }
    for (std::size_t v = 0; v < direct.size(); ++v) {
      if (direct[v] > 0) out.emplace_back(static_cast<std::int64_t>(v), direct[v]);
    }
    for (const auto& [v, n] : large) {
      if (v >= 0) out.emplace_back(v, n);
    }
    return out;
  };
  result.orders.order_value = pairs(order_values_, large_order_values_);
  result.orders.basket_units = pairs(basket_units_, large_baskets_);
  result.daily = daily_;
  result.seller_daily = seller_daily_;
  result.gauge_names = gauge_names_;
  result.monitor = monitor_;
  result.event_names = event_names_;
  result.events = events_;
  const std::size_t sellers = sums_.size() - 1;
  // Totals of the metrics of the books (the market's, then each seller's).
  const auto total = [&](std::size_t who, std::size_t m) {
    const MetricInfo& info = metrics_[m];
    switch (info.totaling) {
      case Totaling::kSum:
        return info.unit == MetricUnit::kMoney ? sums_[who][m] / 100.0 : sums_[who][m];
      case Totaling::kMean:
        if (measured_days_ == 0) return 0.0;
        return (info.unit == MetricUnit::kMoney ? sums_[who][m] / 100.0 : sums_[who][m]) / measured_days_;
      case Totaling::kRatio:
        return denominators_[who][m] > 0 ? numerators_[who][m] / denominators_[who][m] : info.empty_ratio;
      case Totaling::kCollector:
        break;
    }
    return kNaN;
  };
  result.totals.assign(metrics_.size(), kNaN);
  result.seller_totals.assign(sellers, std::vector<double>(metrics_.size(), kNaN));
  for (std::size_t m = 0; m < metrics_.size(); ++m) {
    if (columns_[m].collector != SIZE_MAX) continue;
    result.totals[m] = total(sellers, m);
    if (!metrics_[m].per_seller()) continue;
    for (std::size_t s = 0; s < sellers; ++s) result.seller_totals[s][m] = total(s, m);
  }
  result.cohorts.clear();
  for (std::size_t c = 0; c < collectors_.size(); ++c) {
    const Span cols = collector_columns_[c];
    collectors_[c]->totals(std::span<double>(result.totals.data() + cols.first, cols.count));
    for (CohortRow& row : collectors_[c]->cohorts()) result.cohorts.push_back(std::move(row));
  }
  result.product_groups.clear();
  for (std::size_t s = 0; s < sellers; ++s) {
    for (std::size_t c = 0; c < categories_; ++c) {
      result.product_groups.push_back(ProductGroupRow{static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(c),
                                                      group_offers_[s * categories_ + c], stockout_days_[s * categories_ + c]});
    }
  }
  result.funnel.clear();
  for (std::size_t k = 0; k < kSlotPositions; ++k) {
    if (slot_impressions_[k] == 0) continue;
    result.funnel.push_back(FunnelRow{static_cast<std::uint32_t>(k), slot_impressions_[k], slot_clicks_[k], slot_lines_[k],
                                      slot_units_[k], static_cast<double>(slot_revenue_[k]) / 100.0});
  }
  result.funnel_clicks = slot_clicks_counted_;
  result.group_prices = group_prices_;
  // Stock alerts by seller, warehouse, product and day (collected by day, then slot).
  result.stock_alerts = stock_alerts_;
  std::stable_sort(result.stock_alerts.begin(), result.stock_alerts.end(), [](const StockAlertRow& a, const StockAlertRow& b) {
    return std::tie(a.seller, a.warehouse, a.product, a.day) < std::tie(b.seller, b.warehouse, b.product, b.day);
  });
  result.group_names = group_names_;
  result.group_days = group_days_;
  // The breakdown (money in currency units): the rows of each kind some metric declares, each
  // metric's values in the rows of its own kind.
  result.breakdown.clear();
  // A sum (and denominator) over the measured days, totalled like metric m.
  const auto settle = [&](const MetricInfo& info, double sum, double denominator, bool ratio) {
    if (ratio) return denominator > 0 ? sum / denominator : info.empty_ratio;
    const double v = info.unit == MetricUnit::kMoney ? sum / 100.0 : sum;
    if (info.totaling == Totaling::kMean) return measured_days_ > 0 ? v / measured_days_ : 0.0;
    return v;
  };
  // Per segment, the stateful collectors' segment totals (metric columns).
  std::vector<std::vector<double>> by_segment(segments_, std::vector<double>(metrics_.size(), kNaN));
  for (std::size_t c = 0; c < collectors_.size(); ++c) {
    const Span cols = collector_columns_[c];
    std::vector<double> values(segments_ * cols.count, kNaN);
    collectors_[c]->segment_totals(values);
    for (std::size_t g = 0; g < segments_; ++g) {
      for (std::size_t k = 0; k < cols.count; ++k) by_segment[g][cols.first + k] = values[g * cols.count + k];
    }
  }
  for (std::size_t j = 0; j < segment_metrics_.size(); ++j) {
    const MetricInfo& info = metrics_[segment_metrics_[j]];
    for (std::size_t g = 0; g < segments_; ++g) {
      const std::size_t at = g * segment_metrics_.size() + j;
      by_segment[g][segment_metrics_[j]] =
          settle(info, segment_sums_[at], segment_denominators_[at], info.segment_denominator != nullptr);
    }
  }
  const std::size_t width = line_metrics_.size();
  for (const unsigned kind : breakdown_kinds()) {
    const auto range = [](bool by, std::size_t n) { return by ? n : std::size_t{1}; };
    for (std::size_t s = 0; s < range(kind & kBySeller, sellers); ++s) {
      for (std::size_t c = 0; c < range(kind & kByCategory, categories_); ++c) {
        for (std::size_t g = 0; g < range(kind & kBySegment, segments_); ++g) {
          const auto index = [&](unsigned bit, std::size_t i) {
            return (kind & bit) != 0 ? static_cast<std::uint32_t>(i) : kBreakdownAll;
          };
          BreakdownRow row{index(kBySeller, s), index(kByCategory, c), index(kBySegment, g),
                           std::vector<double>(metrics_.size(), kNaN)};
          if (kind == kBreakdownCell) {
            const std::int64_t* sums = cells_.data() + ((s * categories_ + c) * segments_ + g) * width;
            for (std::size_t k = 0; k < width; ++k) {
              row.values[line_metrics_[k]] = daily_figure(metrics_[line_metrics_[k]], static_cast<double>(sums[k]));
            }
          }
          for (std::size_t m = 0; m < metrics_.size(); ++m) {
            const MetricInfo& info = metrics_[m];
            if (info.breakdown != kind || kind == kBreakdownCell) continue;
            switch (kind) {
              case kBySeller | kByCategory: {
                const std::size_t j = static_cast<std::size_t>(
                    std::find(slot_metrics_.begin(), slot_metrics_.end(), m) - slot_metrics_.begin());
                const std::size_t at = (s * categories_ + c) * slot_metrics_.size() + j;
                row.values[m] = settle(info, slot_sums_[at], slot_denominators_[at], info.slot_denominator != nullptr);
                break;
              }
              case kBySegment: row.values[m] = by_segment[g][m]; break;
              case kBySeller: row.values[m] = result.seller_totals[s][m]; break;
              case kBreakdownTotal: row.values[m] = result.totals[m]; break;
              default: break;
            }
          }
          result.breakdown.push_back(std::move(row));
        }
      }
    }
  }
}

}  // namespace marketsim
