// Promotion "bundle": one unit from each of the `items` groups (product selectors: a product id,
// a category, ...) bought in one order makes a set, worth `off` (currency) off; an order gets
// `off` once per complete set (the number of sets is the fewest units any group has in the order,
// a unit counting for the first group that selects it). An order rule, scoped to the groups'
// products (engine/settlement.cpp shares the discount over them, at most their value; stacking
// rules apply). Shoppers do not anticipate it. "scale_depth" scales `off`.
#include <algorithm>
#include <cmath>

#include "market/product_selector.h"
#include "strategies/registry.h"
#include "strategies/shared.h"

namespace marketsim {
namespace {

class Bundle final : public WindowedPromotion, public OrderRule, public ScalableDepth {
 public:
  Bundle(std::vector<std::int8_t> group, std::size_t groups, Money off, PromotionWindow window)
      : WindowedPromotion(window), group_(std::move(group)), counts_(groups, 0), off_(off) {}

  bool offers(const MarketContext&, std::span<const Money>, std::span<Money>) override { return false; }
  void scale(double factor) override { off_ = std::max<Money>(0, std::llround(static_cast<double>(off_) * factor)); }
  bool scoped() const override { return true; }
  bool rule_covers(ProductId product, std::uint32_t) const override { return group_[product] >= 0; }

  Money order_discount(const OrderView& order) override {
    if (!window().contains(order.time)) return 0;
    std::fill(counts_.begin(), counts_.end(), 0);
    for (const OrderLineView& l : order.lines) {
      if (group_[l.product] >= 0) counts_[static_cast<std::size_t>(group_[l.product])] += l.quantity;
    }
    const std::uint64_t sets = *std::min_element(counts_.begin(), counts_.end());
    return static_cast<Money>(sets) * off_;
  }

 private:
  std::vector<std::int8_t> group_;     // per product: its group, or -1
  std::vector<std::uint64_t> counts_;  // scratch: units per group in an order
  Money off_;
};

}  // namespace

void register_bundle() {
  promotion_registry().add({
      "bundle",
      "A unit from each of the `items` groups bought together makes a set: `off` off per complete set "
      "in an order.",
      with_window({
          {.name = "items", .type = ParamType::kObjectList, .default_value = nullptr,
           .description = "2 to 16 product selectors ({\"ids\": [...]}, {\"categories\": [...]}, ...), one unit of each per set"},
          {.name = "off", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1e9,
           .description = "discount per complete set (currency units)", .min_exclusive = true},
      }),
      [](const Json& p, const BuildContext& ctx) {
        const PromotionWindow window = parse_window(p);
        const Json& items = p["items"];
        if (!items.is_array() || items.size() < 2 || items.size() > 16) {
          throw ParamError("items", "must list 2 to 16 product selectors");
        }
        std::vector<std::int8_t> group(ctx.catalog.size(), -1);
        for (std::size_t g = 0; g < items.size(); ++g) {
          // Validated as a product selector named by its index, so that errors point at /items/g.
          const ParamSchema schema = {{.name = std::to_string(g), .type = ParamType::kProductSelector,
                                       .default_value = nullptr, .description = "group"}};
          const SelectorContext selectors{ctx.catalog.size(), ctx.catalog.category_names};
          try {
            (void)validate_object(schema, Json{{std::to_string(g), items[g]}}, "", "/items", &selectors);
          } catch (const ScenarioError& e) {
            throw ParamError(e.pointer(), e.detail());
          }
          const std::vector<char> chosen = select_products(items[g], ctx.catalog);
          bool any = false;
          for (ProductId j = 0; j < group.size(); ++j) {
            if (!chosen[j]) continue;
            any = true;
            if (group[j] < 0) group[j] = static_cast<std::int8_t>(g);
          }
          if (!any) throw ParamError("/items/" + std::to_string(g), "selects no product");
        }
        return std::make_unique<Bundle>(std::move(group), items.size(), to_cents(p["off"].get<double>()), window);
      },
      examples_from(R"([{"items": [{"categories": ["a"]}, {"categories": ["b"]}], "off": 4, "start": 0, "end": 14, "requires": {"behaviours": [{"name": "basket", "max_items": 4}]}}])"),
  });
}

}  // namespace marketsim
