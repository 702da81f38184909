// Replenishment "s_S": when the inventory position (on hand + on order) is at or below s, order
// up to S.
#include "strategies/registry.h"

namespace marketsim {
namespace {

class SmallSBigS final : public ReplenishmentPolicy {
 public:
  SmallSBigS(Units reorder_point, Units order_up_to, Units initial)
      : reorder_point_(reorder_point), order_up_to_(order_up_to), initial_(initial) {}
  Units initial_stock(OfferId) const override { return initial_; }
  Units order_quantity(const InventoryView& v) override {
    const Units position = v.on_hand + v.on_order;
    return position <= reorder_point_ ? order_up_to_ - position : 0;
  }

 private:
  Units reorder_point_;
  Units order_up_to_;
  Units initial_;
};

}  // namespace

void register_s_S() {
  replenishment_registry().add({
      "s_S",
      "(s, S): when on hand + on order <= s, order up to S units.",
      {
          {.name = "s", .type = ParamType::kInteger, .default_value = nullptr, .min = 0,
           .max = 1e12, .description = "reorder point, units"},
          {.name = "S", .type = ParamType::kInteger, .default_value = nullptr, .min = 1,
           .max = 1e12, .description = "order-up-to level, units (> s)"},
          {.name = "initial", .type = ParamType::kInteger, .default_value = nullptr, .min = 0,
           .max = 1e12, .description = "initial stock per product, units (absent: S)",
           .optional = true},
      },
      [](const Json& p, const BuildContext&) {
        const auto s = p["s"].get<Units>();
        const auto big_s = p["S"].get<Units>();
        if (big_s <= s) throw ParamError("S", "must be greater than s");
        return std::make_unique<SmallSBigS>(s, big_s, p.value("initial", big_s));
      },
      examples_from(R"([{"s": 4, "S": 15, "initial": 10}])"),
  });
}

}  // namespace marketsim
