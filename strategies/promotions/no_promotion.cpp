// Promotion "none": offers nothing (an arm may also simply list no promotions).
#include "strategies/registry.h"

namespace marketsim {
namespace {

class NoPromotion final : public PromotionStrategy {
 public:
  bool offers(const MarketContext&, std::span<const Money>, std::span<Money>) override {
    return false;
  }
};

}  // namespace

void register_no_promotion() {
  promotion_registry().add({
      "none",
      "No promotion: every product at the seller's price.",
      {},
      [](const Json&, const BuildContext&) { return std::make_unique<NoPromotion>(); },
      examples_from(R"([{}])"),
  });
}

}  // namespace marketsim
