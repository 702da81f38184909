// Behaviour "clicks" (MODEL.md "Choice"; issue 8 item 10): a visit's shown offers are
// impressions; the consumer clicks each one independently with probability
// sigmoid(intercept + slope * V), V being the offer's utility so far, and the logit choice runs
// over the clicked offers and the outside option only. An unclicked offer's utility is set to
// kUnclicked (agents/behaviour.h), whose weight (exp clamped at -87, about 1.6e-38) the logit
// draw never reaches in practice: with nothing clicked the total weight rounds to 1 and the
// outside option wins.
// Put it last under /market/behaviours so that V includes the other modules' terms.
//
// The uniform of slot k of a consumer's visit n is draw k + 1 of the module's stream for the
// consumer at counter n * 64 (64 = ShownSet::kCapacity), so draws do not depend on threads.
// Impressions and clicks are counted per consumer for the current day (columns day, impressions,
// clicks, and the same two for the recommendation slots) and reported as the gauges
// "clicks.impressions", "clicks.clicks", "clicks.impressions_recommended" and
// "clicks.clicks_recommended". A visit's last browse_slots shown offers are its organic browsing,
// the others its recommendations (exact unless a visit shows the whole catalogue, when fewer
// than browse_slots may have been browsed).
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "agents/behaviour.h"
#include "market/shown_set.h"

namespace marketsim {
namespace {

class Clicks final : public Behaviour {
 public:
  Clicks(const BehaviourContext& ctx, double intercept, double slope)
      : intercept_(intercept), slope_(slope), browse_(static_cast<std::uint32_t>(ctx.spec.browse_slots)) {}

  unsigned stages() const override { return kStageUtility; }

  void declare(ColumnLayout& layout) override {
    day_ = layout.add<std::int32_t>("clicks", "day", 1, -1);
    impressions_ = layout.add<std::uint32_t>("clicks", "impressions", 1, 0u);
    clicks_ = layout.add<std::uint32_t>("clicks", "clicks", 1, 0u);
    recommended_ = layout.add<std::uint32_t>("clicks", "recommended", 2, 0u);  // impressions, clicks
  }

  /// The probability of clicking an offer of utility v.
  double probability(double v) const { return 1.0 / (1.0 + std::exp(-(intercept_ + slope_ * v))); }

  void utility(VisitBatch& b) const override {
    for (std::size_t v = 0; v < b.consumer.size(); ++v) {
      const ConsumerId c = b.consumer[v];
      const Day today = day_of(b.time[v]);
      std::int32_t& day = *b.shard.row(day_, c);
      std::uint32_t& impressions = *b.shard.row(impressions_, c);
      std::uint32_t& clicks = *b.shard.row(clicks_, c);
      std::uint32_t* recommended = b.shard.row(recommended_, c);
      if (day != today) {
        day = today;
        impressions = 0;
        clicks = 0;
        recommended[0] = 0;
        recommended[1] = 0;
      }
      CounterRng rng = b.shard.stream(c, static_cast<std::uint64_t>(b.visit[v]) * ShownSet::kCapacity);
      const std::uint32_t first = b.first_slot[v], end = b.first_slot[v + 1];
      const std::uint32_t browsed_from = end - std::min(browse_, end - first);
      for (std::uint32_t s = first; s < end; ++s) {
        ++impressions;
        if (s < browsed_from) ++recommended[0];
        if (rng.uniform() < probability(static_cast<double>(b.utility[s]))) {
          ++clicks;
          if (s < browsed_from) ++recommended[1];
        } else {
          b.utility[s] = kUnclicked;
        }
      }
    }
  }

  std::vector<std::string> gauges() const override {
    return {"impressions", "clicks", "impressions_recommended", "clicks_recommended"};
  }

  void gauge(const DayBatch& b, std::span<double> sums) const override {
    const std::int32_t* day = b.shard.column(day_);
    const std::uint32_t* impressions = b.shard.column(impressions_);
    const std::uint32_t* clicks = b.shard.column(clicks_);
    const std::uint32_t* recommended = b.shard.column(recommended_);
    std::uint64_t shown = 0, clicked = 0, shown_recommended = 0, clicked_recommended = 0;
    for (std::size_t i = 0; i < b.shard.end() - b.shard.begin(); ++i) {
      if (day[i] != b.day) continue;
      shown += impressions[i];
      clicked += clicks[i];
      shown_recommended += recommended[2 * i];
      clicked_recommended += recommended[2 * i + 1];
    }
    sums[0] += static_cast<double>(shown);
    sums[1] += static_cast<double>(clicked);
    sums[2] += static_cast<double>(shown_recommended);
    sums[3] += static_cast<double>(clicked_recommended);
  }

 private:
  double intercept_;
  double slope_;
  std::uint32_t browse_;  // organic browsing slots at the end of each visit
  Column<std::int32_t> day_;
  Column<std::uint32_t> impressions_;
  Column<std::uint32_t> clicks_;
  Column<std::uint32_t> recommended_;
};

}  // namespace

void register_clicks() {
  behaviour_registry().add({
      "clicks",
      "Impressions and clicks: each shown offer is clicked with probability "
      "sigmoid(intercept + slope * utility); the choice runs over the clicked offers only. "
      "Place it last among the modules.",
      {
          {.name = "intercept", .type = ParamType::kNumber, .default_value = 0.0, .min = -50.0,
           .max = 50.0, .description = "c0, log-odds of a click at utility 0"},
          {.name = "slope", .type = ParamType::kNumber, .default_value = 1.0, .min = 0.0,
           .max = 100.0, .description = "c1, log-odds of a click per unit of utility (0: a constant click rate)"},
      },
      [](const Json& p, const BehaviourContext& ctx) {
        return std::make_unique<Clicks>(ctx, p["intercept"].get<double>(), p["slope"].get<double>());
      },
  });
}

}  // namespace marketsim
