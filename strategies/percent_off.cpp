// Promotion "percent_off": a fixed share off the selected products during [start, end), funded by
// an optional budget.
#include "market/product_selector.h"
#include "strategies/registry.h"

namespace marketsim {
namespace {

class PercentOff final : public PromotionStrategy {
 public:
  PercentOff(std::vector<char> products, double depth, Time start, Time end,
             std::optional<Money> budget)
      : products_(std::move(products)), depth_(depth), start_(start), end_(end), budget_(budget) {}

  bool offers(const MarketContext& ctx, std::span<const Money> prices,
              std::span<Money> discounts) override {
    // Active for windows that start inside [start, end).
    if (ctx.window_start < start_ || ctx.window_start >= end_) return false;
    for (std::size_t k = 0; k < prices.size(); ++k) {
      discounts[k] = products_[ctx.product(k)] ? discount_of(prices[k], depth_) : 0;
    }
    return true;
  }
  std::optional<Money> budget() const override { return budget_; }

 private:
  std::vector<char> products_;
  double depth_;
  Time start_;
  Time end_;
  std::optional<Money> budget_;
};

}  // namespace

void register_percent_off() {
  promotion_registry().add({
      "percent_off",
      "A share off the list of selected products (ids, categories or every k-th id) during "
      "[start, end), stopping when its budget is spent.",
      {
          {.name = "products", .type = ParamType::kProductSelector, .default_value = "all",
           .description = "which products are discounted"},
          {.name = "depth", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0,
           .max = 1.0, .description = "discount as a fraction of the price (0.2 = 20% off)",
           .min_exclusive = true},
          {.name = "start", .type = ParamType::kNumber, .default_value = 0.0, .min = 0.0,
           .description = "first day of the promotion (days from the start, inclusive)"},
          {.name = "end", .type = ParamType::kNumber, .default_value = 1.0e9, .min = 0.0,
           .description = "end of the promotion (days from the start, exclusive)"},
          {.name = "budget", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0,
           .max = 1e13,
           .description = "total discount it may give, in currency units (absent: unlimited)",
           .optional = true},
      },
      [](const Json& p, const BuildContext& ctx) {
        const double start = p["start"].get<double>();
        const double end = p["end"].get<double>();
        if (!(end > start)) throw ParamError("end", "must be greater than start");
        std::optional<Money> budget;
        if (p.contains("budget")) budget = to_cents(p["budget"].get<double>());
        return std::make_unique<PercentOff>(select_products(p["products"], ctx.catalog),
                                            p["depth"].get<double>(), start, end, budget);
      },
  });
}

}  // namespace marketsim
