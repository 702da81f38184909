// Behaviour "quality_learning" (MODEL.md "Learning"): consumers learn products' quality by
// experience. A belief (mean, variance) starts from the category's prior; after consuming j the
// consumer observes x ~ Normal(q_j, observation_sd^2) and updates it by the normal-normal rule
// (agents/choice.h bayes_update). The belief's mean enters the utility of j. A consumer keeps
// beliefs about its last `memory` products (the oldest is forgotten first). Word of mouth (a
// kMessageHeardQuality message, e.g. from word_of_mouth: a neighbour's experience x of product j)
// is a second-hand observation: the same update with `heard_weight` times the precision of an own
// experience, i.e. observation variance observation_sd^2 / heard_weight (MODEL.md "Word of
// mouth": the told consumer's prior moves toward the teller's experience).
#include <algorithm>
#include <boost/random/normal_distribution.hpp>

#include "agents/behaviour.h"
#include "agents/choice.h"

namespace marketsim {
namespace {

struct BeliefSlot {
  ProductId product;
  float mean;
  float variance;
};

class QualityLearning final : public Behaviour {
 public:
  QualityLearning(const BehaviourContext& ctx, double prior_sd, double observation_sd, std::size_t memory,
                  double heard_weight)
      : catalog_(ctx.catalog),
        offers_(ctx.offers),
        prior_variance_(prior_sd * prior_sd),
        observation_sd_(observation_sd),
        memory_(memory),
        heard_variance_(observation_sd * observation_sd / heard_weight) {}

  unsigned stages() const override { return kStageUtility | kStageSettled | kStageMessages; }

  void declare(ColumnLayout& layout) override {
    beliefs_ = layout.add<BeliefSlot>("quality_learning", "beliefs", memory_);
    added_ = layout.add<std::uint32_t>("quality_learning", "beliefs_added", 1, 0u);
  }

  void utility(VisitBatch& b) const override {
    for (std::size_t v = 0; v < b.consumer.size(); ++v) {
      const ConsumerId c = b.consumer[v];
      const BeliefSlot* slots = b.shard.row(beliefs_, c);
      const std::size_t used = std::min<std::size_t>(*b.shard.row(added_, c), memory_);
      for (std::uint32_t s = b.first_slot[v]; s < b.first_slot[v + 1]; ++s) {
        b.utility[s] += static_cast<float>(belief_mean(slots, used, offers_.product[b.offer[s]]));
      }
    }
  }

  void settled(const SettledBatch& b) const override {
    for (const LineRecord& line : b.lines) {
      if (line.quantity == 0) continue;  // nothing consumed, nothing learnt
      learn(b.shard, line.consumer, line.product, line.visit);
    }
  }

  /// Heard qualities (kMessageHeardQuality: product `data`, experience `value`), in delivery
  /// order: each a weaker observation of the product (variance observation_sd^2 / heard_weight);
  /// a product without a belief gets one from the category prior first (the oldest forgotten).
  void messages(const MessageBatch& b) const override {
    for (const Message& m : b.messages) {
      if (m.kind != kMessageHeardQuality || m.data >= catalog_.quality.size()) continue;
      const auto j = static_cast<ProductId>(m.data);
      BeliefSlot* slots = b.shard.row(beliefs_, m.recipient);
      std::uint32_t& added = *b.shard.row(added_, m.recipient);
      const std::size_t used = std::min<std::size_t>(added, memory_);
      BeliefSlot* slot = nullptr;
      for (std::size_t s = 0; s < used && slot == nullptr; ++s) {
        if (slots[s].product == j) slot = &slots[s];
      }
      if (slot == nullptr) {
        slot = &slots[added % memory_];
        *slot = BeliefSlot{j, static_cast<float>(catalog_.category_quality_mean[catalog_.category[j]]),
                           static_cast<float>(prior_variance_)};
        ++added;
      }
      const Belief heard = bayes_update(Belief{slot->mean, slot->variance}, m.value, heard_variance_);
      slot->mean = static_cast<float>(heard.mean);
      slot->variance = static_cast<float>(heard.variance);
    }
  }

 private:
  double belief_mean(const BeliefSlot* slots, std::size_t used, ProductId j) const {
    for (std::size_t s = 0; s < used; ++s) {
      if (slots[s].product == j) return slots[s].mean;
    }
    return catalog_.category_quality_mean[catalog_.category[j]];
  }

  void learn(const ShardContext& shard, ConsumerId c, ProductId j, std::uint32_t visit) const {
    BeliefSlot* slots = shard.row(beliefs_, c);
    std::uint32_t& added = *shard.row(added_, c);
    const std::size_t used = std::min<std::size_t>(added, memory_);
    BeliefSlot* slot = nullptr;
    for (std::size_t s = 0; s < used && slot == nullptr; ++s) {
      if (slots[s].product == j) slot = &slots[s];
    }
    if (slot == nullptr) {  // first experience: start from the category prior (oldest forgotten)
      slot = &slots[added % memory_];
      *slot = BeliefSlot{j, static_cast<float>(catalog_.category_quality_mean[catalog_.category[j]]),
                         static_cast<float>(prior_variance_)};
      ++added;
    }
    CounterRng rng = shard.stream(c, static_cast<std::uint64_t>(visit) << 20);
    const double x = boost::random::normal_distribution<double>(catalog_.quality[j], observation_sd_)(rng);
    const Belief b = bayes_update(Belief{slot->mean, slot->variance}, x, observation_sd_ * observation_sd_);
    slot->mean = static_cast<float>(b.mean);
    slot->variance = static_cast<float>(b.variance);
  }

  const Catalog& catalog_;
  const Offers& offers_;
  double prior_variance_;
  double observation_sd_;
  std::size_t memory_;
  double heard_variance_;  // of a heard quality: observation_sd^2 / heard_weight
  Column<BeliefSlot> beliefs_;
  Column<std::uint32_t> added_;
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
                          "precision (1: as good as trying it)",
           .min_exclusive = true},
      },
      [](const Json& p, const BehaviourContext& ctx) {
        return std::make_unique<QualityLearning>(ctx, p["prior_sd"].get<double>(),
                                                 p["observation_sd"].get<double>(),
                                                 p["memory"].get<std::size_t>(), p["heard_weight"].get<double>());
      },
  });
}

}  // namespace marketsim
