// Recommendation "random": distinct products drawn uniformly from the catalog.

#include "strategies/registry.h"

namespace marketsim {
namespace {

class RandomRecommender final : public Recommender {
 public:
  explicit RandomRecommender(std::size_t slots) : slots_(slots) {}
  std::size_t slots() const override { return slots_; }
  void prepare(const MarketContext& ctx) override {
    first_ = ctx.first_offer();
    count_ = ctx.offer_count();
  }
  void recommend(ConsumerId, CounterRng& rng, ShownSet& shown) const override {
    shown.add_uniform(slots_, first_, count_, rng);
  }

 private:
  std::size_t slots_;
  OfferId first_ = 0;
  std::size_t count_ = 0;
};

}  // namespace

void register_random_recommender() {
  recommender_registry().add({
      "random",
      "Fills every slot with distinct offers drawn uniformly from the seller's offers.",
      {{.name = "slots", .type = ParamType::kInteger, .default_value = 10, .min = 0, .max = 32,
        .description = "products recommended per visit"}},
      [](const Json& p, const BuildContext& ctx) {
        const auto slots = p["slots"].get<std::size_t>();
        if (slots > ctx.offer_count()) throw ParamError("slots", "exceeds the number of products the seller offers");
        return std::make_unique<RandomRecommender>(slots);
      },
      examples_from(R"([{"slots": 6}])"),
  });
}

}  // namespace marketsim
