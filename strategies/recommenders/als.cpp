// Recommendation "als": matrix factorisation of implicit feedback (Hu, Koren and Volinsky 2008;
// strategies/learning/als.h): the history's consumers x the seller's offers, r = units bought,
// confidence c = 1 + alpha log(1 + r / epsilon) (HKV's log scaling, the default: units bought
// range over orders of magnitude; 1 + alpha r without log_scaling), `factors` latent factors,
// regularisation lambda. The defaults (log scaling, alpha 1) were chosen on a validation split of
// the shared retail log (train to 2011-04-30, score May and June: NDCG@10 over popular +0.039 for
// alpha 1, +0.037 for 2, +0.017 for 10, -0.007 for 40; raw units with alpha 10: -0.003), before
// looking at the split the README reports (train to 2011-06-30, score July and August). Fitted with `iterations` alternating least-squares
// sweeps at the first training, then `warm_iterations` at each retraining started from the
// previous factors (the offers' factors carry over; users are solved afresh first), parallel over
// rows with oneTBB and bit-identical on any thread count. A consumer's list is its offers with the
// highest x_u . y_i, precomputed at training (LearnedRecommender): a visit costs O(slots).
// Cold start: a consumer without purchases in the history has no factors: the popular list. An
// offer nobody bought gets factors near 0 and ranks after the ones with positive affinity.
#include <tuple>

#include "strategies/learning/als.h"
#include "strategies/recommenders/learned.h"
#include "strategies/registry.h"

namespace marketsim {
namespace {

class AlsRecommender final : public LearnedRecommender {
 public:
  AlsRecommender(const Schedule& s, const BuildContext& ctx, const AlsParams& p, int warm_iterations)
      : LearnedRecommender(s, ctx), params_(p), warm_iterations_(warm_iterations),
        streams_(ctx.seed, ctx.replication, Purpose::kStrategy, name_hash("als")), seller_(ctx.seller) {}

 protected:
  void train(const PurchaseHistory& h, const MarketContext& ctx) override {
    history_ = &h;
    std::vector<std::tuple<std::uint32_t, std::uint32_t, float>> t;
    t.reserve(h.item.size());
    for (std::size_t r = 0; r < h.rows(); ++r) {
      for (std::size_t e = h.row_start[r]; e < h.row_start[r + 1]; ++e) t.emplace_back(static_cast<std::uint32_t>(r), h.item[e], h.units[e]);
    }
    const ImplicitMatrix matrix = ImplicitMatrix::from_triplets(h.rows(), h.items, std::move(t));
    CounterRng rng(streams_.key(seller_), static_cast<std::uint64_t>(ctx.day) << 20);
    AlsParams p = params_;
    if (warm_) {
      p.iterations = warm_iterations_;
      // The offers' factors carry over; the users are solved afresh from them (fit_als starts
      // them at zero), and the old model is released before the fit allocates the new one.
      AlsModel warm;
      warm.item_factors = std::move(model_.item_factors);
      model_ = AlsModel{};
      model_ = fit_als(matrix, p, rng, &warm);
    } else {
      model_ = fit_als(matrix, p, rng);
    }
    trained_ = true;
    // A fit without purchases leaves every factor at 0, a fixed point of ALS: the next training
    // starts afresh instead.
    warm_ = matrix.entries() > 0;
  }

  bool score(std::size_t row, ConsumerId, std::span<double> scores) const override {
    if (row == PurchaseHistory::kNone || history_ == nullptr || !trained_) return false;
    // One matrix-vector product over the offers' factors (items x f, column-major: contiguous
    // columns, vectorised); the same operation order for every consumer and thread count.
    thread_local Eigen::VectorXf x, s;
    x = model_.user_factors.row(static_cast<Eigen::Index>(row)).transpose();
    s.noalias() = model_.item_factors * x;
    for (std::size_t i = 0; i < scores.size(); ++i) scores[i] = static_cast<double>(s(static_cast<Eigen::Index>(i)));
    return true;
  }

 private:
  AlsParams params_;
  int warm_iterations_;
  StreamFamily streams_;
  SellerId seller_;
  const PurchaseHistory* history_ = nullptr;
  AlsModel model_;
  bool trained_ = false;
  bool warm_ = false;  // the model has factors to start the next training from
};

}  // namespace

void register_als_recommender() {
  recommender_registry().add({
      "als",
      "Matrix factorisation of implicit feedback (Hu-Koren-Volinsky ALS): retrained on the schedule with warm starts, "
      "per-consumer top lists precomputed at training; popular list for consumers without a history.",
      LearnedRecommender::params({
          {.name = "factors", .type = ParamType::kInteger, .default_value = 32, .min = 1, .max = 256,
           .description = "latent factors"},
          {.name = "regularization", .type = ParamType::kNumber, .default_value = 0.1, .min = 0.0, .max = 1e6,
           .description = "lambda, the penalty on the factors' squared norms", .min_exclusive = true},
          {.name = "alpha", .type = ParamType::kNumber, .default_value = 1.0, .min = 0.0, .max = 1e6,
           .description = "confidence weight: c = 1 + alpha log(1 + r / epsilon) (or 1 + alpha r)"},
          {.name = "log_scaling", .type = ParamType::kBoolean, .default_value = true,
           .description = "confidence 1 + alpha log(1 + r / epsilon) instead of 1 + alpha r"},
          {.name = "epsilon", .type = ParamType::kNumber, .default_value = 1.0, .min = 0.0, .max = 1e6,
           .description = "with log_scaling: the units scale", .min_exclusive = true},
          {.name = "iterations", .type = ParamType::kInteger, .default_value = 10, .min = 1, .max = 100,
           .description = "ALS sweeps at the first training"},
          {.name = "warm_iterations", .type = ParamType::kInteger, .default_value = 3, .min = 1, .max = 100,
           .description = "ALS sweeps at each retraining, from the previous factors"},
      }),
      [](const Json& p, const BuildContext& ctx) {
        AlsParams a;
        a.factors = p["factors"].get<int>();
        a.regularization = p["regularization"].get<double>();
        a.alpha = p["alpha"].get<double>();
        a.log_scaling = p["log_scaling"].get<bool>();
        a.epsilon = p["epsilon"].get<double>();
        a.iterations = p["iterations"].get<int>();
        return std::make_unique<AlsRecommender>(LearnedRecommender::schedule(p, ctx), ctx, a, p["warm_iterations"].get<int>());
      },
      examples_from(R"([{"slots": 4, "retrain_days": 1, "history_days": 14, "factors": 4, "iterations": 3}])"),
  });
}

}  // namespace marketsim
