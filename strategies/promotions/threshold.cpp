// Promotion "threshold": "spend X, get Y off". Tiers {spend, off} (currency): an order whose spend
// on the covered products (after stock-outs and per-item promotions) reaches a tier's spend gets
// that tier's discount (the highest tier reached), once per order, shared over the covered lines
// in proportion to what they cost (engine/settlement.cpp; stacking rules: strategies/stacking.h).
// Shoppers anticipate it (MODEL.md "Choice"): while a basket is filled, an item whose price takes
// the covered spend across a tier gains utility beta * (the discount it unlocks)
// (OrderRule::spend_tiers; engine/visits.cpp), so orders bunch just above the thresholds.
// A monitoring rule's "scale_depth" multiplies every tier's discount.
#include <algorithm>
#include <cmath>

#include "market/product_selector.h"
#include "strategies/registry.h"
#include "strategies/shared.h"

namespace marketsim {
namespace {

class Threshold final : public WindowedPromotion, public OrderRule, public ScalableDepth {
 public:
  Threshold(SpendTiers tiers, std::vector<char> products, bool everything, PromotionWindow window)
      : WindowedPromotion(window), tiers_(std::move(tiers)), products_(std::move(products)), everything_(everything) {}

  bool offers(const MarketContext&, std::span<const Money>, std::span<Money>) override { return false; }
  void scale(double factor) override {
    for (Money& off : tiers_.off) off = std::max<Money>(0, std::llround(static_cast<double>(off) * factor));
  }

  bool scoped() const override { return !everything_; }
  bool rule_covers(ProductId product, std::uint32_t) const override { return products_[product] != 0; }
  const SpendTiers* spend_tiers() const override { return &tiers_; }

  Money order_discount(const OrderView& order) override {
    if (!window().contains(order.time)) return 0;
    Money spend = 0;
    for (const OrderLineView& l : order.lines) {
      if (everything_ || products_[l.product]) spend += l.paid();
    }
    return tiers_.discount(spend);
  }

 private:
  SpendTiers tiers_;
  std::vector<char> products_;
  bool everything_;
};

const ParamSchema& tier_params() {
  static const ParamSchema s = {
      {.name = "spend", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1e9,
       .description = "the order's covered spend that reaches the tier (currency units)", .min_exclusive = true},
      {.name = "off", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1e9,
       .description = "the discount from this tier on (currency units, at most spend)", .min_exclusive = true},
  };
  return s;
}

}  // namespace

void register_threshold() {
  promotion_registry().add({
      "threshold",
      "Spend X, get Y off: the highest tier an order's spend on the covered products reaches gives "
      "its discount, once per order; shoppers add items to reach a tier.",
      with_window({
          {.name = "tiers", .type = ParamType::kObjectList, .default_value = nullptr,
           .description = "[{\"spend\": X, \"off\": Y}, ...], spend ascending (currency units)"},
          {.name = "products", .type = ParamType::kProductSelector, .default_value = "all",
           .description = "which products count toward the spend and share the discount"},
      }),
      [](const Json& p, const BuildContext& ctx) {
        const PromotionWindow window = parse_window(p);
        const Json& list = p["tiers"];
        if (!list.is_array() || list.empty()) throw ParamError("tiers", "must be a non-empty array of {spend, off}");
        if (list.size() > 32) throw ParamError("tiers", "must have at most 32 tiers");
        SpendTiers tiers;
        for (std::size_t k = 0; k < list.size(); ++k) {
          const std::string at = "/tiers/" + std::to_string(k);
          Json t;
          try {
            t = validate_object(tier_params(), list[k], "", at);
          } catch (const ScenarioError& e) {
            throw ParamError(e.pointer(), e.detail());
          }
          const Money spend = to_cents(t["spend"].get<double>());
          const Money off = to_cents(t["off"].get<double>());
          if (off > spend) throw ParamError(at + "/off", "must be at most the tier's spend");
          if (k > 0 && spend <= tiers.spend.back()) throw ParamError(at + "/spend", "must be above the previous tier's spend");
          if (k > 0 && off < tiers.off.back()) throw ParamError(at + "/off", "must be at least the previous tier's off");
          tiers.spend.push_back(spend);
          tiers.off.push_back(off);
        }
        const Json& selector = p["products"];
        const bool everything = selector.is_string() && selector.get<std::string>() == "all";
        return std::make_unique<Threshold>(std::move(tiers), select_products(selector, ctx.catalog), everything,
                                           window);
      },
      examples_from(R"([{"tiers": [{"spend": 30, "off": 3}, {"spend": 60, "off": 8}], "start": 2, "end": 12, "requires": {"behaviours": [{"name": "basket", "max_items": 4}]}}])"),
  });
}

}  // namespace marketsim
