// Behaviour "quality_learning" (MODEL.md "Learning"): consumers learn products' quality by
// experience. A belief (mean, variance) starts from the category's prior; after consuming j the
// consumer observes x ~ Normal(q_j, observation_sd^2) and updates it by the normal-normal rule
// (agents/choice.h bayes_update). The belief's mean enters the utility of j. A consumer keeps
// beliefs about its last `memory` products (the oldest is forgotten first). Word of mouth (a
// kMessageHeardQuality message, e.g. from word_of_mouth: a neighbour's experience x of product j)
// is a second-hand observation: the same update with `heard_weight` times the precision of an own
// experience, i.e. observation variance observation_sd^2 / heard_weight (MODEL.md "Word of
// mouth": the told consumer's prior moves toward the teller's experience); its weight is counted
// in 32nds like an own experience's (a heard_weight below 1/64 moves nothing).
//
// Columns: "beliefs", a row per consumer holding `memory` slots, filled in the order the
// products were first learnt about (the oldest first; forgetting shifts the others down): the
// means (floats), the products (16-bit ids for catalogues of up to 65,536 products, else 32-bit)
// and the weight of the observations behind each belief (in 32nds of an observation, 16 bits;
// 0: an empty slot); with the default memory of 8 and 16-bit ids a row is 64 bytes, one cache
// line. And "has_beliefs" (1 byte, set at the first belief): a dense column, so that the visit of
// a consumer without beliefs reads one byte, not its row. The variance is not stored: with a
// fixed observation variance it is a function of the observations, 1 / (1/prior_sd^2 +
// n/observation_sd^2), computed in double precision at each update. n saturates at 2,047.97
// observations of one product (beyond, the variance stays at that value).
#include <algorithm>
#include <bit>
#include <boost/random/normal_distribution.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "agents/behaviour.h"
#include "agents/choice.h"
#include "market/shown_set.h"

namespace marketsim {
namespace {

template <typename Id>
class QualityLearning final : public Behaviour {
 public:
  /// Observation weights are counted in 32nds (16 bits: up to 2,047.97 observations).
  static constexpr double kObservationUnits = 32.0;

  QualityLearning(const BehaviourContext& ctx, double prior_sd, double observation_sd, std::size_t memory,
                  double heard_weight)
      : catalog_(ctx.catalog),
        offers_(ctx.offers),
        prior_precision_(1.0 / (prior_sd * prior_sd)),
        observation_variance_(observation_sd * observation_sd),
        unit_precision_(1.0 / (kObservationUnits * observation_variance_)),
        observation_sd_(observation_sd),
        memory_(memory),
        heard_weight_(heard_weight),
        // means, products, observations; a multiple of 4 bytes so that every row's floats align
        row_words_((memory * (sizeof(float) + sizeof(Id) + sizeof(std::uint16_t)) + 3) / 4),
        prior_mean_(ctx.catalog.size()),
        offer_prior_(ctx.offers.size()) {
    for (ProductId j = 0; j < prior_mean_.size(); ++j) {
      prior_mean_[j] = static_cast<float>(catalog_.category_quality_mean[catalog_.category[j]]);
    }
    for (OfferId o = 0; o < offer_prior_.size(); ++o) offer_prior_[o] = prior_mean_[offers_.product[o]];
    common_prior_ = std::all_of(prior_mean_.begin(), prior_mean_.end(),
                                [&](float m) { return std::bit_cast<std::uint32_t>(m) == std::bit_cast<std::uint32_t>(prior_mean_[0]); });
  }

  unsigned stages() const override { return kStageUtility | kStageSettled | kStageMessages; }

  /// engagement, when in the run, hears each experience's surprise.
  void connect(const ModuleDirectory& modules) override { engagement_ = modules.find("engagement"); }

  void declare(ColumnLayout& layout) override {
    beliefs_ = layout.add<std::uint32_t>("quality_learning", "beliefs", row_words_, 0u);
    any_ = layout.add<std::uint8_t>("quality_learning", "has_beliefs", 1, 0);
  }

  void utility(VisitBatch& b) const override {
    ProductId shown[ShownSet::kCapacity];
    float mean[ShownSet::kCapacity];
    std::uint32_t* rows = b.shard.column(beliefs_);
    const std::uint8_t* any = b.shard.column(any_);
    // First the rows of the batch's consumers with beliefs, with loads that do not wait for each
    // other (the visit loop below would wait at each row in turn).
    std::uint32_t touched = 0;
    for (std::size_t v = 0; v < b.consumer.size(); ++v) {
      const std::size_t local = b.consumer[v] - b.shard.begin();
      if (any[local] != 0) touched ^= rows[local * row_words_];
    }
    keep_loaded(touched);
    for (std::size_t v = 0; v < b.consumer.size(); ++v) {
      const std::size_t local = b.consumer[v] - b.shard.begin();
      const std::uint32_t first = b.first_slot[v];
      const std::size_t count = b.first_slot[v + 1] - first;
      float* utility = b.utility.data() + first;
      const OfferId* offer = b.offer.data() + first;
      if (any[local] == 0) {  // no belief yet: the priors
        if (common_prior_) {
          const float prior = prior_mean_[0];
          for (std::size_t k = 0; k < count; ++k) utility[k] += prior;
        } else {
          for (std::size_t k = 0; k < count; ++k) utility[k] += offer_prior_[offer[k]];
        }
        continue;
      }
      // The prior of every shown product, then the beliefs the consumer holds (a product has at
      // most one slot).
      for (std::size_t k = 0; k < count; ++k) {
        shown[k] = offers_.product[offer[k]];
        mean[k] = offer_prior_[offer[k]];
      }
      const Row row = row_at(rows, local);
      for (std::size_t m = 0; m < memory_ && row.observations[m] != 0; ++m) {
        const ProductId j = row.products[m];
        const float mu = row.means[m];
        for (std::size_t k = 0; k < count; ++k) mean[k] = shown[k] == j ? mu : mean[k];
      }
      for (std::size_t k = 0; k < count; ++k) utility[k] += mean[k];
    }
  }

  void settled(const SettledBatch& b) const override {
    // First the rows of the consumers who bought, with loads that overlap (the lines come in
    // commit order, so the update loop would wait at nearly every row in turn).
    const std::uint32_t* rows = b.shard.column(beliefs_);
    std::uint32_t touched = 0;
    for (const LineRecord& line : b.lines) {
      if (line.quantity != 0) touched ^= rows[(line.consumer - b.shard.begin()) * row_words_];
    }
    keep_loaded(touched);
    for (const LineRecord& line : b.lines) {
      if (line.quantity == 0) continue;  // nothing consumed, nothing learnt
      // One consumption experience: x ~ Normal(q_j, observation_sd^2), from the consumer's stream
      // at the visit.
      CounterRng rng = b.shard.stream(line.consumer, static_cast<std::uint64_t>(line.visit) << 20);
      const double x = boost::random::normal_distribution<double>(catalog_.quality[line.product], observation_sd_)(rng);
      const double mu = update_belief(b.shard, line.consumer, line.product, x, 1.0);
      if (engagement_) {  // the surprise, to engagement (issue 26 item 2)
        b.shard.send_to(*engagement_, line.time, line.consumer, line.consumer, kMessageQualitySurprise,
                        static_cast<float>(x - mu), line.product);
      }
    }
  }

  /// Heard qualities (kMessageHeardQuality: product `data`, experience `value`), in delivery
  /// order: each a weaker observation of the product, of weight heard_weight.
  void messages(const MessageBatch& b) const override {
    for (const Message& m : b.messages) {
      if (m.kind != kMessageHeardQuality || m.data >= catalog_.quality.size()) continue;
      update_belief(b.shard, m.recipient, static_cast<ProductId>(m.data), m.value, heard_weight_);
    }
  }

 private:
  /// A consumer's row of the column "beliefs".
  struct Row {
    float* means;
    Id* products;
    std::uint16_t* observations;  // 0: an empty slot (empty slots come last)
  };
  /// The row of the shard's consumer `local` (consumer - shard begin), `rows` the column's base.
  Row row_at(std::uint32_t* rows, std::size_t local) const {
    auto* bytes = reinterpret_cast<unsigned char*>(rows + local * row_words_);
    return Row{reinterpret_cast<float*>(bytes), reinterpret_cast<Id*>(bytes + memory_ * sizeof(float)),
               reinterpret_cast<std::uint16_t*>(bytes + memory_ * (sizeof(float) + sizeof(Id)))};
  }

  /// Updates consumer c's belief about product j (a consumer of `shard`) with an observation x
  /// of weight w in (0, 1] (1: one consumption experience; less: a weaker observation, whose
  /// noise variance is observation_sd^2 / w), by the normal-normal rule. w is rounded to 32nds
  /// (below 1/64: no update). A product without a belief starts from its category's prior,
  /// taking the first free slot, or forgetting the oldest belief when the memory is full.
  /// Returns the belief's mean before the update (the category prior for a new product).
  double update_belief(const ShardContext& shard, ConsumerId c, ProductId j, double x, double w) const {
    const auto units = static_cast<std::uint16_t>(std::clamp(w, 0.0, 1.0) * kObservationUnits + 0.5);
    if (units == 0) return x;
    const std::size_t local = c - shard.begin();
    const Row row = row_at(shard.column(beliefs_), local);
    std::size_t m = 0;
    while (m < memory_ && row.observations[m] != 0 && row.products[m] != j) ++m;
    if (m == memory_ || row.observations[m] == 0) {  // first experience: start from the category prior
      if (m == 0) shard.column(any_)[local] = 1;
      if (m == memory_) {  // forget the oldest
        --m;
        std::copy(row.means + 1, row.means + memory_, row.means);
        std::copy(row.products + 1, row.products + memory_, row.products);
        std::copy(row.observations + 1, row.observations + memory_, row.observations);
      }
      row.means[m] = prior_mean_[j];
      row.products[m] = static_cast<Id>(j);
      row.observations[m] = 0;
    }
    const double variance = 1.0 / (prior_precision_ + row.observations[m] * unit_precision_);
    const Belief posterior =
        bayes_update(Belief{row.means[m], variance}, x, observation_variance_ * kObservationUnits / units);
    const double before = row.means[m];
    row.means[m] = static_cast<float>(posterior.mean);
    row.observations[m] = static_cast<std::uint16_t>(std::min(row.observations[m] + units, 0xffff));
    return before;
  }

  const Catalog& catalog_;
  const Offers& offers_;
  double prior_precision_;       // 1 / prior_sd^2
  double observation_variance_;  // observation_sd^2
  double unit_precision_;        // precision of a 32nd of an observation
  double observation_sd_;
  std::size_t memory_;
  double heard_weight_;  // weight of a heard quality, as a share of an own experience
  std::size_t row_words_;
  std::vector<float> prior_mean_;   // per product: its category's quality_mean
  std::vector<float> offer_prior_;  // per offer: its product's prior mean
  bool common_prior_ = false;       // every product has the same prior mean
  Column<std::uint32_t> beliefs_;
  Column<std::uint8_t> any_;  // 1 once a consumer holds a belief
  std::optional<std::uint16_t> engagement_;  // the run's engagement module, if any
};

}  // namespace

void register_quality_learning() {
  behaviour_registry().add({
      "quality_learning",
      "Bayesian (normal-normal) learning of product quality from consumption; the belief's mean "
      "enters the utility.",
      {
          {.name = "prior_sd", .type = ParamType::kNumber, .default_value = 1.0, .min = 0.0,
           .max = 100.0, .description = "sd of the prior belief (its mean: the category's quality_mean)",
           .min_exclusive = true},
          {.name = "observation_sd", .type = ParamType::kNumber, .default_value = 1.0, .min = 0.0,
           .max = 100.0, .description = "sd of one consumption experience", .min_exclusive = true},
          {.name = "memory", .type = ParamType::kInteger, .default_value = 8, .min = 1, .max = 64,
           .description = "products a consumer keeps beliefs about"},
          {.name = "heard_weight", .type = ParamType::kNumber, .default_value = 0.5, .min = 0.0, .max = 1.0,
           .description = "weight of a quality heard by word of mouth, as a share of an own experience's "
                          "precision (1: as good as trying it; counted in 32nds)",
           .min_exclusive = true},
      },
      [](const Json& p, const BehaviourContext& ctx) -> std::unique_ptr<Behaviour> {
        const double prior_sd = p["prior_sd"].get<double>(), observation_sd = p["observation_sd"].get<double>();
        const auto memory = p["memory"].get<std::size_t>();
        const double heard_weight = p["heard_weight"].get<double>();
        // 16-bit product ids when every id fits.
        if (ctx.catalog.size() <= std::size_t{std::numeric_limits<std::uint16_t>::max()} + 1) {
          return std::make_unique<QualityLearning<std::uint16_t>>(ctx, prior_sd, observation_sd, memory, heard_weight);
        }
        return std::make_unique<QualityLearning<std::uint32_t>>(ctx, prior_sd, observation_sd, memory, heard_weight);
      },
      examples_from(R"([{"prior_sd": 1.0, "observation_sd": 0.8, "memory": 6, "heard_weight": 0.5}])"),
  });
}

}  // namespace marketsim
