// Replenishment "none": a selling season with finite stock. Every offer starts with `initial`
// units and is never restocked (clearance, Gallego and van Ryzin's finite-inventory pricing).
#include "strategies/registry.h"

namespace marketsim {
namespace {

class NoReplenishment final : public ReplenishmentPolicy {
 public:
  explicit NoReplenishment(Units initial) : initial_(initial) {}
  Units initial_stock(OfferId) const override { return initial_; }
  Units order_quantity(const InventoryView&) override { return 0; }

 private:
  Units initial_;
};

}  // namespace

void register_no_replenishment() {
  replenishment_registry().add({
      "none",
      "No restocking: every offer starts with `initial` units and sells out for good (a selling season).",
      {{.name = "initial", .type = ParamType::kInteger, .default_value = nullptr, .min = 0, .max = 1e12,
        .description = "units of each offer at time 0"}},
      [](const Json& p, const BuildContext&) { return std::make_unique<NoReplenishment>(p["initial"].get<Units>()); },
      examples_from(R"([{"initial": 12}])"),
  });
}

}  // namespace marketsim
