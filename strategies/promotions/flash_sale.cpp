// Promotion "flash_sale": `depth` off the selected products during [start, start + duration),
// with an allocation of `cap` units per product at the sale price: settlement sells at most the
// allocation left (units of a line beyond it are lost, as in a stock-out: sold out), and a
// product whose allocation is gone leaves the sale from the next window on (a shopper who saw
// the sale price earlier in the window finds it sold out). `featured` slots of every visit show
// products of the sale still available (a flash-sale banner), drawn uniformly. A monitoring
// rule's "scale_depth" multiplies the depth.
#include <algorithm>
#include <cstdint>
#include <limits>

#include "market/product_selector.h"
#include "strategies/registry.h"
#include "strategies/shared.h"

namespace marketsim {
namespace {

class FlashSale final : public WindowedPromotion,
                        public QuantityLimit,
                        public FeaturedSlots,
                        public ScalableDepth {
 public:
  FlashSale(std::vector<char> products, double depth, PromotionWindow window, std::optional<std::uint64_t> cap,
            std::size_t featured)
      : WindowedPromotion(window), products_(std::move(products)), depth_(depth), cap_(cap), featured_(featured) {}

  bool offers(const MarketContext& ctx, std::span<const Money> prices, std::span<Money> discounts) override {
    if (!window().contains(ctx.window_start)) return false;
    if (sold_.size() != prices.size()) sold_.assign(prices.size(), 0);
    for (std::size_t k = 0; k < prices.size(); ++k) {
      discounts[k] = on_sale(ctx, k) ? discount_of(prices[k], depth_) : 0;
    }
    return true;
  }
  void scale(double factor) override { depth_ = std::min(1.0, depth_ * factor); }
  double planned_depth(ProductId product) const override { return products_[product] ? depth_ : 0.0; }

  bool uses(const std::type_info& t) const override { return t != typeid(QuantityLimit) || cap_.has_value(); }
  std::uint64_t cap_left(std::size_t k) const override {
    const std::uint64_t sold = k < sold_.size() ? sold_[k] : 0;
    return *cap_ > sold ? *cap_ - sold : 0;
  }
  void sold_at_discount(std::size_t k, std::uint64_t units) override {
    if (k < sold_.size()) sold_[k] += units;
  }

  std::size_t featured_slots() const override { return featured_; }
  void featured(const MarketContext& ctx, std::vector<OfferId>& out) override {
    if (!window().contains(ctx.window_start)) return;
    for (std::size_t k = 0; k < ctx.offer_count(); ++k) {
      if (on_sale(ctx, k)) out.push_back(static_cast<OfferId>(ctx.first_offer() + k));
    }
  }

 private:
  bool on_sale(const MarketContext& ctx, std::size_t k) const {
    return products_[ctx.product(k)] && (!cap_ || k >= sold_.size() || sold_[k] < *cap_);
  }

  std::vector<char> products_;
  double depth_;
  std::optional<std::uint64_t> cap_;
  std::size_t featured_;
  std::vector<std::uint64_t> sold_;  // per local offer: units sold at the sale price
};

}  // namespace

void register_flash_sale() {
  promotion_registry().add({
      "flash_sale",
      "A deep discount on the selected products for a short time, with a per-product allocation at the "
      "sale price (sold out ends it for that product) and featured slots showing the sale.",
      {
          {.name = "products", .type = ParamType::kProductSelector, .default_value = "all",
           .description = "which products are on sale"},
          {.name = "depth", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1.0,
           .description = "discount as a fraction of the price", .min_exclusive = true},
          {.name = "start", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1e9,
           .description = "when the sale starts (days from the start)"},
          {.name = "duration", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1e9,
           .description = "how long it lasts (days; windows starting inside it have the sale)", .min_exclusive = true},
          {.name = "cap", .type = ParamType::kInteger, .default_value = nullptr, .min = 1, .max = 1e12,
           .description = "units per product at the sale price (absent: no cap)", .optional = true},
          {.name = "featured", .type = ParamType::kInteger, .default_value = 0, .min = 0, .max = 16,
           .description = "featured slots per visit showing products of the sale"},
      },
      [](const Json& p, const BuildContext& ctx) {
        const double start = p["start"].get<double>();
        const PromotionWindow window{start, start + p["duration"].get<double>()};
        std::optional<std::uint64_t> cap;
        if (p.contains("cap")) cap = p["cap"].get<std::uint64_t>();
        return std::make_unique<FlashSale>(select_products(p["products"], ctx.catalog), p["depth"].get<double>(), window,
                                           cap, p["featured"].get<std::size_t>());
      },
      examples_from(R"([{"products": {"every": 4}, "depth": 0.4, "start": 5, "duration": 2, "cap": 5, "featured": 2}])"),
  });
}

}  // namespace marketsim
