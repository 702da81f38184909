// Recommendation "popular": the seller's offers with the most distinct buyers over the last
// `popular_days` days of the platform log (ties to the lower id), without what the consumer bought
// when exclude_bought; the baseline every learned recommender is compared with (offline and
// online). Not personal beyond leaving out one's own purchases.
#include "strategies/recommenders/learned.h"
#include "strategies/registry.h"

namespace marketsim {
namespace {

class Popular final : public LearnedRecommender {
 public:
  using LearnedRecommender::LearnedRecommender;

 protected:
  void train(const PurchaseHistory&, const MarketContext&) override {}
  bool score(std::size_t, ConsumerId, std::span<double>) const override { return false; }
};

}  // namespace

void register_popular_recommender() {
  recommender_registry().add({
      "popular",
      "The offers with the most distinct buyers over the trailing popular_days (retrained on the schedule), "
      "without the consumer's own purchases.",
      LearnedRecommender::params({}),
      [](const Json& p, const BuildContext& ctx) {
        return std::make_unique<Popular>(LearnedRecommender::schedule(p, ctx), ctx);
      },
      examples_from(R"([{"slots": 4, "retrain_days": 1, "history_days": 14, "popular_days": 7}])"),
  });
}

}  // namespace marketsim
