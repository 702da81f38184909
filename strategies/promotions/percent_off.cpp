// Promotion "percent_off": a fixed share off the selected products during [start, end), funded by
// its campaign's budget (the shared parameters: strategies/campaign.h); [start, end) is its
// campaign's default span, and a monitoring rule may scale its depth.
#include <algorithm>

#include "market/product_selector.h"
#include "strategies/registry.h"
#include "strategies/shared.h"

namespace marketsim {
namespace {

class PercentOff final : public WindowedPromotion, public ScalableDepth {
 public:
  PercentOff(std::vector<char> products, double depth, PromotionWindow window)
      : WindowedPromotion(window), products_(std::move(products)), depth_(depth) {}

  bool offers(const MarketContext& ctx, std::span<const Money> prices,
              std::span<Money> discounts) override {
    // Active for windows that start inside [start, end).
    if (!window().contains(ctx.window_start)) return false;
    for (std::size_t k = 0; k < prices.size(); ++k) {
      discounts[k] = products_[ctx.product(k)] ? discount_of(prices[k], depth_) : 0;
    }
    return true;
  }
  void scale(double factor) override { depth_ = std::min(1.0, depth_ * factor); }
  double planned_depth(ProductId product) const override { return products_[product] ? depth_ : 0.0; }

 private:
  std::vector<char> products_;
  double depth_;
};

}  // namespace

void register_percent_off() {
  promotion_registry().add({
      "percent_off",
      "A share off the list of selected products (ids, categories or every k-th id) during "
      "[start, end), stopping when its budget is spent.",
      with_window({
          {.name = "products", .type = ParamType::kProductSelector, .default_value = "all",
           .description = "which products are discounted"},
          {.name = "depth", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0,
           .max = 1.0, .description = "discount as a fraction of the price (0.2 = 20% off)",
           .min_exclusive = true},
      }),
      [](const Json& p, const BuildContext& ctx) {
        const PromotionWindow window = parse_window(p);
        return std::make_unique<PercentOff>(select_products(p["products"], ctx.catalog),
                                            p["depth"].get<double>(), window);
      },
      examples_from(R"([{"products": {"categories": ["a"]}, "depth": 0.2, "start": 4, "end": 10, "budget": 400, "pacing": "even"}])"),
  });
}

}  // namespace marketsim
