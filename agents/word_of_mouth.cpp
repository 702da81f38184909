// Behaviour "word_of_mouth" (MODEL.md "Word of mouth"; issue 8 items 6 and 7): awareness of new
// products, spread on a social graph.
//
// The scenario names up to 64 new products (`new_products`); a consumer keeps one awareness bit
// and one adoption bit per new product (16 bytes per consumer) and a count of notifications
// (4 bytes). An unaware consumer never chooses a new product even when it is shown (its utility
// is set to kUnaware = -1e30, which the engine's exp clamps to exp(-87) ~ 1.6e-38: a weight
// that no float sum with the outside option's 1 can register). Awareness comes from
//   - spontaneous discovery: with probability `discovery_rate` per day (daily hook, at the day's
//     end). The default, 1 - 0.97^(1/365) = 8.345e-5 a day, is Bass's coefficient of innovation
//     at the mean of Sultan, Farley and Lehmann's meta-analysis (1990, "A Meta-Analysis of
//     Applications of Diffusion Models", JMR 27(1): p = 0.03 a year) turned into a daily
//     probability. p is a rate of adoption from outside influence; a consumer must be aware
//     to adopt, so as an awareness rate it is a lower bound: the shop's own channels
//     (impressions, notifications) and word of mouth add the rest;
//   - a notification (a kNotify command of any strategy): aware of each new product with
//     probability `notify_awareness`;
//   - an impression: each time it is shown in a slot, with probability `impression_awareness`,
//     taking effect at once (the consumer may buy it in that very visit);
//   - word of mouth: a message from a neighbour on the social graph. A tell takes effect
//     `tell_delay_days` after it is sent (default 1: the one-period lag of the discrete-time Bass
//     model, Bass 1969, where this period's adoptions respond to last period's adopters; a daily
//     tell is the contact of its whole day, sent at the day's start). Awareness is stored as a
//     time per (consumer, new product): a tell reaches the neighbour's shard at the end of the
//     window it was sent in and holds from its effective time on, so while the delay is at least
//     window_days, nothing depends on the window length (issue 26 item 6: at a delay of 0 a tell
//     sent within a window holds from that window's end, which is the window-dependent lag).
// Adoption is the first purchase (and a buyer is aware). Telling (`telling`):
//   "purchase": after each purchase of a new product the buyer tells each neighbour with
//               probability `tell_probability` (MODEL.md);
//   "daily":    every aware consumer tells each neighbour, every day, with probability
//               `tell_probability` (the contagion of Bass's model, with awareness as the state:
//               on a complete graph of n consumers an unaware one's daily hazard is
//               p + tell_probability * aware, i.e. Bass's p + q F with q = tell_probability * n).
// A told neighbour also moves its prior toward the teller's experience (MODEL.md) when the run has
// quality_learning, which holds the beliefs: along with each tell of an adopter (a teller who has
// bought the product) goes a kMessageHeardQuality message to quality_learning, carrying the
// teller's experience of the product, its true quality plus Normal(0, experience_sd^2) noise
// drawn once per (teller, product); quality_learning weighs it by its `heard_weight`. Without
// quality_learning nothing more is sent. Awareness also adds `aware_utility` to the new product's
// utility (0 by default), a stand-in for a favourable prior that needs no quality_learning.
//
// Gauges: "aware" and "adopters" (summed over new products), "graph_bytes", and per new product
// "aware[ID]" and "adopters[ID]" (ID: its catalog id), from per-shard counts kept as bits are set
// (a told consumer counts as aware at the first day's end after its tell takes effect).
//
// The graph belongs to the run's module instance, drawn at first use from the module's stream
// (seed, replication, module name): the same in every arm of a replication, a fresh one per
// replication (also when the market is shared). Stored graphs cost 4 bytes per edge end plus 8
// per consumer (gauge graph_bytes); ring and complete graphs are implicit.
#include <array>
#include <algorithm>
#include <bit>
#include <boost/random/exponential_distribution.hpp>
#include <boost/random/normal_distribution.hpp>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agents/behaviour.h"
#include "agents/shared_resources.h"
#include "agents/social_graph.h"
#include "market/product_selector.h"
#include "sim/error.h"

namespace marketsim {
namespace {

/// Bass's coefficient of innovation at the mean of Sultan, Farley and Lehmann (1990), 0.03 a
/// year, as a daily probability: 1 - (1 - 0.03)^(1/365).
const double kBassDailyP = -std::expm1(std::log1p(-0.03) / 365.0);

constexpr float kUnaware = -1e30f;
constexpr std::size_t kMaxNewProducts = 64;
constexpr double kMaxCompleteMessages = 1e7;  // a day's messages on the complete graph, at most

// Stream counters: a purpose tag in the top bits, then a deterministic function of the state.
constexpr std::uint64_t kTagGraph = 1ull << 60;
constexpr std::uint64_t kTagDiscovery = 2ull << 60;
constexpr std::uint64_t kTagDailyTell = 3ull << 60;
constexpr std::uint64_t kTagPurchaseTell = 4ull << 60;
constexpr std::uint64_t kTagImpression = 5ull << 60;
constexpr std::uint64_t kTagNotify = 6ull << 60;
constexpr std::uint64_t kTagDiscoveryChain = 7ull << 60;
constexpr std::uint64_t kTagExperience = 8ull << 60;

/// Discovery draws its candidates block by block: the chain of consumers [b, b + kDiscoveryBlock)
/// (b a multiple of the block) is keyed by b, so it does not depend on how shards cut the
/// population (nor on threads).
constexpr ConsumerId kDiscoveryBlock = 4096;
/// Discovery candidates listed at a time before they are taken.
constexpr std::size_t kDiscoveryChunk = 32;

enum class Telling { kPurchase, kDaily };

struct WomParams {
  GraphKind graph;
  std::uint32_t degree;
  double rewire;
  double tell_probability;
  Telling telling;
  double discovery_rate;
  double impression_awareness;
  double notify_awareness;
  float aware_utility;
  double experience_sd;
  double tell_delay;  // days from a tell's sending to its effect
};

/// A shard's count of aware consumers and of adopters per new product, kept as the bits are set
/// (bits are never cleared): the gauges read them instead of counting every consumer's bits every
/// day. Only the shard's own hooks touch them.
struct ShardCounts {
  std::array<std::uint32_t, kMaxNewProducts> aware{};
  std::array<std::uint32_t, kMaxNewProducts> adopted{};
  /// Tells received that take effect later (effective time, new product): counted as aware by
  /// the daily hook of the day they take effect in.
  std::vector<std::pair<float, int>> pending;
};

/// `t` as a float no later than t (awareness from t on must hold at t).
float at_or_before(double t) {
  float f = static_cast<float>(t);
  if (static_cast<double>(f) > t) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
  return f;
}

constexpr float kNotAware = std::numeric_limits<float>::infinity();

class WordOfMouth final : public Behaviour {
 public:
  WordOfMouth(const BehaviourContext& ctx, const WomParams& p, const std::vector<char>& is_new)
      : quality_(ctx.catalog.quality),
        p_(p),
        consumers_(static_cast<std::uint32_t>(ctx.spec.consumers())),
        index_(is_new.size(), -1),
        offer_index_(ctx.offers.size(), -1) {
    for (std::size_t j = 0; j < is_new.size(); ++j) {
      if (!is_new[j]) continue;
      index_[j] = static_cast<std::int8_t>(products_++);
      new_products_.push_back(static_cast<ProductId>(j));
    }
    for (std::size_t o = 0; o < offer_index_.size(); ++o) offer_index_[o] = index_[ctx.offers.product[o]];
    all_ = products_ == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << products_) - 1;
    for (std::size_t n = 0; n < any_discovery_.size(); ++n) {
      any_discovery_[n] = -std::expm1(static_cast<double>(n) * std::log1p(-p_.discovery_rate));
    }
    // Candidates for discovery come at the rate of a consumer unaware of every new product; one
    // unaware of n of them is accepted with probability any(n) / any(all).
    const double most = any_discovery_[products_];
    for (std::size_t n = 0; n <= products_; ++n) accept_discovery_[n] = most > 0.0 ? any_discovery_[n] / most : 0.0;
    candidate_rate_ = -std::log1p(-most);  // +inf when every consumer is a candidate
    tell_rate_ = -std::log1p(-p_.tell_probability);
    // The graph is the replication's, the same for every arm: drawn once with the market when
    // the runner shares it (from the stream the module's own would use: same graph either way).
    if (ctx.shared != nullptr) {
      const std::uint64_t seed = ctx.shared->seed(), replication = ctx.shared->replication();
      const std::string key = "word_of_mouth.graph/" + std::to_string(static_cast<int>(p_.graph)) + "/" +
                              std::to_string(consumers_) + "/" + std::to_string(p_.degree) + "/" +
                              std::to_string(std::bit_cast<std::uint64_t>(p_.rewire));
      graph_ = ctx.shared->get<SocialGraph>(key, [&] {
        const StreamFamily streams(seed, replication, Purpose::kBehaviour, name_hash(kName));
        return SocialGraph(p_.graph, consumers_, p_.degree, p_.rewire, CounterRng(streams.key(0), kTagGraph));
      });
    }
  }

  /// The registered name (keys the module's streams: engine/simulation.cpp).
  static constexpr const char* kName = "word_of_mouth";

  unsigned stages() const override {
    return kStageUtility | kStageSettled | kStageDaily | kStageMessages | kStageCommands;
  }
  std::uint64_t commands_handled() const override { return command_bit(notify_kind()); }

  /// Tellers also tell quality_learning, when the run has it, what they experienced.
  void connect(const ModuleDirectory& modules) override { quality_learning_ = modules.find("quality_learning"); }

  double bytes_per_consumer_outside_columns() const override {
    // The compressed sparse row graph: 4 bytes per edge end and 8 per row (implicit graphs: none).
    return p_.graph == GraphKind::kRing || p_.graph == GraphKind::kComplete ? 0.0 : 4.0 * p_.degree + 8.0;
  }

  void declare(ColumnLayout& layout) override {
    aware_ = layout.add<std::uint64_t>("word_of_mouth", "aware", 1, 0);
    adopted_ = layout.add<std::uint64_t>("word_of_mouth", "adopted", 1, 0);
    notified_ = layout.add<std::uint32_t>("word_of_mouth", "notifications", 1, 0u);
    aware_at_ = layout.add<float>("word_of_mouth", "aware_at", std::max<std::size_t>(products_, 1), kNotAware);
  }

  void utility(VisitBatch& b) const override {
    // Most shown offers are not new products: the scan of the slots touches only the slot's offer
    // and its bit; a new product's slot goes to shown_new().
    const OfferId* offer = b.offer.data();
    const std::uint32_t* first_slot = b.first_slot.data();
    const std::int8_t* index = offer_index_.data();
    ShardCounts* counts = nullptr;  // looked up at the first impression that makes aware
    for (std::size_t v = 0; v < b.consumer.size(); ++v) {
      const std::uint32_t end = first_slot[v + 1];
      for (std::uint32_t s = first_slot[v]; s < end; ++s) {
        const int k = index[offer[s]];
        if (k >= 0) shown_new(b, v, s, k, counts);
      }
    }
  }

  void settled(const SettledBatch& b) const override {
    ShardCounts* counts = nullptr;
    for (const LineRecord& line : b.lines) {
      if (line.quantity == 0) continue;
      const int k = index_[line.product];
      if (k < 0) continue;
      if (counts == nullptr) counts = &shard_counts(b.shard);
      make_aware(b.shard, line.consumer, k, line.time, *counts);
      std::uint64_t& adopted = *b.shard.row(adopted_, line.consumer);
      if ((adopted & (std::uint64_t{1} << k)) == 0) {
        adopted |= std::uint64_t{1} << k;
        ++counts->adopted[static_cast<std::size_t>(k)];
      }
      if (p_.telling == Telling::kPurchase) {
        tell(b.shard, line.consumer, line.time, k,
             kTagPurchaseTell | (static_cast<std::uint64_t>(line.visit) << 24) |
                 (static_cast<std::uint64_t>(line.line) << 8),
             true);
      }
    }
  }

  void daily(const DayBatch& b) const override {
    std::uint64_t* aware = b.shard.column(aware_);
    const auto day = static_cast<std::uint64_t>(b.day);
    const double day_end = static_cast<double>(b.day + 1);
    count_pending(b.shard, day_end);
    if (p_.discovery_rate > 0.0 && products_ > 0) discover(b.shard, day, aware);
    if (p_.telling == Telling::kDaily) {
      // Tellers: consumers aware by the day's end; their tells are the day's contacts, sent at
      // its start.
      const std::uint64_t* adopted = b.shard.column(adopted_);
      const float* at = b.shard.column(aware_at_);
      const std::size_t width = aware_at_.width;
      const Time start = static_cast<Time>(b.day);
      for (ConsumerId c = b.shard.begin(); c < b.shard.end(); ++c) {
        const std::size_t i = c - b.shard.begin();
        const std::uint64_t bought = adopted[i];
        for (std::uint64_t m = aware[i]; m != 0; m &= m - 1) {
          const int k = std::countr_zero(m);
          if (!(static_cast<double>(at[i * width + static_cast<std::size_t>(k)]) <= day_end)) continue;
          tell(b.shard, c, start, k, kTagDailyTell | (day << 8) | static_cast<std::uint64_t>(k),
               ((bought >> k) & 1u) != 0);
        }
      }
    }
  }

  /// Counts as aware the received tells that have taken effect by `day_end`.
  void count_pending(const ShardContext& shard, double day_end) const {
    ShardCounts& counts = shard_counts(shard);
    std::erase_if(counts.pending, [&](const std::pair<float, int>& e) {
      if (!(static_cast<double>(e.first) <= day_end)) return false;
      ++counts.aware[static_cast<std::size_t>(e.second)];
      return true;
    });
  }

  /// Spontaneous discovery: each unaware new product is discovered with probability p today,
  /// independently, i.e. a consumer unaware of n of them discovers something with probability
  /// any(n) = 1 - (1-p)^n. Most consumers discover nothing on most days, so the work goes only
  /// to candidates: consumers drawn independently with probability any(all) (the most any
  /// consumer can have) by geometric gaps along a block's chain, each accepted with probability
  /// any(n) / any(all) from its own stream. An accepted consumer's products are drawn in turn,
  /// each conditioned on at least one discovery among those left until one is found: the same
  /// distribution as n independent draws. Cost: about any(all) draws per consumer and day
  /// instead of one.
  void discover(const ShardContext& shard, std::uint64_t day, std::uint64_t* aware) const {
    ShardCounts& counts = shard_counts(shard);
    const ConsumerId begin = shard.begin();
    const ConsumerId end = shard.end();
    // Consumers to skip before the next candidate: Geometric(any(all)) (0 when any(all) = 1).
    const auto gap = [&](CounterRng& chain) { return geometric(chain, candidate_rate_); };
    for (ConsumerId block = begin / kDiscoveryBlock * kDiscoveryBlock; block < end;) {
      const ConsumerId block_end =
          static_cast<ConsumerId>(std::min<std::uint64_t>(static_cast<std::uint64_t>(block) + kDiscoveryBlock, end));
      CounterRng chain = shard.stream(block, kTagDiscoveryChain | (day << 8));
      // The chain does not depend on what the candidates discover: its candidates are listed
      // (and their awareness loaded, the misses overlapping) a chunk at a time, then taken in
      // order.
      for (double next = static_cast<double>(block) + gap(chain); next < static_cast<double>(block_end);) {
        ConsumerId chunk[kDiscoveryChunk];
        std::size_t listed = 0;
        std::uint64_t touched = 0;
        for (; listed < kDiscoveryChunk && next < static_cast<double>(block_end); next += 1.0 + gap(chain)) {
          const auto c = static_cast<ConsumerId>(next);
          if (c < begin) continue;
          touched ^= aware[c - begin];
          chunk[listed++] = c;
        }
        keep_loaded(static_cast<std::uint32_t>(touched ^ (touched >> 32)));
        for (std::size_t i = 0; i < listed; ++i) discover(shard, chunk[i], day, aware[chunk[i] - begin], counts);
      }
      block = block_end;
    }
  }

  /// Candidate c: accepted with probability any(n) / any(all), then its products drawn.
  void discover(const ShardContext& shard, ConsumerId c, std::uint64_t day, std::uint64_t& a,
                ShardCounts& counts) const {
    // Discovered during the day: aware from its end.
    const double day_end = static_cast<double>(day + 1);
    const std::uint64_t unaware = all_ & ~a;
    int left = std::popcount(unaware);
    if (left == 0) return;
    CounterRng rng = shard.stream(c, kTagDiscovery | (day << 8));
    if (!(rng.uniform() < accept_discovery_[static_cast<std::size_t>(left)])) return;
    bool found = false;
    for (std::uint64_t m = unaware; m != 0; m &= m - 1, --left) {
      const double p = found ? p_.discovery_rate : p_.discovery_rate / any_discovery_[static_cast<std::size_t>(left)];
      if (rng.uniform() < p) {
        make_aware(a, shard.row(aware_at_, c), std::countr_zero(m), day_end, counts);
        found = true;
      }
    }
  }

  /// Tells: aware from the send time plus tell_delay_days (counted at that day's end).
  void messages(const MessageBatch& b) const override {
    ShardCounts& counts = shard_counts(b.shard);
    for (const Message& m : b.messages) {
      const int k = static_cast<int>(m.data);
      std::uint64_t& a = *b.shard.row(aware_, m.recipient);
      float& at = b.shard.row(aware_at_, m.recipient)[k];
      const float t = at_or_before(m.time + p_.tell_delay);
      const std::uint64_t bit = std::uint64_t{1} << k;
      if (a & bit) {
        at = std::min(at, t);
        continue;
      }
      a |= bit;
      at = t;
      counts.pending.emplace_back(t, k);
    }
  }

  void commands(const CommandBatch& b) const override {
    ShardCounts& counts = shard_counts(b.shard);
    for (const Command& cmd : b.commands) {
      if (cmd.kind != notify_kind()) continue;
      std::uint64_t& a = *b.shard.row(aware_, cmd.consumer);
      std::uint32_t& n = *b.shard.row(notified_, cmd.consumer);
      CounterRng rng = b.shard.stream(cmd.consumer, kTagNotify | (static_cast<std::uint64_t>(n) << 8));
      ++n;
      for (std::size_t k = 0; k < products_; ++k) {
        if (rng.uniform() < p_.notify_awareness) make_aware(a, b.shard.row(aware_at_, cmd.consumer), static_cast<int>(k), cmd.time, counts);
      }
    }
  }

  /// "aware" and "adopters" (consumers aware of / who bought a new product, summed over new
  /// products), "graph_bytes", then per new product (its id in the catalog) "aware[ID]" for each,
  /// then "adopters[ID]" for each.
  std::vector<std::string> gauges() const override {
    std::vector<std::string> names = {"aware", "adopters", "graph_bytes"};
    for (ProductId j : new_products_) names.push_back("aware[" + std::to_string(j) + "]");
    for (ProductId j : new_products_) names.push_back("adopters[" + std::to_string(j) + "]");
    return names;
  }
  void gauge(const DayBatch& b, std::span<double> sums) const override {
    const ShardCounts& counts = shard_counts(b.shard);
    std::uint64_t a = 0;
    std::uint64_t d = 0;
    for (std::size_t k = 0; k < products_; ++k) {
      a += counts.aware[k];
      d += counts.adopted[k];
      sums[3 + k] += static_cast<double>(counts.aware[k]);
      sums[3 + products_ + k] += static_cast<double>(counts.adopted[k]);
    }
    sums[0] += static_cast<double>(a);
    sums[1] += static_cast<double>(d);
    sums[2] += static_cast<double>(graph(b.shard).bytes(b.shard.begin(), b.shard.end()));
  }

 private:
  /// Slot s of visit v shows new product k: an impression may make the consumer aware; then the
  /// aware consumer's utility gains aware_utility, the unaware's is set to kUnaware.
  /// Kept out of line: the scan of utility() then holds its pointers in registers.
  [[gnu::noinline]] void shown_new(VisitBatch& b, std::size_t v, std::uint32_t s, int k, ShardCounts*& counts) const {
    const ConsumerId c = b.consumer[v];
    std::uint64_t& aware = *b.shard.row(aware_, c);
    float* at = b.shard.row(aware_at_, c);
    const std::uint64_t bit = std::uint64_t{1} << k;
    bool is_aware = (aware & bit) != 0 && static_cast<double>(at[k]) <= b.time[v];
    if (!is_aware && p_.impression_awareness > 0.0) {
      CounterRng rng =
          b.shard.stream(c, kTagImpression | (static_cast<std::uint64_t>(b.visit[v]) << 20) | (s - b.first_slot[v]));
      if (rng.uniform() < p_.impression_awareness) {
        if (counts == nullptr) counts = &shard_counts(b.shard);
        make_aware(aware, at, k, b.time[v], *counts);
        is_aware = true;
      }
    }
    if (is_aware) {
      b.utility[s] += p_.aware_utility;
    } else {
      b.utility[s] = kUnaware;
    }
  }

  /// The counts of `shard` (created at first use; shards' hooks may ask at once).
  ShardCounts& shard_counts(const ShardContext& shard) const {
    const std::lock_guard lock(counts_mutex_);
    if (counts_.size() <= shard.index()) counts_.resize(shard.index() + 1);
    std::unique_ptr<ShardCounts>& counts = counts_[shard.index()];
    if (!counts) counts = std::make_unique<ShardCounts>();
    return *counts;
  }

  /// Failures before the first success of trials with success probability 1 - e^-rate:
  /// floor(E / rate), E ~ Exp(1) (Boost's ziggurat: no logarithm on most draws); 0 when rate is
  /// +inf (certain success).
  static double geometric(CounterRng& rng, double rate) {
    return std::floor(boost::random::exponential_distribution<double>(1.0)(rng) / rate);
  }

  /// Makes the consumer whose awareness bits are `a` and times `at` aware of new product k from
  /// time t on (counted at once; a consumer told earlier whose tell takes effect later becomes
  /// aware from t).
  static void make_aware(std::uint64_t& a, float* at, int k, double t, ShardCounts& counts) {
    const std::uint64_t bit = std::uint64_t{1} << k;
    const float f = at_or_before(t);
    if (a & bit) {
      at[k] = std::min(at[k], f);
      return;
    }
    a |= bit;
    at[k] = f;
    ++counts.aware[static_cast<std::size_t>(k)];
  }
  void make_aware(const ShardContext& shard, ConsumerId c, int k, double t, ShardCounts& counts) const {
    make_aware(*shard.row(aware_, c), shard.row(aware_at_, c), k, t, counts);
  }

  /// The replication's graph: shared by the runner, else drawn on first use (hooks of several
  /// shards may ask at once).
  const SocialGraph& graph(const ShardContext& shard) const {
    std::call_once(graph_once_, [&] {
      if (!graph_) {
        graph_ = std::make_shared<const SocialGraph>(p_.graph, consumers_, p_.degree, p_.rewire, shard.stream(0, kTagGraph));
      }
    });
    return *graph_;
  }

  /// c tells each neighbour about new product k with probability tell_probability: the gaps
  /// between told neighbours are geometric, so the work is one draw per message (plus one).
  /// With `adopted` (c has bought it) and quality_learning in the run, each told neighbour also
  /// hears c's experience of the product (a kMessageHeardQuality message to quality_learning).
  void tell(const ShardContext& shard, ConsumerId c, Time time, int k, std::uint64_t counter, bool adopted) const {
    if (p_.tell_probability <= 0.0) return;
    const SocialGraph& g = graph(shard);
    const std::uint32_t degree = g.degree(c);
    CounterRng rng = shard.stream(c, counter);
    const bool quality = adopted && quality_learning_.has_value();
    const float x = quality ? experience(shard, c, k) : 0.0f;
    const ProductId product = new_products_[static_cast<std::size_t>(k)];
    double next = 0.0;
    for (;;) {
      if (p_.tell_probability < 1.0) next += geometric(rng, tell_rate_);
      if (!(next < static_cast<double>(degree))) return;
      const auto n = static_cast<std::uint32_t>(next);
      const ConsumerId neighbour = g.neighbour(c, n);
      shard.send(time, c, neighbour, 0, 1.0f, static_cast<std::uint32_t>(k));
      if (quality) shard.send_to(*quality_learning_, time, c, neighbour, kMessageHeardQuality, x, product);
      next += 1.0;
    }
  }

  /// What teller c experienced of new product k, the same each time it tells: its true quality
  /// plus Normal(0, experience_sd^2) noise (MODEL.md "Learning": an experience is
  /// Normal(q_j, sigma_x^2)), one draw per (teller, product) from the teller's stream.
  float experience(const ShardContext& shard, ConsumerId c, int k) const {
    CounterRng rng = shard.stream(c, kTagExperience | static_cast<std::uint64_t>(k));
    const double q = quality_[new_products_[static_cast<std::size_t>(k)]];
    return static_cast<float>(boost::random::normal_distribution<double>(q, p_.experience_sd)(rng));
  }

  const std::vector<double>& quality_;  // true quality per product (a teller's experience draws around it)
  WomParams p_;
  std::uint32_t consumers_;
  std::vector<std::int8_t> index_;        // per product: its bit among the new products, or -1
  std::vector<std::int8_t> offer_index_;  // per offer: its product's bit, or -1
  std::vector<ProductId> new_products_;   // by bit
  std::size_t products_ = 0;
  std::uint64_t all_ = 0;                 // the bits of every new product
  std::array<double, 65> any_discovery_{};     // 1 - (1 - p)^n: some product of n unaware discovered today
  std::array<double, 65> accept_discovery_{};  // any(n) / any(all): a candidate unaware of n accepted
  double candidate_rate_ = 0.0;  // -log(1 - any(all)): the geometric gaps between discovery candidates
  double tell_rate_ = 0.0;       // -log(1 - tell_probability): the gaps between told neighbours
  Column<std::uint64_t> aware_;
  Column<std::uint64_t> adopted_;
  Column<std::uint32_t> notified_;
  Column<float> aware_at_;  // per new product: the time from which the consumer is aware (+inf: not)
  std::optional<std::uint16_t> quality_learning_;  // the run's quality_learning module, if any
  mutable std::once_flag graph_once_;
  mutable std::shared_ptr<const SocialGraph> graph_;
  mutable std::mutex counts_mutex_;
  mutable std::vector<std::unique_ptr<ShardCounts>> counts_;  // per shard index
};

}  // namespace

void register_word_of_mouth() {
  behaviour_registry().add({
      "word_of_mouth",
      "Awareness of new products: an unaware consumer does not choose a new product; awareness "
      "comes from discovery, notifications, impressions and word of mouth on a social graph "
      "(Bass diffusion with telling \"daily\"). A stored graph (small_world, scale_free, random) costs "
      "4 * degree + 8 bytes per consumer per run (gauge graph_bytes); ring and complete cost nothing.",
      {
          {.name = "new_products", .type = ParamType::kProductSelector, .default_value = nullptr,
           .description = "the new products (at most 64) whose awareness is tracked"},
          {.name = "graph", .type = ParamType::kString, .default_value = "small_world",
           .description = "social graph: small_world (Watts-Strogatz), scale_free (Barabasi-Albert), "
                          "random (Erdos-Renyi), ring (lattice), complete",
           .choices = {"small_world", "scale_free", "random", "ring", "complete"}},
          {.name = "degree", .type = ParamType::kInteger, .default_value = 10, .min = 1, .max = 1000,
           .description = "mean number of contacts (even for ring, small_world and scale_free; "
                          "ignored by complete)"},
          {.name = "rewire", .type = ParamType::kNumber, .default_value = 0.1, .min = 0.0, .max = 1.0,
           .description = "small_world: probability a lattice link is rewired"},
          {.name = "tell_probability", .type = ParamType::kNumber, .default_value = 0.05, .min = 0.0,
           .max = 1.0, .description = "probability a teller tells a given neighbour (per purchase or per day)"},
          {.name = "telling", .type = ParamType::kString, .default_value = "purchase",
           .description = "purchase: buyers tell after each purchase; daily: aware consumers tell every day",
           .choices = {"purchase", "daily"}},
          {.name = "discovery_rate", .type = ParamType::kNumber, .default_value = kBassDailyP, .min = 0.0,
           .max = 1.0, .description = "probability per day that an unaware consumer discovers a new product (default: "
                                      "Bass's mean p = 0.03 a year, Sultan, Farley and Lehmann 1990, as a daily "
                                      "probability 1 - 0.97^(1/365))"},
          {.name = "impression_awareness", .type = ParamType::kNumber, .default_value = 0.1, .min = 0.0,
           .max = 1.0, .description = "probability that being shown a new product makes the consumer aware (at once)"},
          {.name = "notify_awareness", .type = ParamType::kNumber, .default_value = 1.0, .min = 0.0,
           .max = 1.0, .description = "probability that a notification makes the consumer aware of each new product"},
          {.name = "aware_utility", .type = ParamType::kNumber, .default_value = 0.0, .min = -100.0,
           .max = 100.0, .description = "utility added to a new product its consumer is aware of"},
          {.name = "tell_delay_days", .type = ParamType::kNumber, .default_value = 1.0, .min = 0.0, .max = 365.0,
           .description = "days from a tell's sending to its effect (default 1: the one-period lag of the "
                          "discrete-time Bass model, Bass 1969); results do not depend on window_days while it is "
                          "at least window_days"},
          {.name = "experience_sd", .type = ParamType::kNumber, .default_value = 1.0, .min = 0.0, .max = 100.0,
           .description = "with quality_learning: sd of a teller's experience of a new product around its "
                          "true quality, which told neighbours hear (set it to quality_learning's observation_sd)"},
      },
      [](const Json& p, const BehaviourContext& ctx) {
        const std::vector<char> is_new = select_products(p["new_products"], ctx.catalog);
        const auto count = static_cast<std::size_t>(std::count(is_new.begin(), is_new.end(), char{1}));
        if (count > kMaxNewProducts) {
          throw ParamError("new_products", "selects " + std::to_string(count) + " products; at most " +
                                               std::to_string(kMaxNewProducts) + " new products are tracked");
        }
        WomParams w{};
        w.graph = graph_kind(p["graph"].get<std::string>());
        const auto degree = p["degree"].get<std::int64_t>();
        w.degree = static_cast<std::uint32_t>(degree);
        if (w.graph != GraphKind::kComplete && w.graph != GraphKind::kRandom && degree % 2 != 0) {
          throw ParamError("degree", "must be even for graph \"" + p["graph"].get<std::string>() +
                                         "\" (degree/2 links on either side or per newcomer), got " +
                                         std::to_string(degree));
        }
        if (w.graph != GraphKind::kComplete && degree >= ctx.spec.consumers()) {
          throw ParamError("degree", "must be below the number of consumers (" +
                                         std::to_string(ctx.spec.consumers()) + "), got " + std::to_string(degree));
        }
        w.rewire = p["rewire"].get<double>();
        w.tell_probability = p["tell_probability"].get<double>();
        // A teller sends tell_probability * degree messages on average, each held until the
        // window ends: bounded by the degree (<= 1000) on stored graphs, but the complete graph's
        // degree is the population's, and with telling "daily" every aware consumer tells every
        // day: its messages per day, consumers * tell_probability * (consumers - 1), are bounded.
        const double n = static_cast<double>(ctx.spec.consumers());
        const double per_day = n * w.tell_probability * std::max(n - 1.0, 0.0);
        if (w.graph == GraphKind::kComplete && per_day > kMaxCompleteMessages) {
          throw ParamError("tell_probability",
                           "on the complete graph " + std::to_string(static_cast<std::int64_t>(n)) +
                               " consumers telling each other with probability " +
                               std::to_string(w.tell_probability) + " send up to " +
                               std::to_string(static_cast<std::int64_t>(per_day)) +
                               " messages a day; at most 10000000 (Bass's q = tell_probability * "
                               "consumers: keep q * consumers <= 1e7)");
        }
        w.telling = p["telling"].get<std::string>() == "daily" ? Telling::kDaily : Telling::kPurchase;
        w.discovery_rate = p["discovery_rate"].get<double>();
        w.impression_awareness = p["impression_awareness"].get<double>();
        w.notify_awareness = p["notify_awareness"].get<double>();
        w.aware_utility = p["aware_utility"].get<float>();
        w.experience_sd = p["experience_sd"].get<double>();
        w.tell_delay = p["tell_delay_days"].get<double>();
        return std::make_unique<WordOfMouth>(ctx, w, is_new);
      },
      examples_from(R"([{"new_products": {"every": 6}, "graph": "small_world", "degree": 6, "tell_probability": 0.1, "discovery_rate": 0.01, "requires": {"behaviours": [{"name": "quality_learning"}]}}, {"new_products": {"ids": [1, 2, 3]}, "graph": "complete", "telling": "daily", "tell_probability": 0.0001, "discovery_rate": 0.005}])"),
  });
}

}  // namespace marketsim
