// Metrics of what recommendation does to the market over time (the feedback loop: popular offers
// shown more, bought more, shown more), over the recommendation slots of every seller's
// recommender (not featured slots, mechanics' offers or browsing):
//   catalogue_coverage    the share of the market's offers recommended at least once (daily: that
//                         day; total: over the measured days). Ge, Delgado-Battenfeld and Jannach
//                         2010, "Beyond accuracy: evaluating recommender systems by coverage and
//                         serendipity".
//   exposure_gini         the Gini coefficient of recommendation exposures across the market's
//                         offers: 0 when every offer is shown equally, near 1 when a few take all.
//   novelty               the mean self-information of recommended offers, -log2 p_o, with p_o the
//                         offer's share of the units sold from the start of the run to the day
//                         before, Laplace-smoothed ((units_o + 1) / (units + offers)): bits; high
//                         when lists show what few people buy (Zhou et al. 2010, "Solving the
//                         apparent diversity-accuracy dilemma of recommender systems", PNAS).
//   intra_list_diversity  over visits' recommendation lists of two or more offers, the share of
//                         pairs of listed offers whose products are in different categories
//                         (Ziegler et al. 2005, "Improving recommendation lists through topic
//                         diversification"); total: pairs over the measured days.
//   sales_concentration   the Gini coefficient of units sold across the market's offers (Fleder
//                         and Hosanagar 2009, "Blockbuster culture's next rise or fall", measure
//                         sales diversity by the Gini): a recommender that feeds the best sellers
//                         raises it.
// Gini: G = sum_i (2 i - n - 1) x_(i) / (n sum x), x ascending, i = 1..n over all n offers; undefined
// (empty) when nothing was shown or sold.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "analysis/metric.h"

namespace marketsim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <typename T>
double gini(std::vector<T> x) {
  std::sort(x.begin(), x.end());
  double total = 0, weighted = 0;
  const auto n = static_cast<double>(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const auto v = static_cast<double>(x[i]);
    total += v;
    weighted += (2.0 * static_cast<double>(i + 1) - n - 1.0) * v;
  }
  return total > 0 ? weighted / (n * total) : kNaN;
}

class RecommendationMetrics final : public MetricCollector {
 public:
  explicit RecommendationMetrics(const MetricContext& ctx)
      : warmup_(ctx.warmup_days), offers_(ctx.market.offers.size()), sold_(offers_, 0), sold_today_(offers_, 0),
        measured_shown_(offers_, 0), measured_sold_(offers_, 0) {}

  void on_window(const WindowRecords& records) override {
    for (const LineRecord& l : records.lines) sold_today_[l.offer] += l.quantity;
  }

  void on_day_end(const DayRecord& day, std::span<double> values) override {
    const std::span<const std::uint32_t> shown = day.recommended;
    double exposures = 0, bits = 0;
    std::size_t covered = 0;
    if (!shown.empty()) {
      double units = 0;
      for (std::uint64_t u : sold_) units += static_cast<double>(u);
      const double denominator = units + static_cast<double>(offers_);
      for (std::size_t o = 0; o < offers_; ++o) {
        if (shown[o] == 0) continue;
        ++covered;
        exposures += shown[o];
        bits += shown[o] * -std::log2((static_cast<double>(sold_[o]) + 1.0) / denominator);
      }
    }
    values[0] = shown.empty() ? kNaN : static_cast<double>(covered) / static_cast<double>(offers_);
    values[1] = shown.empty() ? kNaN : gini(std::vector<std::uint32_t>(shown.begin(), shown.end()));
    values[2] = exposures > 0 ? bits / exposures : kNaN;
    values[3] = day.list_pairs > 0 ? static_cast<double>(day.diverse_pairs) / static_cast<double>(day.list_pairs) : kNaN;
    values[4] = gini(sold_today_);
    if (day.day >= warmup_) {
      for (std::size_t o = 0; o < offers_ && !shown.empty(); ++o) measured_shown_[o] += shown[o];
      for (std::size_t o = 0; o < offers_; ++o) measured_sold_[o] += sold_today_[o];
      bits_ += bits;
      exposures_ += exposures;
      list_pairs_ += day.list_pairs;
      diverse_pairs_ += day.diverse_pairs;
    }
    for (std::size_t o = 0; o < offers_; ++o) sold_[o] += sold_today_[o];
    std::fill(sold_today_.begin(), sold_today_.end(), 0);
  }

  void totals(std::span<double> totals) const override {
    std::size_t covered = 0;
    for (std::uint64_t s : measured_shown_) covered += s > 0;
    totals[0] = exposures_ > 0 ? static_cast<double>(covered) / static_cast<double>(offers_) : kNaN;
    totals[1] = gini(measured_shown_);
    totals[2] = exposures_ > 0 ? bits_ / exposures_ : kNaN;
    totals[3] = list_pairs_ > 0 ? static_cast<double>(diverse_pairs_) / static_cast<double>(list_pairs_) : kNaN;
    totals[4] = gini(measured_sold_);
  }

 private:
  Day warmup_;
  std::size_t offers_;
  std::vector<std::uint64_t> sold_;        // units per offer before today (whole run)
  std::vector<std::uint64_t> sold_today_;
  std::vector<std::uint64_t> measured_shown_, measured_sold_;
  double bits_ = 0, exposures_ = 0;
  std::uint64_t list_pairs_ = 0, diverse_pairs_ = 0;
};

MetricInfo ratio(std::string name, std::string description, MetricUnit unit = MetricUnit::kRatio) {
  return MetricInfo{.name = std::move(name), .description = std::move(description), .unit = unit,
                    .totaling = Totaling::kCollector};
}

}  // namespace

void register_recommendation_metrics() {
  metric_registry().push_back(
      CollectorInfo{"recommendation",
                    "what recommendation lists do to the market over time: coverage, exposure and sales concentration, "
                    "novelty, diversity",
                    kSignalDays | kSignalLines | kSignalRecommendations,
                    {ratio("catalogue_coverage", "share of the market's offers recommended at least once"),
                     ratio("exposure_gini", "Gini coefficient of recommendation exposures across offers"),
                     ratio("novelty", "mean self-information of recommended offers, -log2 of their share of units sold (bits)",
                           MetricUnit::kCount),
                     ratio("intra_list_diversity", "share of pairs of recommended offers (a visit's list) in different categories"),
                     ratio("sales_concentration", "Gini coefficient of units sold across offers")},
                    {},
                    [](const MetricContext& ctx) { return std::make_unique<RecommendationMetrics>(ctx); }}
          .with_breakdown(kBreakdownTotal, "a statistic of the whole market's offers (shares, Gini coefficients, bits), not a sum that cells could split")
          .with_example(R"({"arm": {"recommendation": {"name": "popular_plus_random", "popular": 3, "random": 3}}})"));
}

}  // namespace marketsim
