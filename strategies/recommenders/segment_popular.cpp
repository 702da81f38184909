// Recommendation "segment_popular": popularity within the consumer's group. `by`:
//   "segment": the market's customer segments (/market/segments; BuildContext::segments, the one
//              consumer attribute a platform's CRM knows): offers ranked by distinct buyers of the
//              consumer's segment over the last popular_days of the history. A consumer without
//              purchases still has a segment: its segment's list (cold start by segment);
//   "kmeans":  K-means clusters (`clusters`) of the consumers with a history, by what they bought
//              (strategies/recommenders/consumer_clusters.h, the K-means coupon targeting uses),
//              refitted at every training; offers ranked by distinct buyers of the cluster over the
//              history. A consumer without purchases has no cluster: the popular list.
// Ties go to the lower id; an offer nobody of the group bought has no score (popularity fills).
#include <algorithm>

#include "strategies/recommenders/consumer_clusters.h"
#include "strategies/recommenders/learned.h"
#include "strategies/registry.h"

namespace marketsim {
namespace {

class SegmentPopular final : public LearnedRecommender {
 public:
  SegmentPopular(const Schedule& s, const BuildContext& ctx, bool kmeans, std::size_t clusters)
      : LearnedRecommender(s, ctx), kmeans_(kmeans), clusters_(clusters),
        streams_(ctx.seed, ctx.replication, Purpose::kStrategy, name_hash("segment_popular")), seller_(ctx.seller) {
    for (const SegmentRange& r : ctx.segments) segment_end_.push_back(r.end);
  }

 protected:
  void train(const PurchaseHistory& h, const MarketContext& ctx) override {
    history_ = &h;
    const Day since = h.to - schedule().popular_days;
    std::size_t groups = 0;
    label_.assign(h.rows(), 0);
    if (kmeans_) {
      CounterRng rng(streams_.key(seller_), static_cast<std::uint64_t>(ctx.day) << 20);
      const ConsumerClusters c = cluster_consumers(h, ctx, clusters_, rng);
      groups = c.k;
      label_ = c.label;
    } else {
      groups = std::max<std::size_t>(1, segment_end_.size());
      for (std::size_t r = 0; r < h.rows(); ++r) label_[r] = segment_of(h.consumers[r]);
    }
    counts_.assign(groups * h.items, 0);
    for (std::size_t r = 0; r < h.rows(); ++r) {
      for (std::size_t e = h.row_start[r]; e < h.row_start[r + 1]; ++e) {
        counts_[label_[r] * h.items + h.item[e]] += h.last_day[e] >= since;
      }
    }
    // Each segment's ranked list, for its consumers without a history (kmeans: none).
    group_lists_.assign(kmeans_ ? 0 : groups, {});
    for (std::size_t g = 0; g < group_lists_.size(); ++g) {
      for (std::uint32_t i = 0; i < h.items; ++i) {
        if (counts_[g * h.items + i] > 0) group_lists_[g].push_back(i);
      }
      std::stable_sort(group_lists_[g].begin(), group_lists_[g].end(), [&](std::uint32_t a, std::uint32_t b) {
        return counts_[g * h.items + a] > counts_[g * h.items + b];
      });
    }
  }

  std::span<const std::uint32_t> cold_list(ConsumerId c) const override {
    if (kmeans_ || group_lists_.empty()) return LearnedRecommender::cold_list(c);
    return group_lists_[segment_of(c)];
  }

  bool score(std::size_t row, ConsumerId c, std::span<double> scores) const override {
    if (history_ == nullptr || counts_.empty()) return false;
    std::uint32_t g = 0;
    if (kmeans_) {
      if (row == PurchaseHistory::kNone) return false;
      g = label_[row];
    } else {
      g = segment_of(c);
    }
    const std::size_t m = history_->items;
    bool any = false;
    for (std::size_t i = 0; i < m; ++i) {
      const std::uint32_t n = counts_[g * m + i];
      if (n > 0) {
        scores[i] = n;
        any = true;
      }
    }
    return any;
  }

 private:
  std::uint32_t segment_of(ConsumerId c) const {
    const auto it = std::upper_bound(segment_end_.begin(), segment_end_.end(), c);
    return it == segment_end_.end() ? 0u : static_cast<std::uint32_t>(it - segment_end_.begin());
  }

  bool kmeans_;
  std::size_t clusters_;
  StreamFamily streams_;
  SellerId seller_;
  std::vector<std::uint32_t> segment_end_;  // the segments' ends, ascending (ids by segment)
  const PurchaseHistory* history_ = nullptr;
  std::vector<std::uint32_t> label_;        // per history row, its group
  std::vector<std::uint32_t> counts_;       // group x offer: distinct buyers
  std::vector<std::vector<std::uint32_t>> group_lists_;  // by = segment: per segment, its ranked offers
};

}  // namespace

void register_segment_popular() {
  recommender_registry().add({
      "segment_popular",
      "Popularity within the consumer's segment (/market/segments) or K-means cluster of purchase histories.",
      LearnedRecommender::params({
          {.name = "by", .type = ParamType::kString, .default_value = "segment",
           .description = "the groups: the market's segments or K-means clusters", .choices = {"segment", "kmeans"}},
          {.name = "clusters", .type = ParamType::kInteger, .default_value = 4, .min = 1, .max = 64,
           .description = "with by = kmeans: the number of clusters"},
      }),
      [](const Json& p, const BuildContext& ctx) {
        return std::make_unique<SegmentPopular>(LearnedRecommender::schedule(p, ctx), ctx, p["by"] == "kmeans",
                                                p["clusters"].get<std::size_t>());
      },
      examples_from(R"([{"slots": 4, "retrain_days": 1, "history_days": 14}, {"by": "kmeans", "clusters": 3, "slots": 3}])"),
  });
}

}  // namespace marketsim
