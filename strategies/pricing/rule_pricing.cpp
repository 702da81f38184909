// Pricing "rule": P(t) = f(P(t-1), X, M(t)) (MODEL.md "Strategies": pricing), a log-linear rule on
// yesterday's price with bounds and a step limit:
//   ln P(t) = ln P(t-1) + demand x ln(D_1 / D_w) + stock x ln(target_days / s) + competitor x ln(C / P(t-1))
// where D_1 is yesterday's demand (sold + lost) of the offer and D_w its mean over the last
// `window_days` days (each at least `floor_demand`: the product's own momentum), s its days of
// supply (stock on hand / D_w), and C the lowest price other sellers' offers of the product had
// yesterday (a market signal; the term is left out without a rival). The result is clamped to
// [min_factor, max_factor] x list and to at most `max_step` (a share) from P(t-1). A weight of 0
// turns its signal off. P(0) is the list price.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "strategies/registry.h"

namespace marketsim {
namespace {

struct RuleWeights {
  double demand, stock, competitor;
  double target_days, min_factor, max_factor, max_step, floor_demand;
  Day window_days;
};

class RulePricing final : public PricingStrategy {
 public:
  RulePricing(const BuildContext& ctx, RuleWeights w) : w_(w) {
    const OfferId first = ctx.offers.begin(ctx.seller);
    rivals_.resize(ctx.offers.count(ctx.seller));
    std::vector<std::vector<OfferId>> by_product(ctx.catalog.size());
    for (OfferId o = 0; o < ctx.offers.size(); ++o) {
      if (ctx.offers.seller[o] != ctx.seller) by_product[ctx.offers.product[o]].push_back(o);
    }
    for (std::size_t k = 0; k < rivals_.size(); ++k) rivals_[k] = by_product[ctx.offers.product[first + k]];
  }

  LogNeeds needs() const override { return {.lookback_days = w_.window_days}; }

  void set_prices(const MarketContext& ctx, std::span<Money> prices) override {
    if (last_.size() != prices.size()) last_.assign(prices.size(), 0);
    const Day from = std::max<Day>(std::max<Day>(0, ctx.log.first_day()), ctx.day - w_.window_days);
    for (std::size_t k = 0; k < prices.size(); ++k) {
      const ProductId j = ctx.product(k);
      const auto list = static_cast<double>(ctx.catalog.list_price[j]);
      if (last_[k] == 0 || ctx.day < 1) {
        prices[k] = last_[k] = ctx.catalog.list_price[j];
        continue;
      }
      const OfferId o = ctx.first_offer() + static_cast<OfferId>(k);
      const double prev = static_cast<double>(last_[k]);
      double log_change = 0.0;
      double mean = 0.0;
      for (Day d = from; d < ctx.day; ++d) mean += ctx.log.demand(d, o);
      mean = std::max(w_.floor_demand, mean / static_cast<double>(ctx.day - from));
      if (w_.demand != 0.0) {
        const double yesterday = std::max(w_.floor_demand, static_cast<double>(ctx.log.demand(ctx.day - 1, o)));
        log_change += w_.demand * std::log(yesterday / mean);
      }
      if (w_.stock != 0.0 && !ctx.on_hand.empty()) {
        const double supply = std::max(1e-9, static_cast<double>(std::max<Units>(0, ctx.on_hand[o])) / mean);
        log_change += w_.stock * std::log(w_.target_days / supply);
      }
      if (w_.competitor != 0.0) {
        Money rival = std::numeric_limits<Money>::max();
        for (OfferId r : rivals_[k]) rival = std::min(rival, ctx.log.price(ctx.day - 1, r));
        if (rival != std::numeric_limits<Money>::max()) {
          log_change += w_.competitor * std::log(static_cast<double>(rival) / prev);
        }
      }
      double p = prev * std::exp(log_change);
      p = std::clamp(p, prev * (1.0 - w_.max_step), prev * (1.0 + w_.max_step));
      p = std::clamp(p, list * w_.min_factor, list * w_.max_factor);
      prices[k] = last_[k] = std::max<Money>(1, std::llround(p));
    }
  }

 private:
  RuleWeights w_;
  std::vector<std::vector<OfferId>> rivals_;
  std::vector<Money> last_;  // P(t-1) per local offer (0: none yet)
};

}  // namespace

void register_rule_pricing() {
  pricing_registry().add({
      "rule",
      "P(t) = P(t-1) x (D_1/D_w)^demand x (target_days/supply)^stock x (rival/P(t-1))^competitor, within "
      "[min_factor, max_factor] x list and max_step from P(t-1).",
      {
          {.name = "demand", .type = ParamType::kNumber, .default_value = 0.0, .min = -10.0, .max = 10.0,
           .description = "weight of yesterday's demand against the window's mean (momentum)"},
          {.name = "stock", .type = ParamType::kNumber, .default_value = 0.0, .min = -10.0, .max = 10.0,
           .description = "weight of target_days against days of supply"},
          {.name = "competitor", .type = ParamType::kNumber, .default_value = 0.0, .min = -10.0, .max = 10.0,
           .description = "weight of the lowest rival price yesterday against P(t-1)"},
          {.name = "target_days", .type = ParamType::kNumber, .default_value = 7.0, .min = 0.0, .max = 3650.0,
           .description = "days of supply at which the stock term is 0", .min_exclusive = true},
          {.name = "min_factor", .type = ParamType::kNumber, .default_value = 0.5, .min = 0.0, .max = 1.0,
           .description = "lowest price as a share of list", .min_exclusive = true},
          {.name = "max_factor", .type = ParamType::kNumber, .default_value = 2.0, .min = 1.0, .max = 100.0,
           .description = "highest price as a share of list"},
          {.name = "max_step", .type = ParamType::kNumber, .default_value = 0.1, .min = 0.0, .max = 10.0,
           .description = "most a price moves from one window to the next, as a share", .min_exclusive = true},
          {.name = "window_days", .type = ParamType::kInteger, .default_value = 7, .min = 1, .max = 365,
           .description = "days of demand history in the mean"},
          {.name = "floor_demand", .type = ParamType::kNumber, .default_value = 0.1, .min = 0.0, .max = 1e9,
           .description = "least daily demand assumed (units)", .min_exclusive = true},
      },
      [](const Json& p, const BuildContext& ctx) {
        const RuleWeights w{p["demand"].get<double>(),      p["stock"].get<double>(),
                            p["competitor"].get<double>(),  p["target_days"].get<double>(),
                            p["min_factor"].get<double>(),  p["max_factor"].get<double>(),
                            p["max_step"].get<double>(),    p["floor_demand"].get<double>(),
                            p["window_days"].get<Day>()};
        return std::make_unique<RulePricing>(ctx, w);
      },
      examples_from(R"([{"demand": 0.3, "stock": 0.2, "target_days": 7, "min_factor": 0.7, "max_factor": 1.5, "window_days": 5}])"),
  });
}

}  // namespace marketsim
