// Promotion "gift": gift with purchase. An order whose subtotal of the seller's lines (after
// stock-outs and per-item discounts, before order-level discounts) reaches `min_spend` gets one
// `gift` product free: the consumer pays the same, the seller bears the gift's unit cost, charged
// to the promotion's budget as a gift cost (cost kind "gift": promotion_costs, contribution). The
// gift is not taken from stock (a promotional item held apart). Shoppers value it at `value`
// (currency; default the gift's list price times `value_share`): an item that takes the basket
// across `min_spend` gains utility beta x value (the basket unlock of spend tiers, as for
// "threshold").
#include <algorithm>

#include "strategies/registry.h"
#include "strategies/shared.h"

namespace marketsim {
namespace {

class Gift final : public WindowedPromotion, public OrderRule {
 public:
  Gift(Money min_spend, Money cost, Money value, PromotionWindow window)
      : WindowedPromotion(window), min_spend_(min_spend), cost_(cost) {
    tiers_.spend = {min_spend};
    tiers_.off = {value};
  }

  bool offers(const MarketContext&, std::span<const Money>, std::span<Money>) override { return false; }
  const SpendTiers* spend_tiers() const override { return tiers_.off[0] > 0 ? &tiers_ : nullptr; }
  Money order_discount(const OrderView&) override { return 0; }  // the consumer pays the same
  Money order_cost(const OrderView& order) override {
    if (!window().contains(order.time)) return 0;
    return order.subtotal() >= min_spend_ ? cost_ : 0;
  }
  CostKind order_cost_kind() const override {
    static const CostKind gift = cost_kind("gift");
    return gift;
  }

 private:
  Money min_spend_;
  Money cost_;
  SpendTiers tiers_;  // what the shopper sees: the gift's value from min_spend on
};

}  // namespace

void register_gift() {
  promotion_registry().add({
      "gift",
      "Gift with purchase: an order of at least `min_spend` gets the `gift` product free; the seller "
      "bears its unit cost; shoppers value it and fill baskets to reach min_spend.",
      with_window({
          {.name = "gift", .type = ParamType::kInteger, .default_value = nullptr, .min = 0, .max = 1e9,
           .description = "the product id given"},
          {.name = "min_spend", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1e9,
           .description = "the order subtotal that earns the gift (currency units)"},
          {.name = "value", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1e9,
           .description = "what shoppers think the gift is worth (currency units; default: value_share x its list price)",
           .optional = true},
          {.name = "value_share", .type = ParamType::kNumber, .default_value = 0.5, .min = 0.0, .max = 1.0,
           .description = "without value: the share of the gift's list price shoppers value it at"},
      }),
      [](const Json& p, const BuildContext& ctx) {
        const PromotionWindow window = parse_window(p);
        const auto gift = p["gift"].get<std::uint64_t>();
        if (gift >= ctx.catalog.size()) {
          throw ParamError("gift", "must be a product id below " + std::to_string(ctx.catalog.size()));
        }
        const auto j = static_cast<ProductId>(gift);
        const Money value = p.contains("value") ? to_cents(p["value"].get<double>())
                                                : std::llround(static_cast<double>(ctx.catalog.list_price[j]) *
                                                               p["value_share"].get<double>());
        return std::make_unique<Gift>(to_cents(p["min_spend"].get<double>()), ctx.catalog.unit_cost[j], value, window);
      },
      examples_from(R"([{"gift": 3, "min_spend": 25, "start": 2, "end": 12, "requires": {"behaviours": [{"name": "basket", "max_items": 4}]}}])"),
  });
}

}  // namespace marketsim
