// Behaviour "loyalty" (MODEL.md "Choice": omega * loyal_ij): an exponentially smoothed purchase
// history per consumer, loyal_ij <- alpha * loyal_ij + (1 - alpha) * 1[bought j] at each purchase
// occasion (an order: the weights decay once per order, then every product of the order gains
// 1 - alpha), as in Guadagni & Little (1983). Memory is bounded: a consumer keeps its `memory`
// largest weights (a new product takes the slot of the smallest weight, the first such slot on
// ties); forgotten products count as 0. Shown offers of a remembered product gain
// omega * loyal_ij utility.
//
// Columns: the remembered products ("history_products": 16-bit ids when the catalogue has fewer
// than 65,535 products, else 32-bit) and their weights ("history_weights", floats). Empty slots
// hold no product and weight 0; as a new product takes the first slot of smallest weight, the
// empty slots always come last. The gauge "loyalty.loyalty_sum" is kept per shard as every weight
// changes, as an exact fixed-point sum (units of 2^-100), so reading it costs nothing per consumer.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <memory>

#include "agents/behaviour.h"
#include "agents/per_shard.h"
#include "market/shown_set.h"

namespace marketsim {
namespace {

template <typename Id>
class Loyalty final : public Behaviour {
 public:
  static constexpr Id kNoProduct = std::numeric_limits<Id>::max();

  Loyalty(const BehaviourContext& ctx, double omega, double alpha, std::size_t memory)
      : offers_(ctx.offers), omega_(omega), alpha_(alpha), memory_(memory) {}

  unsigned stages() const override { return kStageUtility | kStageSettled; }

  void declare(ColumnLayout& layout) override {
    products_ = layout.add<Id>("loyalty", "history_products", memory_, kNoProduct);
    weights_ = layout.add<float>("loyalty", "history_weights", memory_, 0.0f);
  }

  void utility(VisitBatch& b) const override {
    ProductId shown[ShownSet::kCapacity];
    const Id* all_products = b.shard.column(products_);
    const float* all_weights = b.shard.column(weights_);
    // First the rows of the batch's consumers with a history, with loads that do not wait for
    // each other (the visit loop below waits at each row in turn).
    std::uint32_t touched = 0;
    for (std::size_t v = 0; v < b.consumer.size(); ++v) {
      const std::size_t row = (b.consumer[v] - b.shard.begin()) * memory_;
      if (all_products[row] != kNoProduct) touched ^= std::bit_cast<std::uint32_t>(all_weights[row]);
    }
    keep_loaded(touched);
    for (std::size_t v = 0; v < b.consumer.size(); ++v) {
      const std::size_t row = (b.consumer[v] - b.shard.begin()) * memory_;
      const Id* products = all_products + row;
      if (products[0] == kNoProduct) continue;  // nothing bought yet
      const float* weights = all_weights + row;
      const std::uint32_t first = b.first_slot[v];
      const std::size_t count = b.first_slot[v + 1] - first;
      for (std::size_t k = 0; k < count; ++k) shown[k] = offers_.product[b.offer[first + k]];
      float* utility = b.utility.data() + first;
      // Each remembered product once (a product is in at most one slot).
      for (std::size_t m = 0; m < memory_ && products[m] != kNoProduct; ++m) {
        const ProductId j = products[m];
        const auto gain = static_cast<float>(omega_ * weights[m]);
        for (std::size_t k = 0; k < count; ++k) {
          if (shown[k] == j) utility[k] += gain;
        }
      }
    }
  }

  void settled(const SettledBatch& b) const override {
    // Lines of one order are consecutive (commit order); the weights decay once per order. Every
    // change of a weight goes into the shard's sum.
    Fixed& sum = sums_.get(b.shard.index());
    // First the rows of the consumers who bought, with loads that overlap (the lines come in
    // commit order, so the loop below would wait at nearly every row in turn).
    const Id* all_products = b.shard.column(products_);
    const float* all_weights = b.shard.column(weights_);
    std::uint32_t touched = 0;
    for (const LineRecord& line : b.lines) {
      if (line.quantity == 0) continue;
      const std::size_t row = (line.consumer - b.shard.begin()) * memory_;
      touched ^= all_products[row] ^ std::bit_cast<std::uint32_t>(all_weights[row]);
    }
    keep_loaded(touched);
    ConsumerId last_consumer = 0;
    std::uint32_t last_visit = 0;
    bool any = false;
    for (const LineRecord& line : b.lines) {
      if (line.quantity == 0) continue;  // a lost sale is no purchase
      Id* products = b.shard.row(products_, line.consumer);
      float* weights = b.shard.row(weights_, line.consumer);
      if (!any || line.consumer != last_consumer || line.visit != last_visit) {
        for (std::size_t k = 0; k < memory_; ++k) {
          if (weights[k] == 0.0f) continue;  // an empty slot (or a weight decayed to 0) stays 0
          const float decayed = static_cast<float>(alpha_ * weights[k]);
          sum += fixed(decayed) - fixed(weights[k]);
          weights[k] = decayed;
        }
      }
      any = true;
      last_consumer = line.consumer;
      last_visit = line.visit;
      std::size_t at = memory_;
      std::size_t smallest = 0;
      for (std::size_t k = 0; k < memory_; ++k) {
        if (products[k] == line.product) {
          at = k;
          break;
        }
        if (weights[k] < weights[smallest]) smallest = k;
      }
      const float before = weights[at == memory_ ? smallest : at];
      if (at == memory_) {  // the smallest weight's product is forgotten
        at = smallest;
        products[at] = static_cast<Id>(line.product);
        weights[at] = 0.0f;
      }
      weights[at] = static_cast<float>(weights[at] + (1.0 - alpha_));
      sum += fixed(weights[at]) - fixed(before);
    }
  }

  std::vector<std::string> gauges() const override { return {"loyalty_sum"}; }
  void gauge(const DayBatch& b, std::span<double> sums) const override {
    sums[0] += static_cast<double>(sums_.get(b.shard.index())) * 0x1p-100;
  }

 private:
  /// A sum of weights in units of 2^-100, exact (a weight converts exactly unless below 2^-76,
  /// when the bits below 2^-100 are dropped), in modular arithmetic: adding every change of a
  /// weight keeps it the sum of the current weights, whatever the order.
  __extension__ using Fixed = unsigned __int128;
  static Fixed fixed(float w) {
    const auto bits = std::bit_cast<std::uint32_t>(w);  // w >= 0
    const auto exponent = static_cast<int>(bits >> 23);
    const Fixed mantissa = (bits & 0x7fffffu) | (exponent == 0 ? 0u : 0x800000u);
    const int shift = std::max(exponent, 1) - 150 + 100;  // w = mantissa * 2^(shift - 100)
    return shift >= 0 ? mantissa << shift : mantissa >> -shift;
  }

  const Offers& offers_;
  double omega_;
  double alpha_;
  std::size_t memory_;
  Column<Id> products_;
  Column<float> weights_;
  PerShard<Fixed> sums_;  // per shard: the sum of its consumers' weights
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
      [](const Json& p, const BehaviourContext& ctx) -> std::unique_ptr<Behaviour> {
        const double omega = p["omega"].get<double>(), alpha = p["alpha"].get<double>();
        const auto memory = p["memory"].get<std::size_t>();
        // 16-bit product ids when every id is below the empty slot's marker.
        if (ctx.catalog.size() < std::numeric_limits<std::uint16_t>::max()) {
          return std::make_unique<Loyalty<std::uint16_t>>(ctx, omega, alpha, memory);
        }
        return std::make_unique<Loyalty<std::uint32_t>>(ctx, omega, alpha, memory);
      },
      examples_from(R"([{"omega": 1.0, "alpha": 0.8, "memory": 4}])"),
  });
}

}  // namespace marketsim
