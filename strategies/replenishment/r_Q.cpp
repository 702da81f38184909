// Replenishment "r_Q": at each review, when the inventory position (on hand + on order -
// back-orders) is at or below r, order the smallest multiple n * Q (n >= 1) that brings it above
// r. Under continuous review with unit demands n is always 1 and the position cycles through
// r + 1 .. r + Q (uniformly in the long run under Poisson demand); under periodic review this is
// the (R, r, nQ) policy.
#include "strategies/registry.h"
#include "strategies/replenishment/review.h"

namespace marketsim {
namespace {

class ReorderPointQuantity final : public ReplenishmentPolicy {
 public:
  ReorderPointQuantity(Units reorder_point, Units batch, Units initial, Review review)
      : reorder_point_(reorder_point), batch_(batch), initial_(initial), review_(review) {}
  Units initial_stock(OfferId) const override { return initial_; }
  Review review() const override { return review_; }
  Units order_quantity(const InventoryView& v) override {
    // Periodic review orders only on its review days, whoever asks.
    if (review_.kind == Review::Kind::kPeriodic && !review_.due(v.day)) return 0;
    const Units position = v.position();
    if (position > reorder_point_) return 0;
    // position + n Q > r  <=>  n > (r - position) / Q: the smallest such n.
    const Units batches = (reorder_point_ - position) / batch_ + 1;
    return batches * batch_;
  }

 private:
  Units reorder_point_;  // r, units
  Units batch_;          // Q >= 1, units
  Units initial_;        // units on hand at time 0
  Review review_;
};

}  // namespace

void register_r_Q() {
  replenishment_registry().add({
      "r_Q",
      "(r, Q): at each review, when on hand + on order - back-orders <= r, order the smallest multiple of Q "
      "that brings it above r.",
      with_review({
          {.name = "r", .type = ParamType::kInteger, .default_value = nullptr, .min = 0, .max = 1e12,
           .description = "reorder point of the inventory position, units"},
          {.name = "Q", .type = ParamType::kInteger, .default_value = nullptr, .min = 1, .max = 1e12,
           .description = "order quantity (batch), units; an order is a multiple of it"},
          {.name = "initial", .type = ParamType::kInteger, .default_value = nullptr, .min = 0, .max = 1e12,
           .description = "units of each offer on hand at time 0 (absent: r + Q)", .optional = true},
      }),
      [](const Json& p, const BuildContext&) {
        const auto r = p["r"].get<Units>();
        const auto q = p["Q"].get<Units>();
        return std::make_unique<ReorderPointQuantity>(r, q, p.value("initial", r + q), parse_review(p));
      },
      examples_from(R"([{"r": 4, "Q": 10, "initial": 12}, {"r": 3, "Q": 6, "review": "continuous"}])"),
  });
}

}  // namespace marketsim
