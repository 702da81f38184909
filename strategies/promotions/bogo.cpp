// Promotion "bogo": buy `buy`, get `get` free, mix and match over the selected products: of an
// order's units of them (after stock-outs), every group of buy + get gives `get` units free, the
// cheapest first (at their price after per-item discounts). An order rule, scoped to the selected
// products (engine/settlement.cpp shares the discount over them; stacking rules apply). Shoppers
// do not anticipate it (it changes no utility): it rewards the baskets that qualify. A monitoring
// rule's "scale_depth" is not available (its depth is whole units).
#include <algorithm>

#include "market/product_selector.h"
#include "strategies/registry.h"
#include "strategies/shared.h"

namespace marketsim {
namespace {

class Bogo final : public WindowedPromotion, public OrderRule {
 public:
  Bogo(std::vector<char> products, std::uint32_t buy, std::uint32_t get, PromotionWindow window)
      : WindowedPromotion(window), products_(std::move(products)), buy_(buy), get_(get) {}

  bool offers(const MarketContext&, std::span<const Money>, std::span<Money>) override { return false; }
  bool scoped() const override { return true; }
  bool rule_covers(ProductId product, std::uint32_t) const override { return products_[product] != 0; }

  Money order_discount(const OrderView& order) override {
    if (!window().contains(order.time)) return 0;
    units_.clear();
    std::uint64_t count = 0;
    for (const OrderLineView& l : order.lines) {
      if (!products_[l.product]) continue;
      units_.emplace_back(l.unit_price - l.unit_discount, l.quantity);
      count += l.quantity;
    }
    std::uint64_t free = count / (buy_ + get_) * get_;
    if (free == 0) return 0;
    std::sort(units_.begin(), units_.end());  // cheapest first
    Money discount = 0;
    for (const auto& [price, quantity] : units_) {
      const std::uint64_t n = std::min<std::uint64_t>(free, quantity);
      discount += static_cast<Money>(n) * price;
      free -= n;
      if (free == 0) break;
    }
    return discount;
  }

 private:
  std::vector<char> products_;
  std::uint32_t buy_;
  std::uint32_t get_;
  std::vector<std::pair<Money, std::uint32_t>> units_;  // scratch: (price, units) of covered lines
};

}  // namespace

void register_bogo() {
  promotion_registry().add({
      "bogo",
      "Buy `buy`, get `get` free, mix and match over the selected products: each group of buy + get "
      "units in an order gives `get` of them free, the cheapest first.",
      with_window({
          {.name = "products", .type = ParamType::kProductSelector, .default_value = "all",
           .description = "which products take part"},
          {.name = "buy", .type = ParamType::kInteger, .default_value = 1, .min = 1, .max = 100,
           .description = "units paid in each group"},
          {.name = "get", .type = ParamType::kInteger, .default_value = 1, .min = 1, .max = 100,
           .description = "units free in each group"},
      }),
      [](const Json& p, const BuildContext& ctx) {
        const PromotionWindow window = parse_window(p);
        return std::make_unique<Bogo>(select_products(p["products"], ctx.catalog), p["buy"].get<std::uint32_t>(),
                                      p["get"].get<std::uint32_t>(), window);
      },
      examples_from(R"([{"products": {"categories": ["b"]}, "buy": 2, "get": 1, "start": 2, "end": 12, "requires": {"behaviours": [{"name": "basket", "max_items": 4}]}}])"),
  });
}

}  // namespace marketsim
