// Behaviour "basket" (MODEL.md "Choice"): a visit may take several items. The engine repeats the
// logit choice without the items already taken until the outside option wins or the basket holds
// `max_items` items; this module raises every visit's cap to max_items. With max_items 1 a visit takes
// one item, exactly as without the module.
#include <algorithm>

#include "agents/behaviour.h"

namespace marketsim {
namespace {

class Basket final : public Behaviour {
 public:
  explicit Basket(std::uint8_t max_items) : max_items_(max_items) {}

  unsigned stages() const override { return kStageBasket; }

  void basket(VisitBatch& b) const override {
    for (std::uint8_t& cap : b.max_lines) cap = std::max(cap, max_items_);
  }

 private:
  std::uint8_t max_items_;
};

}  // namespace

void register_basket() {
  behaviour_registry().add({
      "basket",
      "Multi-item baskets: the logit choice repeats without the items taken until the outside "
      "option wins or the basket holds max_items items.",
      {
          {.name = "max_items", .type = ParamType::kInteger, .default_value = 3, .min = 1, .max = 255,
           .description = "most items (distinct offers) one visit may take, at most the offers it is shown; "
                          "1: a single choice"},
      },
      [](const Json& p, const BehaviourContext&) {
        return std::make_unique<Basket>(p["max_items"].get<std::uint8_t>());
      },
      examples_from(R"([{"max_items": 4}])"),
  });
}

}  // namespace marketsim
