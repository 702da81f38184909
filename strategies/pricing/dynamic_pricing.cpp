// Pricing "cost_plus" and "inventory_driven" (MODEL.md "Strategies": pricing).
//   cost_plus         every offer at its unit cost x (1 + markup).
//   inventory_driven  each offer's price follows its days of supply, d = units on hand / the mean
//                     daily demand (sold + lost) over the last `window_days` complete days (at
//                     least `floor_demand` units a day): factor = 1 + sensitivity x (target_days -
//                     d) / target_days, clamped to [min_factor, max_factor], times the list price;
//                     at most `max_step` (a share) above or below yesterday's price. Short supply
//                     raises the price, long supply lowers it. Set once a day, in the day's first
//                     window (from the stock at the day's start), and held for its other windows.
//   markdown          clearance by a date: the selected products at list price until `start`,
//                     then `steps` equal markdowns down to `floor` x list on day `end` and after
//                     (the other products at list price).
#include <algorithm>
#include <cmath>
#include <vector>

#include "market/product_selector.h"
#include "strategies/registry.h"
#include "strategies/shared.h"

namespace marketsim {
namespace {

class CostPlus final : public PricingStrategy {
 public:
  explicit CostPlus(double markup) : markup_(markup) {}
  void set_prices(const MarketContext& ctx, std::span<Money> prices) override {
    for (std::size_t k = 0; k < prices.size(); ++k) {
      const Money cost = ctx.catalog.unit_cost[ctx.product(k)];
      prices[k] = std::max<Money>(1, std::llround(static_cast<double>(cost) * (1.0 + markup_)));
    }
  }

 private:
  double markup_;
};

class InventoryDriven final : public PricingStrategy {
 public:
  InventoryDriven(double target_days, double sensitivity, PriceBounds bounds)
      : target_(target_days), sensitivity_(sensitivity), bounds_(bounds) {}

  LogNeeds needs() const override { return bounds_.needs(); }

  void set_prices(const MarketContext& ctx, std::span<Money> prices) override {
    if (last_.size() != prices.size()) last_.assign(prices.size(), 0);
    if (ctx.day == day_) {  // today's price is set: hold it
      std::copy(last_.begin(), last_.end(), prices.begin());
      return;
    }
    day_ = ctx.day;
    const Day from = bounds_.history_from(ctx);
    for (std::size_t k = 0; k < prices.size(); ++k) {
      const OfferId o = ctx.first_offer() + static_cast<OfferId>(k);
      const Money list = ctx.catalog.list_price[ctx.product(k)];
      double factor = 1.0;
      if (ctx.day > from && !ctx.on_hand.empty()) {
        const double per_day = bounds_.mean_demand(ctx, o, from);
        const double supply = static_cast<double>(std::max<Units>(0, ctx.on_hand[o])) / per_day;
        factor = std::clamp(1.0 + sensitivity_ * (target_ - supply) / target_, bounds_.min_factor,
                            bounds_.max_factor);
      }
      Money price = std::max<Money>(1, std::llround(static_cast<double>(list) * factor));
      if (last_[k] > 0) {  // at most max_step from yesterday's price
        const auto lo = static_cast<Money>(std::ceil(static_cast<double>(last_[k]) * (1.0 - bounds_.max_step)));
        const auto hi = static_cast<Money>(std::floor(static_cast<double>(last_[k]) * (1.0 + bounds_.max_step)));
        price = std::clamp(price, std::max<Money>(1, lo), std::max<Money>(1, hi));
      }
      prices[k] = last_[k] = price;
    }
  }

 private:
  double target_;
  double sensitivity_;
  PriceBounds bounds_;
  std::vector<Money> last_;  // yesterday's price per local offer (0: none yet); today's once set
  Day day_ = -1;             // the day last_ was set for
};

class Markdown final : public PricingStrategy {
 public:
  Markdown(std::vector<char> products, Day start, Day end, double floor, int steps)
      : products_(std::move(products)), start_(start), end_(end), floor_(floor), steps_(steps) {}
  /// The share of list price on day d.
  double factor(Day d) const {
    if (d < start_) return 1.0;
    if (d >= end_) return floor_;
    const double span = static_cast<double>(end_ - start_) / steps_;
    const int k = std::min(steps_, static_cast<int>(std::floor(static_cast<double>(d - start_) / span)) + 1);
    return 1.0 - (1.0 - floor_) * k / steps_;
  }
  void set_prices(const MarketContext& ctx, std::span<Money> prices) override {
    const double f = factor(ctx.day);
    for (std::size_t k = 0; k < prices.size(); ++k) {
      const ProductId j = ctx.product(k);
      const Money list = ctx.catalog.list_price[j];
      prices[k] = products_[j] && f != 1.0 ? std::max<Money>(1, std::llround(static_cast<double>(list) * f)) : list;
    }
  }

 private:
  std::vector<char> products_;
  Day start_;
  Day end_;
  double floor_;
  int steps_;
};

}  // namespace

void register_dynamic_pricing() {
  pricing_registry().add({
      "markdown",
      "Clearance by a date: the selected products marked down in equal steps from list price at `start` "
      "to floor x list at `end`.",
      {
          {.name = "products", .type = ParamType::kProductSelector, .default_value = "all",
           .description = "which products are marked down"},
          {.name = "start", .type = ParamType::kInteger, .default_value = nullptr, .min = 0, .max = 1000000,
           .description = "the day of the first markdown"},
          {.name = "end", .type = ParamType::kInteger, .default_value = nullptr, .min = 1, .max = 1000000,
           .description = "the clearance date: from this day on, the floor price"},
          {.name = "floor", .type = ParamType::kNumber, .default_value = 0.5, .min = 0.0, .max = 1.0,
           .description = "the last price as a share of list", .min_exclusive = true},
          {.name = "steps", .type = ParamType::kInteger, .default_value = 3, .min = 1, .max = 365,
           .description = "markdowns between start and end"},
      },
      [](const Json& p, const BuildContext& ctx) {
        const Day start = p["start"].get<Day>(), end = p["end"].get<Day>();
        if (end <= start) throw ParamError("end", "must be after start");
        return std::make_unique<Markdown>(select_products(p["products"], ctx.catalog), start, end,
                                          p["floor"].get<double>(), p["steps"].get<int>());
      },
      examples_from(R"([{"products": {"categories": ["a"]}, "start": 4, "end": 12, "floor": 0.6, "steps": 3}])"),
  });
  pricing_registry().add({
      "cost_plus",
      "Every product at its unit cost times (1 + markup).",
      {{.name = "markup", .type = ParamType::kNumber, .default_value = 0.5, .min = 0.0, .max = 100.0,
        .description = "margin over unit cost (0.5: price = 1.5 x cost)"}},
      [](const Json& p, const BuildContext&) { return std::make_unique<CostPlus>(p["markup"].get<double>()); },
      examples_from(R"([{"markup": 0.6}])"),
  });
  pricing_registry().add({
      "inventory_driven",
      "Prices follow days of supply (stock on hand / recent daily demand): up when short, down when long, "
      "within bounds and a daily step limit.",
      with_price_bounds(
          {
              {.name = "target_days", .type = ParamType::kNumber, .default_value = 7.0, .min = 0.0, .max = 3650.0,
               .description = "days of supply at which the price is the list price", .min_exclusive = true},
              {.name = "sensitivity", .type = ParamType::kNumber, .default_value = 0.3, .min = 0.0, .max = 10.0,
               .description = "price change per unit of relative shortfall of supply"},
          },
          0.7, 1.5, "least daily demand assumed (units), so no sales means a long, finite supply"),
      [](const Json& p, const BuildContext&) {
        return std::make_unique<InventoryDriven>(p["target_days"].get<double>(), p["sensitivity"].get<double>(),
                                                 PriceBounds::parse(p));
      },
      examples_from(R"([{"target_days": 5, "sensitivity": 0.4, "min_factor": 0.8, "max_factor": 1.3, "window_days": 5}])"),
  });
}

}  // namespace marketsim
