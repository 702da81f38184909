// Behaviour "reference_price" (MODEL.md "Choice", "Learning"): each consumer keeps a reference
// price per category, as a multiple of list price (starting at 1). Utility gains
// weight * ln(r / p) when the price is below the reference and loss_aversion times that when
// above; after a purchase r <- (1 - adaptation) r + adaptation * price paid.
// The logarithms of a batch are taken together in double precision (agents/choice.h
// log_in_place: within an ulp of std::log, the term then rounded to the float utility). A
// consumer whose reference is exactly 1 (never paid other than list price) has the same term for
// an offer at a given price as every other such consumer: each shard keeps the term of each offer
// at the price it was last computed for (catalogues of up to 16,384 offers; 8 bytes per offer and
// shard), a cache that changes no result.
#include <bit>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "agents/behaviour.h"
#include "agents/choice.h"
#include "agents/per_shard.h"
#include "market/shown_set.h"

namespace marketsim {
namespace {

class ReferencePrice final : public Behaviour {
  /// Catalogues up to this many offers have a memo.
  static constexpr std::size_t kMemoOffers = 16384;

  /// A shard's terms for a reference of exactly 1: per offer, the price it was computed at (bits;
  /// none at first) and the term.
  struct Memo {
    explicit Memo(std::size_t offers) : price(offers, kNone), term(offers, 0.0f) {}
    static constexpr std::uint32_t kNone = 0xffffffffu;  // a NaN's bits: no price has them
    bool has(OfferId o, float p) const { return price[o] == std::bit_cast<std::uint32_t>(p); }
    void set(OfferId o, float p, float t) {
      price[o] = std::bit_cast<std::uint32_t>(p);
      term[o] = t;
    }
    std::vector<std::uint32_t> price;
    std::vector<float> term;
  };

 public:
  ReferencePrice(const BehaviourContext& ctx, double weight, double loss_aversion, double adaptation)
      : catalog_(ctx.catalog),
        categories_(ctx.catalog.category_names.size()),
        weight_(weight),
        loss_aversion_(loss_aversion),
        adaptation_(adaptation),
        list_(ctx.catalog.size()),
        offer_list_(ctx.offers.size()),
        offer_category_(ctx.offers.size()),
        memoise_(ctx.offers.size() <= kMemoOffers) {
    for (ProductId j = 0; j < list_.size(); ++j) list_[j] = to_currency(ctx.catalog.list_price[j]);
    for (OfferId o = 0; o < ctx.offers.size(); ++o) {
      const ProductId j = ctx.offers.product[o];
      offer_list_[o] = list_[j];
      offer_category_[o] = ctx.catalog.category[j];
    }
  }

  unsigned stages() const override { return kStageUtility | kStageSettled; }

  /// engagement, when in the run, hears each line's price against the reference.
  void connect(const ModuleDirectory& modules) override { engagement_ = modules.find("engagement"); }

  void declare(ColumnLayout& layout) override {
    reference_ = layout.add<float>("reference_price", "reference_index", categories_, 1.0f);
  }

  void utility(VisitBatch& b) const override {
    if (memoise_) {
      terms<true>(b, memos_.get(b.shard.index(), [&] { return std::make_unique<Memo>(offer_list_.size()); }));
    } else {
      Memo none(0);
      terms<false>(b, none);
    }
  }

  void settled(const SettledBatch& b) const override {
    for (const LineRecord& line : b.lines) {
      if (line.quantity == 0) continue;
      float& r = b.shard.row(reference_, line.consumer)[catalog_.category[line.product]];
      const double paid_index = to_currency(line.unit_paid()) / list_[line.product];
      if (engagement_ && paid_index > 0.0 && r > 0.0f) {  // ln(paid / reference), to engagement (issue 26 item 2)
        b.shard.send_to(*engagement_, line.time, line.consumer, line.consumer, kMessagePricePaid,
                        static_cast<float>(std::log(paid_index / static_cast<double>(r))), line.product);
      }
      r = static_cast<float>(adapt_reference(r, paid_index, adaptation_));
    }
  }

 private:
  /// Adds the terms of a batch's shown offers, from the memo or (taken together) from their logs.
  template <bool kMemo>
  void terms(VisitBatch& b, Memo& memo) const {
    constexpr std::size_t kChunk = 4 * ShownSet::kCapacity;
    std::uint32_t pending[kChunk];
    double ratio[kChunk + kMathBlock];
    bool gain[kChunk];
    bool unit[kChunk];  // a reference of exactly 1: the term goes into the memo
    std::size_t waiting = 0;
    const auto flush = [&] {
      const std::size_t padded = (waiting + kMathBlock - 1) / kMathBlock * kMathBlock;
      for (std::size_t i = waiting; i < padded; ++i) ratio[i] = 1.0;
      log_in_place(ratio, padded);
      for (std::size_t i = 0; i < waiting; ++i) {
        // reference_price_term (agents/choice.h) with the log taken above.
        const double g = ratio[i];
        const auto term = static_cast<float>(weight_ * (gain[i] ? g : loss_aversion_ * g));
        const std::uint32_t s = pending[i];
        b.utility[s] += term;
        if (kMemo && unit[i]) memo.set(b.offer[s], b.price[s], term);
      }
      waiting = 0;
    };
    const float* references = b.shard.column(reference_);
    for (std::size_t v = 0; v < b.consumer.size(); ++v) {
      const std::uint32_t first = b.first_slot[v], end = b.first_slot[v + 1];
      if (waiting + (end - first) > kChunk) flush();
      const float* ref = references + (b.consumer[v] - b.shard.begin()) * categories_;
      for (std::uint32_t s = first; s < end; ++s) {
        const OfferId o = b.offer[s];
        const float r = ref[offer_category_[o]];
        const bool one = std::bit_cast<std::uint32_t>(r) == std::bit_cast<std::uint32_t>(1.0f);
        if (kMemo && one && memo.has(o, b.price[s])) {
          b.utility[s] += memo.term[o];
          continue;
        }
        const double reference = r * offer_list_[o];
        const double price = b.price[s];
        pending[waiting] = s;
        ratio[waiting] = reference / price;
        gain[waiting] = price <= reference;
        unit[waiting] = one;
        ++waiting;
      }
    }
    flush();
  }

  const Catalog& catalog_;
  std::size_t categories_;
  double weight_;
  double loss_aversion_;
  double adaptation_;
  std::vector<double> list_;                   // list price per product, currency units
  std::vector<double> offer_list_;             // list price of each offer's product
  std::vector<std::uint16_t> offer_category_;  // category of each offer's product
  bool memoise_;
  Column<float> reference_;
  std::optional<std::uint16_t> engagement_;  // the run's engagement module, if any
  PerShard<Memo> memos_;
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
      examples_from(R"([{"weight": 1.0, "loss_aversion": 2.25, "adaptation": 0.25, "requires": {"arm": {"promotions": [{"name": "percent_off", "depth": 0.2, "start": 4, "end": 9}]}}}])"),
  });
}

}  // namespace marketsim
