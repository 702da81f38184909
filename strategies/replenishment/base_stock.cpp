// Replenishment "base_stock": at each review, order up to the base-stock level S, i.e. order
// S - position when the inventory position (on hand + on order - back-orders) is below S. Under
// periodic review every R days this is the periodic base-stock policy; under continuous review it
// is (S - 1, S): every unit that lowers the position is reordered at once.
#include "strategies/registry.h"
#include "strategies/replenishment/review.h"

namespace marketsim {
namespace {

class BaseStock final : public ReplenishmentPolicy {
 public:
  BaseStock(Units level, Units initial, Review review) : level_(level), initial_(initial), review_(review) {}
  Units initial_stock(OfferId) const override { return initial_; }
  Review review() const override { return review_; }
  Units order_quantity(const InventoryView& v) override {
    // Periodic review orders only on its review days, whoever asks.
    if (review_.kind == Review::Kind::kPeriodic && !review_.due(v.day)) return 0;
    const Units position = v.position();
    return position < level_ ? level_ - position : 0;
  }

 private:
  Units level_;    // S, units
  Units initial_;  // units on hand at time 0
  Review review_;
};

}  // namespace

void register_base_stock() {
  replenishment_registry().add({
      "base_stock",
      "Base stock: at each review, order up to S (on hand + on order - back-orders); continuous review makes it "
      "(S - 1, S).",
      with_review({
          {.name = "S", .type = ParamType::kInteger, .default_value = nullptr, .min = 1, .max = 1e12,
           .description = "base-stock (order-up-to) level of the inventory position, units"},
          {.name = "initial", .type = ParamType::kInteger, .default_value = nullptr, .min = 0, .max = 1e12,
           .description = "units of each offer on hand at time 0 (absent: S)", .optional = true},
      }),
      [](const Json& p, const BuildContext&) {
        const auto level = p["S"].get<Units>();
        return std::make_unique<BaseStock>(level, p.value("initial", level), parse_review(p));
      },
      examples_from(R"([{"S": 12, "initial": 8, "review_days": 2, "review_offset": 1},
                        {"S": 10, "review": "continuous"}])"),
  });
}

}  // namespace marketsim
