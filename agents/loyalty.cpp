// Behaviour "loyalty" (MODEL.md "Choice": omega * loyal_ij): an exponentially smoothed purchase
// history per consumer, loyal_ij <- alpha * loyal_ij + (1 - alpha) * 1[bought j] at each purchase
// occasion (an order: the weights decay once per order, then every product of the order gains
// 1 - alpha), as in Guadagni & Little (1983). Memory is bounded: a consumer keeps its `memory`
// largest weights (a new product takes the slot of the smallest weight, the first such slot on
// ties); forgotten products count as 0. Shown offers of a remembered product gain
// omega * loyal_ij utility.
#include <limits>

#include "agents/behaviour.h"

namespace marketsim {
namespace {

struct LoyalSlot {
  ProductId product;
  float weight;
};

constexpr ProductId kNoProduct = std::numeric_limits<ProductId>::max();

class Loyalty final : public Behaviour {
 public:
  Loyalty(const BehaviourContext& ctx, double omega, double alpha, std::size_t memory)
      : offers_(ctx.offers), omega_(omega), alpha_(alpha), memory_(memory) {}

  unsigned stages() const override { return kStageUtility | kStageSettled; }

  void declare(ColumnLayout& layout) override {
    slots_ = layout.add<LoyalSlot>("loyalty", "history", memory_, LoyalSlot{kNoProduct, 0.0f});
  }

  void utility(VisitBatch& b) const override {
    for (std::size_t v = 0; v < b.consumer.size(); ++v) {
      const LoyalSlot* slots = b.shard.row(slots_, b.consumer[v]);
      for (std::uint32_t s = b.first_slot[v]; s < b.first_slot[v + 1]; ++s) {
        const ProductId j = offers_.product[b.offer[s]];
        for (std::size_t k = 0; k < memory_; ++k) {
          if (slots[k].product == j) {
            b.utility[s] += static_cast<float>(omega_ * slots[k].weight);
            break;
          }
        }
      }
    }
  }

  void settled(const SettledBatch& b) const override {
    // Lines of one order are consecutive (commit order); the weights decay once per order.
    ConsumerId last_consumer = 0;
    std::uint32_t last_visit = 0;
    bool any = false;
    for (const LineRecord& line : b.lines) {
      if (line.quantity == 0) continue;  // a lost sale is no purchase
      LoyalSlot* slots = b.shard.row(slots_, line.consumer);
      if (!any || line.consumer != last_consumer || line.visit != last_visit) {
        for (std::size_t k = 0; k < memory_; ++k) slots[k].weight = static_cast<float>(alpha_ * slots[k].weight);
      }
      any = true;
      last_consumer = line.consumer;
      last_visit = line.visit;
      std::size_t at = memory_;
      std::size_t smallest = 0;
      for (std::size_t k = 0; k < memory_; ++k) {
        if (slots[k].product == line.product) {
          at = k;
          break;
        }
        if (slots[k].weight < slots[smallest].weight) smallest = k;
      }
      if (at == memory_) {
        at = smallest;
        slots[at] = LoyalSlot{line.product, 0.0f};
      }
      slots[at].weight = static_cast<float>(slots[at].weight + (1.0 - alpha_));
    }
  }

  std::vector<std::string> gauges() const override { return {"loyalty_sum"}; }
  void gauge(const DayBatch& b, std::span<double> sums) const override {
    const LoyalSlot* slots = b.shard.column(slots_);
    const std::size_t n = static_cast<std::size_t>(b.shard.end() - b.shard.begin()) * memory_;
    for (std::size_t i = 0; i < n; ++i) sums[0] += slots[i].weight;
  }

 private:
  const Offers& offers_;
  double omega_;
  double alpha_;
  std::size_t memory_;
  Column<LoyalSlot> slots_;
};

}  // namespace

void register_loyalty() {
  behaviour_registry().add({
      "loyalty",
      "Loyalty to recently bought products: an exponentially smoothed purchase history "
      "(Guadagni & Little 1983) adds omega * loyal_ij to the utility of remembered products.",
      {
          {.name = "omega", .type = ParamType::kNumber, .default_value = 1.0, .min = 0.0, .max = 100.0,
           .description = "omega, utility per unit of loyalty (loyal_ij in [0, 1])"},
          {.name = "alpha", .type = ParamType::kNumber, .default_value = 0.8, .min = 0.0, .max = 1.0,
           .description = "alpha, carry-over of loyalty at each purchase occasion (Guadagni & Little 1983: about 0.8-0.9)"},
          {.name = "memory", .type = ParamType::kInteger, .default_value = 4, .min = 1, .max = 64,
           .description = "K, products remembered per consumer (the largest weights are kept)"},
      },
      [](const Json& p, const BehaviourContext& ctx) {
        return std::make_unique<Loyalty>(ctx, p["omega"].get<double>(), p["alpha"].get<double>(),
                                         p["memory"].get<std::size_t>());
      },
  });
}

}  // namespace marketsim
