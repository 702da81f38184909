// Recommendation "linucb": a contextual bandit over the seller's offers (LinUCB with disjoint
// models, strategies/learning/linucb.h; Li et al. 2010). The context of a consumer is what the
// platform log shows of it: its K-means cluster of purchase histories (`clusters`; fitted once,
// at the first training with at least 2 x clusters consumers, and consumers assigned to the
// nearest fitted centroid afterwards, so that a cluster keeps its meaning) and its recency (no
// purchase in the history, last purchase within 7 days, within 30, longer): x = (1, one-hot
// cluster or none, one-hot recency). The reward of an exposure is 1 when the consumer bought the
// offer in that visit (the log's exposure and purchase events at the same time), else 0.
//
// At every training (retrain_days, default daily) it adds the exposures of its slots since the
// last training (positions 0 .. slots - 1 of the visit: its own slots when it is the only or the
// first seller's recommender), each in its consumer's context at that training, then ranks every
// offer for every context by its upper confidence bound theta . x + alpha sqrt(x^T A^-1 x):
// exploration is optimism, and the lists change from day to day as the bounds tighten. A
// consumer's list is its context's ranking without what it bought (exclude_bought); a consumer
// without a history is in the "none" cluster's context. Acts online only: it does not rank
// offline (rank() returns false), where there is nothing to explore.
// It declares per-consumer exposure events in the log (LogNeeds::consumer_exposures: one per shown
// offer, kept for history_days), hence its shorter default history.
#include <algorithm>
#include <cmath>
#include <optional>

#include "strategies/learning/linucb.h"
#include "strategies/recommenders/consumer_clusters.h"
#include "strategies/recommenders/learned.h"
#include "strategies/registry.h"

namespace marketsim {
namespace {

constexpr std::size_t kRecency = 4;

class LinUcbRecommender final : public LearnedRecommender {
 public:
  LinUcbRecommender(const Schedule& s, const BuildContext& ctx, std::size_t clusters, double alpha)
      : LearnedRecommender(s, ctx), clusters_(clusters),
        bandit_(ctx.offer_count(), 1 + clusters + 1 + kRecency, alpha),
        streams_(ctx.seed, ctx.replication, Purpose::kStrategy, name_hash("linucb")), seller_(ctx.seller) {}

  LogNeeds needs() const override {
    LogNeeds n = LearnedRecommender::needs();
    n.consumer_exposures = true;
    return n;
  }
  bool rank(ConsumerId, std::size_t, std::span<const std::uint8_t>, std::vector<OfferId>& out) const override {
    out.clear();
    return false;
  }

 protected:
  void train(const PurchaseHistory& h, const MarketContext& ctx) override {
    history_ = &h;
    learn(ctx);
    if (!fitted_ && h.rows() >= 2 * clusters_) {
      CounterRng rng(streams_.key(seller_), static_cast<std::uint64_t>(ctx.day));
      fitted_ = cluster_consumers(h, ctx, clusters_, rng);
    }
    const std::vector<std::uint32_t> labels = fitted_ ? fitted_->assign(h, ctx) : std::vector<std::uint32_t>(h.rows(), 0);
    consumer_.assign(h.consumers.begin(), h.consumers.end());
    cell_.assign(h.rows(), 0);
    for (std::size_t r = 0; r < h.rows(); ++r) {
      Day last = h.from;
      for (std::size_t e = h.row_start[r]; e < h.row_start[r + 1]; ++e) last = std::max(last, h.last_day[e]);
      const Day since = h.to - 1 - last;
      const std::size_t recency = since < 7 ? 1 : since < 30 ? 2 : 3;
      cell_[r] = static_cast<std::uint32_t>((fitted_ ? labels[r] : clusters_) * kRecency + recency);
    }
    // Every context's ranking by the upper confidence bound.
    bandit_.refresh();
    const std::size_t cells = (clusters_ + 1) * kRecency, m = h.items;
    table_.assign(cells * m, 0.0);
    for (std::size_t cell = 0; cell < cells; ++cell) {
      const Eigen::VectorXd x = context(cell);
      for (std::size_t a = 0; a < m; ++a) table_[cell * m + a] = bandit_.ucb(a, x);
    }
    const std::size_t none = clusters_ * kRecency;  // no cluster, no purchase
    cold_.resize(m);
    for (std::uint32_t a = 0; a < m; ++a) cold_[a] = a;
    std::stable_sort(cold_.begin(), cold_.end(), [&](std::uint32_t a, std::uint32_t b) { return table_[none * m + a] > table_[none * m + b]; });
    last_time_ = ctx.window_start;
  }

  bool score(std::size_t row, ConsumerId, std::span<double> scores) const override {
    if (history_ == nullptr || table_.empty()) return false;
    const std::size_t cell = row == PurchaseHistory::kNone ? clusters_ * kRecency : cell_[row];
    const std::size_t m = history_->items;
    std::copy_n(table_.begin() + static_cast<std::ptrdiff_t>(cell * m), m, scores.begin());
    return true;
  }
  std::span<const std::uint32_t> cold_list(ConsumerId c) const override {
    return cold_.empty() ? LearnedRecommender::cold_list(c) : std::span<const std::uint32_t>(cold_);
  }

 private:
  Eigen::VectorXd context(std::size_t cell) const {
    Eigen::VectorXd x = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(bandit_.dims()));
    x(0) = 1.0;
    x(static_cast<Eigen::Index>(1 + cell / kRecency)) = 1.0;
    x(static_cast<Eigen::Index>(1 + clusters_ + 1 + cell % kRecency)) = 1.0;
    return x;
  }

  /// Adds the exposures of its slots since the last training, in the contexts of that training.
  void learn(const MarketContext& ctx) {
    if (last_time_ < 0) return;
    const OfferId first = ctx.first_offer();
    const std::size_t m = ctx.offer_count(), cells = (clusters_ + 1) * kRecency;
    struct Key {
      ConsumerId consumer;
      Time time;
      OfferId offer;
      bool operator<(const Key& o) const {
        if (consumer != o.consumer) return consumer < o.consumer;
        if (time != o.time) return time < o.time;
        return offer < o.offer;
      }
    };
    std::vector<Key> bought;
    for (const ConsumerEvent& e : ctx.log.events()) {
      if (e.time >= last_time_ && e.kind == EventKind::kPurchase) bought.push_back({e.consumer, e.time, e.offer});
    }
    std::sort(bought.begin(), bought.end());
    std::vector<double> n(cells * m, 0.0), reward(cells * m, 0.0);
    for (const ConsumerEvent& e : ctx.log.events()) {
      if (e.time < last_time_ || e.kind != EventKind::kExposure || e.quantity >= slots()) continue;
      if (e.offer < first || e.offer >= first + m) continue;
      const auto it = std::lower_bound(consumer_.begin(), consumer_.end(), e.consumer);
      const std::size_t cell = it != consumer_.end() && *it == e.consumer ? cell_[static_cast<std::size_t>(it - consumer_.begin())]
                                                                           : clusters_ * kRecency;
      const std::size_t k = cell * m + (e.offer - first);
      n[k] += 1.0;
      reward[k] += std::binary_search(bought.begin(), bought.end(), Key{e.consumer, e.time, e.offer}) ? 1.0 : 0.0;
    }
    for (std::size_t cell = 0; cell < cells; ++cell) {
      const Eigen::VectorXd x = context(cell);
      for (std::size_t a = 0; a < m; ++a) {
        if (n[cell * m + a] > 0) bandit_.update(a, x, n[cell * m + a], reward[cell * m + a]);
      }
    }
  }

  std::size_t clusters_;
  LinUcb bandit_;
  StreamFamily streams_;
  SellerId seller_;
  std::optional<ConsumerClusters> fitted_;
  const PurchaseHistory* history_ = nullptr;
  std::vector<ConsumerId> consumer_;  // the last training's consumers (ascending) and their contexts
  std::vector<std::uint32_t> cell_;
  std::vector<double> table_;         // context x offer: the upper confidence bound
  std::vector<std::uint32_t> cold_;   // the "none" context's ranking
  Time last_time_ = -1;
};

}  // namespace

void register_linucb() {
  recommender_registry().add({
      "linucb",
      "A contextual bandit (LinUCB): ranks offers by the upper confidence bound of their purchase rate in the "
      "consumer's context (purchase-history cluster and recency), learning from its slots' exposures.",
      LearnedRecommender::params({
          {.name = "clusters", .type = ParamType::kInteger, .default_value = 4, .min = 1, .max = 32,
           .description = "K-means clusters of purchase histories in the context"},
          {.name = "alpha", .type = ParamType::kNumber, .default_value = 1.0, .min = 0.0, .max = 100.0,
           .description = "the exploration bonus's weight (0.5 under-explores Bernoulli rewards: tests/test_recommenders.cpp)"},
      }, {.slots = 10, .history_days = 14, .retrain_days = 1, .popular_days = 14, .exclude_bought = true}),
      [](const Json& p, const BuildContext& ctx) {
        return std::make_unique<LinUcbRecommender>(LearnedRecommender::schedule(p, ctx), ctx,
                                                   p["clusters"].get<std::size_t>(), p["alpha"].get<double>());
      },
      examples_from(R"([{"slots": 4, "retrain_days": 1, "history_days": 7}])"),
  });
}

}  // namespace marketsim
