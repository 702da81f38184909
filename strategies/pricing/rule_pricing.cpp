// Pricing "rule": P(t) = f(P(t-1), X, M(t)) (MODEL.md "Strategies": pricing), a log-linear rule on
// yesterday's price with bounds and a step limit:
//   ln P(t) = ln P(t-1) + demand x ln(D_1 / D_w) + stock x ln(target_days / s) + competitor x ln(C / P(t-1))
// where D_1 is yesterday's demand (sold + lost) of the offer and D_w its mean over the last
// `window_days` days (each at least `floor_demand`: the product's own momentum), s its days of
// supply (stock on hand / D_w), and C the lowest price other sellers' offers of the product had
// yesterday (a market signal; the term is left out without a rival). The result is clamped to
// [min_factor, max_factor] x list and to at most `max_step` (a share) from P(t-1). A weight of 0
// turns its signal off. P(0) is the list price. The price is set once a day, in the day's first
// window, and held for its other windows, so the path does not depend on the window length.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "strategies/registry.h"
#include "strategies/shared.h"

namespace marketsim {
namespace {

struct RuleWeights {
  double demand, stock, competitor;
  double target_days;
  PriceBounds bounds;
};

class RulePricing final : public PricingStrategy {
 public:
  RulePricing(const BuildContext& ctx, RuleWeights w) : w_(w), rivals_(rival_offers(ctx)) {}

  LogNeeds needs() const override { return w_.bounds.needs(); }

  void set_prices(const MarketContext& ctx, std::span<Money> prices) override {
    if (last_.size() != prices.size()) last_.assign(prices.size(), 0);
    if (ctx.day == day_) {  // today's price is set: hold it
      std::copy(last_.begin(), last_.end(), prices.begin());
      return;
    }
    day_ = ctx.day;
    const PriceBounds& b = w_.bounds;
    const Day from = b.history_from(ctx);
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
      const double mean = b.mean_demand(ctx, o, from);
      if (w_.demand != 0.0) {
        const double yesterday = std::max(b.floor_demand, static_cast<double>(ctx.log.demand(ctx.day - 1, o)));
        log_change += w_.demand * std::log(yesterday / mean);
      }
      if (w_.stock != 0.0 && !ctx.on_hand.empty()) {
        const double supply = std::max(1e-9, static_cast<double>(std::max<Units>(0, ctx.on_hand[o])) / mean);
        log_change += w_.stock * std::log(w_.target_days / supply);
      }
      if (w_.competitor != 0.0) {
        const Money rival = lowest_rival_price(ctx, rivals_[k]);
        if (rival != std::numeric_limits<Money>::max()) {
          log_change += w_.competitor * std::log(static_cast<double>(rival) / prev);
        }
      }
      double p = prev * std::exp(log_change);
      p = std::clamp(p, prev * (1.0 - b.max_step), prev * (1.0 + b.max_step));
      p = std::clamp(p, list * b.min_factor, list * b.max_factor);
      prices[k] = last_[k] = std::max<Money>(1, std::llround(p));
    }
  }

 private:
  RuleWeights w_;
  std::vector<std::vector<OfferId>> rivals_;
  std::vector<Money> last_;  // P(t-1) per local offer (0: none yet); today's once set
  Day day_ = -1;             // the day last_ was set for
};

}  // namespace

void register_rule_pricing() {
  pricing_registry().add({
      "rule",
      "P(t) = P(t-1) x (D_1/D_w)^demand x (target_days/supply)^stock x (rival/P(t-1))^competitor, within "
      "[min_factor, max_factor] x list and max_step from P(t-1).",
      with_price_bounds(
          {
              {.name = "demand", .type = ParamType::kNumber, .default_value = 0.0, .min = -10.0, .max = 10.0,
               .description = "weight of yesterday's demand against the window's mean (momentum)"},
              {.name = "stock", .type = ParamType::kNumber, .default_value = 0.0, .min = -10.0, .max = 10.0,
               .description = "weight of target_days against days of supply"},
              {.name = "competitor", .type = ParamType::kNumber, .default_value = 0.0, .min = -10.0, .max = 10.0,
               .description = "weight of the lowest rival price yesterday against P(t-1)"},
              {.name = "target_days", .type = ParamType::kNumber, .default_value = 7.0, .min = 0.0, .max = 3650.0,
               .description = "days of supply at which the stock term is 0", .min_exclusive = true},
          },
          0.5, 2.0, "least daily demand assumed (units)"),
      [](const Json& p, const BuildContext& ctx) {
        const RuleWeights w{p["demand"].get<double>(), p["stock"].get<double>(), p["competitor"].get<double>(),
                            p["target_days"].get<double>(), PriceBounds::parse(p)};
        return std::make_unique<RulePricing>(ctx, w);
      },
      examples_from(R"([{"demand": 0.3, "stock": 0.2, "target_days": 7, "min_factor": 0.7, "max_factor": 1.5, "window_days": 5}])"),
  });
}

}  // namespace marketsim
