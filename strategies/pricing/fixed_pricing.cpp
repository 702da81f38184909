// Pricing "fixed": every product at its list price, optionally scaled by one factor.
#include "strategies/registry.h"

namespace marketsim {
namespace {

class FixedPricing final : public PricingStrategy {
 public:
  explicit FixedPricing(double factor) : factor_(factor) {}
  void set_prices(const MarketContext& ctx, std::span<Money> prices) override {
    for (std::size_t k = 0; k < prices.size(); ++k) {
      const Money list = ctx.catalog.list_price[ctx.product(k)];
      prices[k] = factor_ == 1.0 ? list : discount_of(list, factor_);
    }
  }
  std::optional<double> fixed_price_factor() const override { return factor_; }

 private:
  double factor_;
};

}  // namespace

void register_fixed_pricing() {
  pricing_registry().add({
      "fixed",
      "Every product at its list price (times price_factor) for the whole run.",
      {{.name = "price_factor", .type = ParamType::kNumber, .default_value = 1.0, .min = 0.0,
        .max = 100.0, .description = "multiplier applied to every list price",
        .min_exclusive = true}},
      [](const Json& p, const BuildContext&) {
        return std::make_unique<FixedPricing>(p["price_factor"].get<double>());
      },
      examples_from(R"([{}, {"price_factor": 1.1}])"),
  });
}

}  // namespace marketsim
