// Replenishment "s_S": at each review, when the inventory position (on hand + on order -
// back-orders) is at or below s, order up to S. Under continuous review with unit demands the
// position falls to s exactly, so this orders S - s each time (the (r, Q) policy with r = s,
// Q = S - s); under periodic review the order size varies with the undershoot.
#include "strategies/registry.h"
#include "strategies/replenishment/review.h"

namespace marketsim {
namespace {

class SmallSBigS final : public ReplenishmentPolicy {
 public:
  SmallSBigS(Units reorder_point, Units order_up_to, Units initial, Review review)
      : reorder_point_(reorder_point), order_up_to_(order_up_to), initial_(initial), review_(review) {}
  Units initial_stock(OfferId) const override { return initial_; }
  Review review() const override { return review_; }
  Units order_quantity(const InventoryView& v) override {
    // Periodic review orders only on its review days, whoever asks.
    if (review_.kind == Review::Kind::kPeriodic && !review_.due(v.day)) return 0;
    const Units position = v.position();
    return position <= reorder_point_ ? order_up_to_ - position : 0;
  }

 private:
  Units reorder_point_;  // s, units
  Units order_up_to_;    // S > s, units
  Units initial_;        // units on hand at time 0
  Review review_;
};

}  // namespace

void register_s_S() {
  replenishment_registry().add({
      "s_S",
      "(s, S): at each review, when on hand + on order - back-orders <= s, order up to S units.",
      with_review({
          {.name = "s", .type = ParamType::kInteger, .default_value = nullptr, .min = 0,
           .max = 1e12, .description = "reorder point of the inventory position, units"},
          {.name = "S", .type = ParamType::kInteger, .default_value = nullptr, .min = 1,
           .max = 1e12, .description = "order-up-to level of the inventory position, units (> s)"},
          {.name = "initial", .type = ParamType::kInteger, .default_value = nullptr, .min = 0,
           .max = 1e12, .description = "initial stock per product, units (absent: S)",
           .optional = true},
      }),
      [](const Json& p, const BuildContext&) {
        const auto s = p["s"].get<Units>();
        const auto big_s = p["S"].get<Units>();
        if (big_s <= s) throw ParamError("S", "must be greater than s");
        return std::make_unique<SmallSBigS>(s, big_s, p.value("initial", big_s), parse_review(p));
      },
      examples_from(R"([{"s": 4, "S": 15, "initial": 10}, {"s": 4, "S": 15, "review_days": 3}])"),
  });
}

}  // namespace marketsim
