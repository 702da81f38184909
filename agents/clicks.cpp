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
// clicks) and reported as the gauges "clicks.impressions" and "clicks.clicks".
#include <cmath>
#include <cstdint>

#include "agents/behaviour.h"
#include "market/shown_set.h"

namespace marketsim {
namespace {

class Clicks final : public Behaviour {
 public:
  Clicks(double intercept, double slope) : intercept_(intercept), slope_(slope) {}

  unsigned stages() const override { return kStageUtility; }

  void declare(ColumnLayout& layout) override {
    day_ = layout.add<std::int32_t>("clicks", "day", 1, -1);
    impressions_ = layout.add<std::uint32_t>("clicks", "impressions", 1, 0u);
    clicks_ = layout.add<std::uint32_t>("clicks", "clicks", 1, 0u);
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
      if (day != today) {
        day = today;
        impressions = 0;
        clicks = 0;
      }
      CounterRng rng = b.shard.stream(c, static_cast<std::uint64_t>(b.visit[v]) * ShownSet::kCapacity);
      for (std::uint32_t s = b.first_slot[v]; s < b.first_slot[v + 1]; ++s) {
        ++impressions;
        if (rng.uniform() < probability(static_cast<double>(b.utility[s]))) {
          ++clicks;
        } else {
          b.utility[s] = kUnclicked;
        }
      }
    }
  }

  std::vector<std::string> gauges() const override { return {"impressions", "clicks"}; }

  void gauge(const DayBatch& b, std::span<double> sums) const override {
    const std::int32_t* day = b.shard.column(day_);
    const std::uint32_t* impressions = b.shard.column(impressions_);
    const std::uint32_t* clicks = b.shard.column(clicks_);
    std::uint64_t shown = 0, clicked = 0;
    for (std::size_t i = 0; i < b.shard.end() - b.shard.begin(); ++i) {
      if (day[i] != b.day) continue;
      shown += impressions[i];
      clicked += clicks[i];
    }
    sums[0] += static_cast<double>(shown);
    sums[1] += static_cast<double>(clicked);
  }

 private:
  double intercept_;
  double slope_;
  Column<std::int32_t> day_;
  Column<std::uint32_t> impressions_;
  Column<std::uint32_t> clicks_;
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
      [](const Json& p, const BehaviourContext&) {
        return std::make_unique<Clicks>(p["intercept"].get<double>(), p["slope"].get<double>());
      },
  });
}

}  // namespace marketsim
