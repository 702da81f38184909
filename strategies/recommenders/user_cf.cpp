// Recommendation "user_cf": user-based collaborative filtering (Herlocker, Konstan, Borchers and
// Riedl 1999) over purchase histories. Consumers u and v are similar by the cosine of their sets
// of distinct offers bought in the history, s_uv = |I_u & I_v| / sqrt(|I_u| |I_v|); a consumer's
// `neighbours` most similar consumers (ties to the lower consumer id) score offer j by
// sum over neighbours v who bought j of s_uv. Neighbours are found through the inverted index
// (per offer, its buyers): only consumers sharing an offer are ever compared, never all pairs; an
// offer with more than `max_postings` buyers contributes its first max_postings buyers by id (the
// cost of a popular offer is bounded; consumers' ids carry no order of their own).
// Cold start: a consumer without purchases in the history gets the popular list; offers no
// neighbour bought have no score (popularity fills the list).
#include <algorithm>
#include <cmath>

#include "strategies/recommenders/learned.h"
#include "strategies/registry.h"

namespace marketsim {
namespace {

class UserCf final : public LearnedRecommender {
 public:
  UserCf(const Schedule& s, const BuildContext& ctx, std::size_t neighbours, std::size_t max_postings)
      : LearnedRecommender(s, ctx), neighbours_(neighbours), max_postings_(max_postings) {}

 protected:
  void train(const PurchaseHistory& h, const MarketContext&) override { history_ = &h; }

  bool score(std::size_t row, ConsumerId, std::span<double> scores) const override {
    if (row == PurchaseHistory::kNone || history_ == nullptr) return false;
    const PurchaseHistory& h = *history_;
    thread_local std::vector<std::uint32_t> overlap;
    thread_local std::vector<std::uint32_t> touched;
    if (overlap.size() < h.rows()) overlap.assign(h.rows(), 0);
    touched.clear();
    for (std::uint32_t i : h.items_of(row)) {
      const auto buyers = h.buyers_of(i);
      const std::size_t n = std::min(buyers.size(), max_postings_);
      for (std::size_t k = 0; k < n; ++k) {
        const std::uint32_t v = buyers[k];
        if (v == row) continue;
        if (overlap[v]++ == 0) touched.push_back(v);
      }
    }
    std::vector<std::pair<std::uint32_t, double>> near;
    near.reserve(touched.size());
    const double nu = static_cast<double>(h.items_of(row).size());
    for (std::uint32_t v : touched) {
      near.emplace_back(v, overlap[v] / std::sqrt(nu * static_cast<double>(h.items_of(v).size())));
      overlap[v] = 0;
    }
    if (near.empty()) return false;
    const std::size_t keep = std::min(neighbours_, near.size());
    // Rows ascend with consumer ids: ties to the lower row are ties to the lower id.
    std::partial_sort(near.begin(), near.begin() + static_cast<std::ptrdiff_t>(keep), near.end(),
                      [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
    for (std::size_t k = 0; k < keep; ++k) {
      for (std::uint32_t j : h.items_of(near[k].first)) {
        double& s = scores[j];
        s = std::isfinite(s) ? s + near[k].second : near[k].second;
      }
    }
    return true;
  }

 private:
  std::size_t neighbours_, max_postings_;
  const PurchaseHistory* history_ = nullptr;
};

}  // namespace

void register_user_cf() {
  recommender_registry().add({
      "user_cf",
      "User-based collaborative filtering: the consumer's nearest neighbours by purchase history (cosine, found "
      "through an inverted index) vote for what they bought; popular list for consumers without a history.",
      LearnedRecommender::params({
          {.name = "neighbours", .type = ParamType::kInteger, .default_value = 30, .min = 1, .max = 10000,
           .description = "nearest consumers whose purchases score the list"},
          {.name = "max_postings", .type = ParamType::kInteger, .default_value = 2000, .min = 1, .max = 10000000,
           .description = "buyers per offer the neighbour search visits (the first by id)"},
      }),
      [](const Json& p, const BuildContext& ctx) {
        return std::make_unique<UserCf>(LearnedRecommender::schedule(p, ctx), ctx, p["neighbours"].get<std::size_t>(),
                                        p["max_postings"].get<std::size_t>());
      },
      examples_from(R"([{"slots": 4, "retrain_days": 1, "history_days": 14, "neighbours": 10}])"),
  });
}

}  // namespace marketsim
