// Promotion "points": loyalty points redeemed as payment (MODEL.md "Membership"). The run's
// `membership` module earns points (its rates per tier) and keeps each consumer's balance and the
// points liability; this promotion lets a consumer pay with them: at settlement, after order rules
// and coupons, whole `step`s of its balance (at least `min_points`) pay up to `max_share` of what is
// left of its order, each point worth the module's `point_value`
// (RedeemsPoints: the mechanic "points", mechanics/points_at_checkout.cpp). The discount is charged to this
// promotion's budget (an order discount, `points_discounts`), the points leave the balance and so
// the liability. Without the membership module nothing is redeemed.
#include "strategies/promotions/points_redemption.h"
#include "strategies/registry.h"
#include "strategies/shared.h"

namespace marketsim {
namespace {

class Points final : public WindowedPromotion, public RedeemsPoints {
 public:
  Points(PointsRedemption rule, PromotionWindow window) : WindowedPromotion(window), rule_(rule) {}

  bool offers(const MarketContext&, std::span<const Money>, std::span<Money>) override { return false; }
  PointsRedemption points_redemption() const override { return rule_; }
  std::vector<std::string> mechanics() const override { return {kPointsMechanic}; }

 private:
  PointsRedemption rule_;
};

}  // namespace

void register_points() {
  promotion_registry().add({
      "points",
      "Loyalty points as payment: whole steps of a consumer's points balance (the membership module's) "
      "pay up to max_share of an order, each point at the module's point_value.",
      with_window({
          {.name = "min_points", .type = ParamType::kInteger, .default_value = 100, .min = 1, .max = 1e9,
           .description = "the fewest points redeemed on an order"},
          {.name = "step", .type = ParamType::kInteger, .default_value = 100, .min = 1, .max = 1e9,
           .description = "points are redeemed in multiples of this"},
          {.name = "max_share", .type = ParamType::kNumber, .default_value = 0.5, .min = 0.0, .max = 1.0,
           .description = "the most of an order (what is left after other discounts) points may pay",
           .min_exclusive = true},
      }, "first day redemption is open (inclusive)", "end of redemption (exclusive)"),
      [](const Json& p, const BuildContext&) {
        const PromotionWindow window = parse_window(p);
        PointsRedemption rule{p["min_points"].get<std::int64_t>(), p["step"].get<std::int64_t>(),
                                                 p["max_share"].get<double>()};
        if (rule.min_points % rule.step != 0) throw ParamError("min_points", "must be a multiple of step");
        return std::make_unique<Points>(rule, window);
      },
      examples_from(R"([{"min_points": 50, "step": 25, "max_share": 0.3, "start": 3, "requires": {"behaviours": [{"name": "membership", "thresholds": [20, 80], "rates": [2, 3, 4], "window_days": 28, "period_days": 7}]}}])"),
  });
}

}  // namespace marketsim
