#include "analysis/run_collector.h"

#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>

#include <bit>
#include <cmath>
#include <limits>

#include "sim/money.h"

namespace marketsim {

RunCollector::RunCollector(std::size_t consumers, Day horizon_days, Day warmup_days)
    : horizon_(horizon_days),
      warmup_(warmup_days),
      weeks_((horizon_days - warmup_days + 6) / 7),
      consumers_(consumers) {
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, consumers, 1 << 16),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      for (std::size_t i = r.begin(); i != r.end(); ++i) consumers_[i] = {0, -1};
                    });
  today_.fill(0.0);
}

void RunCollector::on_sale(const LineRecord& s) {
  const Day day = day_of(s.time);
  ConsumerRecord& c = consumers_[s.consumer];
  if (c.last_day != day) {
    c.last_day = day;
    today_[kActiveCustomers] += 1;
  }
  if (day >= warmup_) c.weeks_bought |= std::uint64_t{1} << ((day - warmup_) / 7);
}

void RunCollector::on_window(const WindowRecords& records) {
  for (const OrderRecord& o : records.orders) today_[kConversions] += o.units > 0 ? 1 : 0;
  // Sales touch consumers in time order, i.e. at random addresses: fetch a few lines ahead.
  constexpr std::size_t kAhead = 8;
  const auto lines = records.lines;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i + kAhead < lines.size()) __builtin_prefetch(&consumers_[lines[i + kAhead].consumer], 1);
    if (lines[i].quantity > 0) on_sale(lines[i]);
  }
}

void RunCollector::on_day_end(const DayRecord& d) {
  const SellerBooks& b = d.market;
  DailyRow row{d.day, d.day < warmup_, today_};
  row.values[kVisits] = static_cast<double>(d.visits);
  row.values[kUnits] = static_cast<double>(b.units_sold);
  row.values[kLostSales] = static_cast<double>(b.units_lost);
  row.values[kRevenue] = to_currency(b.revenue);
  row.values[kCogs] = to_currency(b.cogs);
  row.values[kGrossProfit] = to_currency(b.revenue - b.cogs);
  row.values[kPromotionSpend] = to_currency(b.discounts() + b.promotion_costs());
  const double demand = row.values[kUnits] + row.values[kLostSales];
  row.values[kFillRate] = demand > 0 ? row.values[kUnits] / demand : 1.0;
  row.values[kStockOnHand] = static_cast<double>(b.stock_on_hand);
  row.values[kRepeatRate] = std::numeric_limits<double>::quiet_NaN();
  row.values[kBudgetCancelled] = static_cast<double>(b.budget_cancelled);
  daily_.push_back(row);
  today_.fill(0.0);
}

void RunCollector::finish(RunResult& result) const {
  result.daily = daily_;
  MetricValues& t = result.totals;
  t.fill(0.0);
  // Sums over measured days; money is summed in cents so totals are exact.
  std::int64_t revenue = 0, cogs = 0, spend = 0;
  double stock = 0.0;
  int days = 0;
  for (const DailyRow& row : daily_) {
    if (row.warmup) continue;
    ++days;
    for (Metric m : {kVisits, kConversions, kUnits, kLostSales, kBudgetCancelled}) {
      t[m] += row.values[m];
    }
    revenue += to_cents(row.values[kRevenue]);
    cogs += to_cents(row.values[kCogs]);
    spend += to_cents(row.values[kPromotionSpend]);
    stock += row.values[kStockOnHand];
  }
  t[kRevenue] = to_currency(revenue);
  t[kCogs] = to_currency(cogs);
  t[kGrossProfit] = to_currency(revenue - cogs);
  t[kPromotionSpend] = to_currency(spend);
  const double demand = t[kUnits] + t[kLostSales];
  t[kFillRate] = demand > 0 ? t[kUnits] / demand : 1.0;
  t[kStockOnHand] = days > 0 ? stock / days : 0.0;

  // Cohorts: the lowest set bit of a consumer's week mask is its first-purchase week.
  const auto weeks = static_cast<std::size_t>(weeks_);
  // Integer counts summed over blocks of consumers in parallel: the result is exact, whatever
  // the split.
  struct Counts {
    std::vector<std::uint64_t> size, buyers;
    std::uint64_t active = 0, eligible = 0, repeaters = 0;
  };
  const auto empty = [&] { return Counts{std::vector<std::uint64_t>(weeks, 0), std::vector<std::uint64_t>(weeks * weeks, 0)}; };
  const Counts counts = tbb::parallel_reduce(
      tbb::blocked_range<std::size_t>(0, consumers_.size(), 1 << 16), empty(),
      [&](const tbb::blocked_range<std::size_t>& r, Counts acc) {
        for (std::size_t i = r.begin(); i != r.end(); ++i) {
          const std::uint64_t mask = consumers_[i].weeks_bought;
          if (mask == 0) continue;
          ++acc.active;
          const auto first = static_cast<std::size_t>(std::countr_zero(mask));
          ++acc.size[first];
          if (first + 1 < weeks) {
            ++acc.eligible;
            if ((mask >> (first + 1)) != 0) ++acc.repeaters;
          }
          for (std::uint64_t later = mask & (mask - 1); later != 0; later &= later - 1) {
            const auto w = static_cast<std::size_t>(std::countr_zero(later));
            ++acc.buyers[first * weeks + (w - first)];
          }
        }
        return acc;
      },
      [](Counts a, const Counts& b) {
        for (std::size_t k = 0; k < a.size.size(); ++k) a.size[k] += b.size[k];
        for (std::size_t k = 0; k < a.buyers.size(); ++k) a.buyers[k] += b.buyers[k];
        a.active += b.active;
        a.eligible += b.eligible;
        a.repeaters += b.repeaters;
        return a;
      });
  const std::vector<std::uint64_t>& size = counts.size;
  const std::vector<std::uint64_t>& buyers = counts.buyers;
  const std::uint64_t active = counts.active, eligible = counts.eligible, repeaters = counts.repeaters;
  t[kActiveCustomers] = static_cast<double>(active);
  t[kRepeatRate] = eligible > 0 ? static_cast<double>(repeaters) / static_cast<double>(eligible)
                                : std::numeric_limits<double>::quiet_NaN();
  result.cohorts.clear();
  for (std::size_t c = 0; c < weeks; ++c) {
    for (std::size_t off = 1; c + off < weeks; ++off) {
      result.cohorts.push_back(CohortRow{static_cast<int>(c), size[c], static_cast<int>(off),
                                         buyers[c * weeks + off]});
    }
  }
}

}  // namespace marketsim
