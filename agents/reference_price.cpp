// Behaviour "reference_price" (MODEL.md "Choice", "Learning"): each consumer keeps a reference
// price per category, as a multiple of list price (starting at 1). Utility gains
// weight * ln(r / p) when the price is below the reference and loss_aversion times that when
// above; after a purchase r <- (1 - adaptation) r + adaptation * price paid.
#include <vector>

#include "agents/behaviour.h"
#include "agents/choice.h"

namespace marketsim {
namespace {

class ReferencePrice final : public Behaviour {
 public:
  ReferencePrice(const BehaviourContext& ctx, double weight, double loss_aversion, double adaptation)
      : catalog_(ctx.catalog),
        offers_(ctx.offers),
        categories_(ctx.catalog.category_names.size()),
        weight_(weight),
        loss_aversion_(loss_aversion),
        adaptation_(adaptation),
        list_(ctx.catalog.size()) {
    for (ProductId j = 0; j < list_.size(); ++j) list_[j] = to_currency(ctx.catalog.list_price[j]);
  }

  unsigned stages() const override { return kStageUtility | kStageSettled; }

  void declare(ColumnLayout& layout) override {
    reference_ = layout.add<float>("reference_price", "reference_index", categories_, 1.0f);
  }

  void utility(VisitBatch& b) const override {
    for (std::size_t v = 0; v < b.consumer.size(); ++v) {
      const float* ref = b.shard.row(reference_, b.consumer[v]);
      for (std::uint32_t s = b.first_slot[v]; s < b.first_slot[v + 1]; ++s) {
        const ProductId j = offers_.product[b.offer[s]];
        const double reference = ref[catalog_.category[j]] * list_[j];
        b.utility[s] += static_cast<float>(weight_ * reference_price_term(reference, b.price[s], loss_aversion_));
      }
    }
  }

  void settled(const SettledBatch& b) const override {
    for (const LineRecord& line : b.lines) {
      if (line.quantity == 0) continue;
      float& r = b.shard.row(reference_, line.consumer)[catalog_.category[line.product]];
      r = static_cast<float>(adapt_reference(r, to_currency(line.unit_paid()) / list_[line.product], adaptation_));
    }
  }

 private:
  const Catalog& catalog_;
  const Offers& offers_;
  std::size_t categories_;
  double weight_;
  double loss_aversion_;
  double adaptation_;
  std::vector<double> list_;  // list price per product, currency units
  Column<float> reference_;
};

}  // namespace

void register_reference_price() {
  behaviour_registry().add({
      "reference_price",
      "Adaptive reference prices per category with loss aversion: gains ln(r/p), losses weighted "
      "by loss_aversion.",
      {
          {.name = "weight", .type = ParamType::kNumber, .default_value = 1.0, .min = 0.0,
           .max = 100.0, .description = "eta, utility per unit of ln(reference / price)"},
          {.name = "loss_aversion", .type = ParamType::kNumber, .default_value = 2.25, .min = 1.0,
           .max = 100.0, .description = "nu, weight of losses relative to gains"},
          {.name = "adaptation", .type = ParamType::kNumber, .default_value = 0.2, .min = 0.0,
           .max = 1.0, .description = "kappa, weight of the price paid in the new reference"},
      },
      [](const Json& p, const BehaviourContext& ctx) {
        return std::make_unique<ReferencePrice>(ctx, p["weight"].get<double>(),
                                                p["loss_aversion"].get<double>(),
                                                p["adaptation"].get<double>());
      },
  });
}

}  // namespace marketsim
