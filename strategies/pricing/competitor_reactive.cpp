// Pricing "competitor_reactive": each offer follows the lowest price the other sellers' offers of
// the same product were sold at yesterday (the platform log's price after their per-item
// promotions: what a shopper saw), matching it ("match") or undercutting it by `undercut`
// ("undercut"), never below unit cost x (1 + min_margin) nor above list x max_factor. An offer
// without a competitor, and every offer on day 0, is at list price (times max_factor when that is
// below 1).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "strategies/registry.h"
#include "strategies/shared.h"

namespace marketsim {
namespace {

class CompetitorReactive final : public PricingStrategy {
 public:
  CompetitorReactive(const BuildContext& ctx, bool undercut, double depth, double min_margin, double max_factor)
      : undercut_(undercut),
        depth_(depth),
        min_margin_(min_margin),
        max_factor_(max_factor),
        rivals_(rival_offers(ctx)) {}

  LogNeeds needs() const override { return {.lookback_days = 1}; }

  void set_prices(const MarketContext& ctx, std::span<Money> prices) override {
    for (std::size_t k = 0; k < prices.size(); ++k) {
      const ProductId j = ctx.product(k);
      const Money list = ctx.catalog.list_price[j];
      const auto ceiling = std::max<Money>(1, std::llround(static_cast<double>(list) * max_factor_));
      const auto floor = std::max<Money>(1, std::llround(static_cast<double>(ctx.catalog.unit_cost[j]) * (1.0 + min_margin_)));
      const Money rival = ctx.day >= 1 ? lowest_rival_price(ctx, rivals_[k]) : std::numeric_limits<Money>::max();
      if (rival == std::numeric_limits<Money>::max()) {
        prices[k] = std::min(list, ceiling);
        continue;
      }
      const Money target = undercut_ ? std::llround(static_cast<double>(rival) * (1.0 - depth_)) : rival;
      prices[k] = std::max(floor, std::min(target, ceiling));
    }
  }

 private:
  bool undercut_;
  double depth_;
  double min_margin_;
  double max_factor_;
  std::vector<std::vector<OfferId>> rivals_;  // per local offer: the other sellers' offers of its product
};

}  // namespace

void register_competitor_reactive() {
  pricing_registry().add({
      "competitor_reactive",
      "Match or undercut the lowest price other sellers' offers of the same product had yesterday, within "
      "a floor (cost x (1 + min_margin)) and a ceiling (list x max_factor).",
      {
          {.name = "mode", .type = ParamType::kString, .default_value = "undercut",
           .description = "\"match\" the lowest rival price, or \"undercut\" it", .choices = {"match", "undercut"}},
          {.name = "undercut", .type = ParamType::kNumber, .default_value = 0.05, .min = 0.0, .max = 1.0,
           .description = "with undercut: the share below the lowest rival price", .min_exclusive = true},
          {.name = "min_margin", .type = ParamType::kNumber, .default_value = 0.05, .min = -1.0, .max = 100.0,
           .description = "the floor: unit cost x (1 + min_margin)"},
          {.name = "max_factor", .type = ParamType::kNumber, .default_value = 1.0, .min = 0.0, .max = 100.0,
           .description = "the ceiling: list price x max_factor", .min_exclusive = true},
      },
      [](const Json& p, const BuildContext& ctx) {
        return std::make_unique<CompetitorReactive>(ctx, p["mode"].get<std::string>() == "undercut",
                                                    p["undercut"].get<double>(), p["min_margin"].get<double>(),
                                                    p["max_factor"].get<double>());
      },
      examples_from(R"([{"mode": "match", "min_margin": 0.1, "max_factor": 1.2}])"),
  });
}

}  // namespace marketsim
