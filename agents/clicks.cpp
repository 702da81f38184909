// Behaviour "clicks" (MODEL.md "Choice"; issue 8 item 10): a visit's shown offers are
// impressions; the consumer clicks each one independently with probability
// sigmoid(intercept + slope * V), V being the offer's utility so far, and the logit choice runs
// over the clicked offers and the outside option only. An unclicked offer's utility is set to
// kUnclicked (agents/behaviour.h), whose weight (exp clamped at -87, about 1.6e-38) the logit
// draw never reaches in practice: with nothing clicked the total weight rounds to 1 and the
// outside option wins.
// Put it last under /market/behaviours so that V includes the other modules' terms.
//
// The uniform of slot k of a consumer's visit n is one half of draw k / 2 + 1 of the module's
// stream for the consumer at counter n * 64 (kStreamStride: 128 slots a visit, checked): the high 32 bits for
// even k, the low 32 bits for odd k (a uniform on a grid of 2^-32, ample for a click
// probability), so draws do not depend on threads and one draw serves two slots. The
// uniform (as its 32 bits) is compared with bounds of the probability read from a table over a grid of
// z = intercept + slope * V (8 cells per unit of z in [-64, 64]); the probability itself (std::exp)
// is computed only when the uniform falls between the bounds (0.2% of the impressions of
// bench/full-behaviour.json), so every click is decided exactly as by computing it.
//
// Impressions and clicks are counted per shard for the current day (agents/per_shard.h: a shard's
// hooks run on one thread at a time, and gauge() reads and resets the shard's tally once per day
// after the day's visits), and reported as the gauges
// "clicks.impressions", "clicks.clicks", "clicks.impressions_recommended",
// "clicks.clicks_recommended" and, per slot position k (0 = the first shown offer, up to the
// most offers an arm shows per visit, MarketSpec::max_shown: its sellers' recommendation slots +
// browse_slots),
// "clicks.impressions_slot[k]" and "clicks.clicks_slot[k]". A visit's last browse_slots shown
// offers are its organic browsing, the others its recommendations (exact unless a visit shows
// the whole catalogue, when fewer than browse_slots may have been browsed).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agents/behaviour.h"
#include "agents/click_model.h"
#include "sim/error.h"
#include "agents/per_shard.h"
#include "market/shown_set.h"

namespace marketsim {
namespace {

/// Counters of a consumer's stream per visit: two slots a draw, so 128 slots a visit (a visit shows
/// at most 64 offers in most scenarios; ShownSet::kCapacity is 255, checked at construction).
constexpr std::uint64_t kStreamStride = 64;

/// A shard's counts of the current day.
struct alignas(64) Tally {
  std::array<std::uint64_t, ShownSet::kCapacity + 1> visits_by_size{};  // visits showing k offers
  std::array<std::uint64_t, ShownSet::kCapacity> clicks{};              // clicks per slot position
  std::uint64_t impressions_recommended = 0;
  std::uint64_t clicks_recommended = 0;
};

class Clicks final : public Behaviour, public ClickModel {
 public:
  Clicks(const BehaviourContext& ctx, double intercept, double slope)
      : intercept_(intercept),
        slope_(slope),
        browse_(static_cast<std::uint32_t>(ctx.spec.browse_slots)),
        positions_(positions(ctx)) {
    // Cell i covers z in [z_i, z_i+1], z_i = -kZMax + i / kCellsPerUnit. The exact sigmoid rises
    // with z, and P as computed is within a few ulps (relative 1e-15) of it, so P(z) lies within
    // [P(z_i), P(z_i+1)] widened by 1e-9 (relative), which also covers the rounding of the cell
    // index (z off by up to 1e-14).
    // The uniform is h * 2^-32 for a 32-bit h, so u < lower is h < ceil(lower * 2^32) and u >=
    // upper is h >= ceil(upper * 2^32) (scaling by 2^32 is exact): the table holds those integer
    // bounds, and h is compared with them directly.
    for (std::size_t i = 0; i <= kCells; ++i) {
      const double z = -kZMax + static_cast<double>(i) / kCellsPerUnit;
      lower_[i] = static_cast<std::uint64_t>(std::ceil(probability(z) * (1.0 - 1e-9) * 0x1.0p32));
      upper_[i] = static_cast<std::uint64_t>(std::ceil(probability(z + 1.0 / kCellsPerUnit) * (1.0 + 1e-9) * 0x1.0p32));
    }
  }

  unsigned stages() const override { return kStageUtility; }

  void utility(VisitBatch& b) const override {
    Tally& tally = tallies_.get(b.shard.index());
    for (std::size_t v = 0; v < b.consumer.size(); ++v) {
      CounterRng rng = b.shard.stream(b.consumer[v], static_cast<std::uint64_t>(b.visit[v]) * kStreamStride);
      const std::uint32_t first = b.first_slot[v], end = b.first_slot[v + 1];
      const std::uint32_t browsed_from = end - std::min(browse_, end - first);
      std::uint64_t clicked_recommended = 0;
      std::uint64_t bits = 0;
      for (std::uint32_t s = first; s < end; ++s) {
        std::uint32_t half;
        if (((s - first) & 1u) == 0) {
          bits = rng();
          half = static_cast<std::uint32_t>(bits >> 32);
        } else {
          half = static_cast<std::uint32_t>(bits);
        }
        const bool clicked = click(intercept_ + slope_ * static_cast<double>(b.utility[s]), half);
        tally.clicks[s - first] += clicked;
        clicked_recommended += clicked && s < browsed_from;
        if (!clicked) b.utility[s] = kUnclicked;
      }
      ++tally.visits_by_size[end - first];
      tally.impressions_recommended += browsed_from - first;
      tally.clicks_recommended += clicked_recommended;
    }
  }

  std::vector<std::string> gauges() const override {
    std::vector<std::string> names = {"impressions", "clicks", "impressions_recommended", "clicks_recommended"};
    for (std::size_t k = 0; k < positions_; ++k) names.push_back("impressions_slot[" + std::to_string(k) + "]");
    for (std::size_t k = 0; k < positions_; ++k) names.push_back("clicks_slot[" + std::to_string(k) + "]");
    return names;
  }

  void gauge(const DayBatch& b, std::span<double> sums) const override {
    Tally& tally = tallies_.get(b.shard.index());
    // Impressions at position k: the visits that showed more than k offers.
    std::uint64_t shown = 0, clicked = 0, at_or_beyond = 0;
    for (std::size_t k = ShownSet::kCapacity; k-- > 0;) {
      at_or_beyond += tally.visits_by_size[k + 1];
      shown += at_or_beyond;
      clicked += tally.clicks[k];
      if (k < positions_) {
        sums[4 + k] += static_cast<double>(at_or_beyond);
        sums[4 + positions_ + k] += static_cast<double>(tally.clicks[k]);
      }
    }
    sums[0] += static_cast<double>(shown);
    sums[1] += static_cast<double>(clicked);
    sums[2] += static_cast<double>(tally.impressions_recommended);
    sums[3] += static_cast<double>(tally.clicks_recommended);
    tally = Tally{};
  }

 private:
  static constexpr double kZMax = 64.0;
  static constexpr double kCellsPerUnit = 8.0;
  static constexpr std::size_t kCells = 1024;  // 2 * kZMax * kCellsPerUnit

  /// The probability of clicking an offer whose log-odds are z.
  static double probability(double z) { return 1.0 / (1.0 + std::exp(-z)); }

  /// Whether the uniform h * 2^-32 clicks at log-odds z: h * 2^-32 < probability(z), computed
  /// only when the table's bounds do not decide it.
  bool click(double z, std::uint32_t h) const {
    if (std::fabs(z) < kZMax) {  // cell (z + kZMax) * kCellsPerUnit, at most kCells once rounded
      const auto i = static_cast<std::size_t>(static_cast<std::int64_t>((z + kZMax) * kCellsPerUnit));
      if (h < lower_[i]) return true;
      if (h >= upper_[i]) return false;
    }
    return static_cast<double>(h) * 0x1.0p-32 < probability(z);
  }

  /// The slot positions a visit can fill: the most offers any arm shows per visit (set by the
  /// scenario loader), else every position the catalogue's offers allow.
  static std::size_t positions(const BehaviourContext& ctx) {
    const auto most = ctx.spec.max_shown > 0 ? static_cast<std::size_t>(ctx.spec.max_shown) : ShownSet::kCapacity;
    return std::min({most, ShownSet::kCapacity, ctx.offers.size()});
  }

  double intercept_;
  double slope_;
  std::uint32_t browse_;   // organic browsing slots at the end of each visit
  std::size_t positions_;  // slot positions with gauges
  std::array<std::uint64_t, kCells + 1> lower_;  // h below it: clicked
  std::array<std::uint64_t, kCells + 1> upper_;  // h at or above it: not clicked
  PerShard<Tally> tallies_;
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
        if (ctx.spec.max_shown > static_cast<std::int64_t>(2 * kStreamStride)) {
          throw ParamError("intercept", "the clicks module draws for at most " + std::to_string(2 * kStreamStride) +
                                            " offers shown per visit; the scenario shows up to " +
                                            std::to_string(ctx.spec.max_shown));
        }
        return std::make_unique<Clicks>(ctx, p["intercept"].get<double>(), p["slope"].get<double>());
      },
      examples_from(R"([{"intercept": 0.5, "slope": 1.0}])"),
  });
}

}  // namespace marketsim
