// Campaigns: what the engine does with the terms every promotion shares (strategies/campaign.h).
// Each promotion's ledger account gets its budget, daily cap and pacing; each day begins with its
// allowance; consumers in a promotion's holdout are kept out of it; at each day's end its
// monitoring rules look at what a team sees mid-campaign (spend to date, sales against the
// pre-campaign forecast, lift against the holdout) and may stop it or scale its depth, and every
// check is recorded (DayRecord::monitor, monitor.csv).
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/shard.h"
#include "sim/error.h"

namespace marketsim {
namespace {

BudgetLedger::Terms terms_of(const Campaign& c) {
  BudgetLedger::Terms t;
  t.budget = c.budget;
  t.daily_cap = c.daily_cap;
  t.pacing = c.pacing == Pacing::kEven          ? BudgetLedger::Pacing::kEven
             : c.pacing == Pacing::kFrontLoaded ? BudgetLedger::Pacing::kFrontLoaded
                                                : BudgetLedger::Pacing::kAsap;
  t.first_day = c.first_day();
  if (c.end < 1e9) t.last_day = c.last_day();  // else the campaign never ends
  return t;
}

}  // namespace

Units Simulation::capped_available(std::size_t s, OfferId o, ConsumerId c, Units available) {
  const std::int32_t p = promotion_[o];
  if (p < 0) return available;  // no funder, or several ("sum" stacking: caps apply to one funder)
  const QuantityLimit* limit = limit_of_[s][static_cast<std::size_t>(p)];
  if (limit == nullptr || (holdouts_ && held_out(s, static_cast<std::size_t>(p), c))) return available;
  const std::uint64_t left = limit->cap_left(o - market_.offers.begin(static_cast<SellerId>(s)));
  return left < static_cast<std::uint64_t>(available) ? static_cast<Units>(left) : available;
}

void Simulation::open_campaigns() {
  campaigns_.resize(sellers_);
  featured_.assign(sellers_, {});
  featured_slots_.assign(sellers_, 0);
  item_parts_.resize(sellers_);
  order_rule_of_.resize(sellers_);
  limit_of_.resize(sellers_);
  recorded_day_spend_.assign(sellers_, {});
  groups_ = GroupAssignment(arm_.groups, plan_.seed, plan_.replication);
  for (std::size_t s = 0; s < sellers_; ++s) {
    const SellerStrategies& strategies = arm_.sellers[s];
    campaigns_[s].resize(strategies.promotions.size());
    for (std::size_t p = 0; p < strategies.promotions.size(); ++p) {
      const Campaign& c = strategies.promotions[p]->campaign();
      ledgers_[s].open(terms_of(c));
      CampaignRun& run = campaigns_[s][p];
      run.holdout = c.holdout;
      run.holdout_keys = StreamFamily(plan_.seed, plan_.replication, Purpose::kHoldout,
                                      (static_cast<std::uint64_t>(s) << 32) | p);
      run.fired.assign(c.monitor.size(), 0);
      for (const MonitorRule& r : c.monitor) {
        if (r.metric == MonitorMetric::kEvent) day_events_.assign(event_board_.names().size(), 0);
        run.lift = run.lift || r.metric == MonitorMetric::kLiftPerSpend;
        run.forecast = run.forecast || r.metric == MonitorMetric::kSalesVsForecast;
      }
      if (!c.group.empty()) {
        for (std::size_t g = 0; g < arm_.groups.size(); ++g) {
          if (arm_.groups[g].name == c.group) run.group = g;
        }
      }
      holdouts_ = holdouts_ || c.holdout > 0.0 || run.group != kNoGroup;
      campaign_tracking_ = campaign_tracking_ || !c.monitor.empty();
      order_rule_of_[s].push_back(strategies.promotions[p]->capability<OrderRule>());
      limit_of_[s].push_back(strategies.promotions[p]->capability<QuantityLimit>());
      caps_ = caps_ || limit_of_[s].back() != nullptr;
      // A rule with spend tiers: shoppers anticipate it while they fill a basket (visits.cpp).
      const OrderRule* rule = order_rule_of_[s].back();
      if (const SpendTiers* tiers = rule != nullptr ? rule->spend_tiers() : nullptr) {
        SpendUnlock u{static_cast<SellerId>(s), static_cast<std::uint32_t>(p), tiers,
                      std::vector<char>(market_.offers.size(), 0)};
        const auto seller = static_cast<SellerId>(s);
        for (OfferId o = market_.offers.begin(seller); o < market_.offers.end(seller); ++o) {
          const ProductId j = market_.offers.product[o];
          u.covers[o] = !rule->scoped() || rule->rule_covers(j, market_.catalog.category[j]);
        }
        unlocks_.push_back(std::move(u));
      }
    }
    special_funding_ = special_funding_ || strategies.stacking.item == Stacking::Item::kSum;
  }
  special_funding_ = special_funding_ || holdouts_;
  if (!holdouts_) return;
  // Who is held out of what: a flag per consumer (the visit path looks at nothing else unless it
  // is set) and each holdout's size, summed over shards in order.
  std::vector<std::vector<std::uint64_t>> counts(shards_.size());
  tbb::parallel_for(std::size_t{0}, shards_.size(), [&](std::size_t k) {
    Shard& shard = *shards_[k];
    std::uint8_t* flags = columns_->data(k, flags_);
    std::vector<std::uint64_t>& mine = counts[k];
    for (std::size_t s = 0; s < sellers_; ++s) {
      for (std::size_t p = 0; p < campaigns_[s].size(); ++p) {
        std::uint64_t n = 0;
        if (campaigns_[s][p].holdout > 0.0 || campaigns_[s][p].group != kNoGroup) {
          for (ConsumerId c = shard.begin; c < shard.end; ++c) {
            if (!held_out(s, p, c)) continue;
            flags[c - shard.begin] |= kHeldOut;
            ++n;
          }
        }
        mine.push_back(n);
      }
    }
  });
  for (const auto& mine : counts) {
    std::size_t i = 0;
    for (std::size_t s = 0; s < sellers_; ++s) {
      for (CampaignRun& run : campaigns_[s]) run.held_out += mine[i++];
    }
  }
}

void Simulation::begin_campaign_day(Day day) {
  for (BudgetLedger& ledger : ledgers_) ledger.begin_day(day);
}

Money Simulation::visible_discount(OfferId o, ConsumerId c) const {
  const std::int32_t p = promotion_[o];
  if (p == -1) return 0;
  const std::size_t s = market_.offers.seller[o];
  if (p >= 0) return held_out(s, static_cast<std::size_t>(p), c) ? 0 : discount_[o];
  const std::size_t promotions = campaigns_[s].size();
  const Money* parts = item_parts_[s].data() + (o - market_.offers.begin(static_cast<SellerId>(s))) * promotions;
  Money d = 0;
  for (std::size_t q = 0; q < promotions; ++q) {
    if (parts[q] > 0 && !held_out(s, q, c)) d += parts[q];
  }
  return d;
}

void Simulation::sum_item_parts(std::size_t s, std::span<const Money> price, std::span<Money> discount) {
  // "sum" stacking: on each offer, each exclusive group keeps its deepest part (the first on a
  // tie); the parts then add up in promotion order, cut to what the price leaves.
  const Stacking& stacking = arm_.sellers[s].stacking;
  const std::size_t promotions = campaigns_[s].size();
  const OfferId first = market_.offers.begin(static_cast<SellerId>(s));
  for (std::size_t k = 0; k < price.size(); ++k) {
    Money* parts = item_parts_[s].data() + k * promotions;
    if (stacking.grouped()) {
      for (std::size_t p = 0; p < promotions; ++p) {
        if (parts[p] == 0 || stacking.group(p) < 0) continue;
        for (std::size_t q = p + 1; q < promotions; ++q) {
          if (!stacking.exclusive(p, q) || parts[q] == 0) continue;
          if (parts[q] > parts[p]) {
            parts[p] = 0;
            break;
          }
          parts[q] = 0;
        }
      }
    }
    Money total = 0;
    int funders = 0;
    std::int32_t top = -1;
    for (std::size_t p = 0; p < promotions; ++p) {
      parts[p] = std::min(parts[p], price[k] - total);
      if (parts[p] <= 0) {
        parts[p] = 0;
        continue;
      }
      total += parts[p];
      ++funders;
      if (top < 0 || parts[p] > parts[static_cast<std::size_t>(top)]) top = static_cast<std::int32_t>(p);
    }
    discount[k] = total;
    promotion_[first + k] = funders == 0 ? -1 : funders == 1 ? top : kMultiFunded;
  }
}

void Simulation::track_campaigns(std::size_t batch, Day day) {
  // Lift: the seller's revenue (what consumers paid it, every product) from treated and held-out
  // consumers since the campaign's first day, from the window's settled lines.
  bool any = false;
  for (const auto& runs : campaigns_) {
    for (const CampaignRun& run : runs) any = any || run.lift;
  }
  if (!any) return;
  for (const LineRecord& l : lines_[batch]) {
    if (l.quantity == 0) continue;
    std::vector<CampaignRun>& runs = campaigns_[l.seller];
    for (std::size_t p = 0; p < runs.size(); ++p) {
      CampaignRun& run = runs[p];
      if (!run.lift || day < arm_.sellers[l.seller].promotions[p]->campaign().first_day()) continue;
      add_checked(held_out(l.seller, p, l.consumer) ? run.holdout_revenue : run.treated_revenue, l.revenue());
    }
  }
}

void Simulation::monitor_campaigns(Day day, std::span<const SellerBooks> books, std::size_t batch) {
  std::vector<MonitorRecord>& out = monitor_records_[batch];
  out.clear();
  if (!campaign_tracking_) return;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double consumers = static_cast<double>(market_.population.size());
  for (std::size_t s = 0; s < sellers_; ++s) {
    SellerStrategies& strategies = arm_.sellers[s];
    BudgetLedger& ledger = ledgers_[s];
    for (std::size_t p = 0; p < strategies.promotions.size(); ++p) {
      PromotionStrategy& promotion = *strategies.promotions[p];
      const Campaign& c = promotion.campaign();
      CampaignRun& run = campaigns_[s][p];
      if (run.forecast) add_checked(day < c.first_day() ? run.pre_revenue : run.campaign_revenue, books[s].revenue);
      // Rules are checked on the campaign's days, from their after_day on, until they fire.
      if (c.monitor.empty() || day < c.first_day() || (c.end < 1e9 && day > c.last_day())) continue;
      if (ledger.exhausted(p) || ledger.halted(p)) continue;
      for (std::size_t r = 0; r < c.monitor.size(); ++r) {
        const MonitorRule& rule = c.monitor[r];
        if (run.fired[r] || day < rule.after_day) continue;
        const double spend = to_currency(ledger.spent(p));
        double value = nan;
        switch (rule.metric) {
          case MonitorMetric::kSpendToDate: value = spend; break;
          case MonitorMetric::kSalesVsForecast: {
            // The forecast: the mean daily revenue of the days before the campaign, times the
            // campaign's days so far.
            const double pre_days = static_cast<double>(c.first_day());
            const double forecast = to_currency(run.pre_revenue) / pre_days * static_cast<double>(day - c.first_day() + 1);
            if (forecast > 0.0) value = to_currency(run.campaign_revenue) / forecast;
            break;
          }
          case MonitorMetric::kLiftPerSpend: {
            const double held = static_cast<double>(run.held_out);
            const double treated = consumers - held;
            if (held > 0.0 && treated > 0.0 && spend > 0.0) {
              const double lift = (to_currency(run.treated_revenue) / treated - to_currency(run.holdout_revenue) / held) * treated;
              value = lift / spend;
            }
            break;
          }
          case MonitorMetric::kGauge: {  // a module's or a strategy's gauge, by name
            const auto g = std::find(gauge_names_.begin(), gauge_names_.end(), rule.gauge);
            if (g != gauge_names_.end()) value = gauge_values_[batch][static_cast<std::size_t>(g - gauge_names_.begin())];
            break;
          }
          case MonitorMetric::kEvent: {  // any named event's occurrences on the day
            const std::vector<std::string>& names = event_board_.names();
            const auto e = static_cast<std::size_t>(std::find(names.begin(), names.end(), rule.gauge) - names.begin());
            value = e < day_events_.size() ? static_cast<double>(day_events_[e]) : 0.0;
            break;
          }
        }
        const bool fires = std::isfinite(value) && (rule.below ? value < rule.threshold : value > rule.threshold);
        MonitorAction action = MonitorAction::kNone;
        if (fires) {
          run.fired[r] = 1;
          action = rule.action;
          if (action == MonitorAction::kStop) {
            ledger.halt(p);
          } else {
            if (ScalableDepth* depth = promotion.capability<ScalableDepth>()) depth->scale(rule.factor);
          }
        }
        out.push_back(MonitorRecord{day, static_cast<SellerId>(s), static_cast<std::uint32_t>(p),
                                    static_cast<std::uint32_t>(r), rule.label.c_str(), value,
                                    monitor_action_name(action)});
        if (ledger.halted(p)) break;
      }
    }
  }
}

}  // namespace marketsim
