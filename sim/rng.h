#pragma once
// Random streams. Every draw in marketsim comes from a stream keyed by
// (seed, replication, entity, purpose); there is no shared engine and the clock is never used.
//
// The engine is counter-based (SplitMix64 output function over key + counter * golden gamma): a
// stream costs no state beyond its key and counter, so each visit of each consumer opens its own
// streams, one per stage of the visit (gap, thinning, each seller's recommendation, browsing,
// choice): counter = visit index << 24 | stage << 16. Two arms of an experiment therefore consume
// identical numbers for the same consumer, visit and stage however many draws the other visits
// and stages took — the choice draw of a visit is the same in every arm even when the shown sets
// differ: common random numbers by construction. Behaviour modules draw from streams keyed by a
// hash of their name. Distributions come from Boost.Random, whose output does not change between
// standard libraries.
#include <cstdint>
#include <limits>
#include <string_view>

namespace marketsim {

/// SplitMix64's finaliser: a bijective 64-bit mix with full avalanche.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// What a stream is used for; part of every stream's key so purposes never share numbers.
enum class Purpose : std::uint64_t {
  kProductAttributes = 1,
  kConsumerTraits = 2,
  kVisit = 3,
  kConsumption = 4,
  kBehaviour = 5,  // a behaviour module's streams, salted with a hash of its name
  kStrategy = 6,   // a strategy's streams (entity: seller and promotion), salted with its purpose's name
  kHoldout = 7,    // a promotion's randomised holdout, salted with (seller, promotion index)
  kDesign = 8,     // a sweep's sampled design (entity: the point; salt: the dimension)
  kUncertainty = 9,  // a scenario's uncertain values (replication: the draw; entity: the pointer)
  kGroup = 10,       // an arm's consumer groups (entity: the consumer)
  kBootstrap = 11,   // a bootstrap's resamples (offline evaluation's paired intervals)
  kLeadTime = 12,    // replenishment lead times (entity: the offer; counter keyed by the order time)
  kBackorder = 13,   // back-order cancellations (entity: the consumer; counter keyed by the order time)
  kRegion = 14,      // consumers' regions drawn by warehouse shares (entity: the consumer)
  kTest = 99,
};

/// Sentinel replication for draws that are fixed across replications (the market's population).
inline constexpr std::uint64_t kAllReplications = std::numeric_limits<std::uint64_t>::max();

/// The keys of the streams of one (seed, replication, purpose) for every entity: the prefix is
/// mixed once, each entity's key costs one more mix.
class StreamFamily {
 public:
  constexpr StreamFamily(std::uint64_t seed, std::uint64_t replication, Purpose purpose,
                         std::uint64_t salt = 0)
      : prefix_(mix64(mix64(mix64(seed ^ 0x6a09e667f3bcc909ULL) ^
                            (replication + 0xbb67ae8584caa73bULL)) ^
                      (static_cast<std::uint64_t>(purpose) * 0x3c6ef372fe94f82bULL)) ^
                mix64(salt)) {}
  constexpr std::uint64_t key(std::uint64_t entity) const {
    return mix64(prefix_ ^ (entity + 0xa54ff53a5f1d36f1ULL));
  }

 private:
  std::uint64_t prefix_;
};

/// The key of the stream for (seed, replication, entity, purpose).
constexpr std::uint64_t stream_key(std::uint64_t seed, std::uint64_t replication,
                                   std::uint64_t entity, Purpose purpose) {
  return StreamFamily(seed, replication, purpose).key(entity);
}

/// A counter-based 64-bit engine satisfying UniformRandomBitGenerator (usable with every
/// Boost.Random distribution). Draw n of a stream is mix64(key + n * golden gamma).
class CounterRng {
 public:
  using result_type = std::uint64_t;

  CounterRng() : CounterRng(0) {}
  explicit CounterRng(std::uint64_t key, std::uint64_t counter = 0) : key_(key), counter_(counter) {}

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

  result_type operator()() { return mix64(key_ + (++counter_) * 0x9e3779b97f4a7c15ULL); }

  /// A uniform double in [0, 1) with 53 random bits (the hot-path uniform; Boost's uniform_01
  /// gives the same law but loops on the rare value 1.0).
  double uniform() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }

  /// A uniform integer in [0, n), n >= 1, unbiased (Lemire's multiply-and-reject: one
  /// multiplication instead of the divisions of a generic uniform_int_distribution; the hot path
  /// draws several per visit). Portable: the same numbers on every platform.
  std::uint64_t below(std::uint64_t n) {
    __extension__ using u128 = unsigned __int128;
    u128 m = static_cast<u128>((*this)()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<u128>((*this)()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  std::uint64_t key() const { return key_; }
  std::uint64_t counter() const { return counter_; }

 private:
  std::uint64_t key_;
  std::uint64_t counter_;
};

/// The stages of a visit, each with a sub-stream of its own.
enum class VisitStage : std::uint64_t {
  kGap = 0,        // the gap to the next candidate visit (its first draw)
  kThin = 1,       // the acceptance uniform of a candidate visit (intensity modules)
  kBrowse = 2,     // organic browsing
  kChoice = 3,     // the logit draws (one per basket item)
  kReentry = 4,    // the first candidate after re-entering the visit calendar
  kRedraw = 5,     // the candidate drawn again when a consumer's intensity bound rose
  kFeatured = 6,   // promotions' featured slots (one stream: the sellers in order)
  // 7: unused (plugins draw from plugin_stream)
  kRecommend = 8,  // seller s's recommendation: kRecommend + s (up to 248 sellers)
};

/// The sub-stream of one stage of one visit of one consumer: 2^16 draws per stage, 256 stages
/// per visit, 2^40 visits per consumer.
inline CounterRng visit_stream(std::uint64_t consumer_key, std::uint32_t visit_index, VisitStage stage,
                               std::uint64_t offset = 0) {
  return CounterRng(consumer_key, (static_cast<std::uint64_t>(visit_index) << 24) |
                                      ((static_cast<std::uint64_t>(stage) + offset) << 16));
}

/// The stream of a plugin (a promotion mechanic) for one visit of one consumer: the consumer's
/// visit key salted with the plugin's `salt` (a hash of its name), so that plugins never share
/// draws with the visit's stages or with each other; 2^24 draws per visit.
inline CounterRng plugin_stream(std::uint64_t consumer_key, std::uint32_t visit_index, std::uint64_t salt) {
  return CounterRng(mix64(consumer_key ^ salt), static_cast<std::uint64_t>(visit_index) << 24);
}

/// A 64-bit FNV-1a hash of a name (salts a module's streams).
constexpr std::uint64_t name_hash(std::string_view name) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

}  // namespace marketsim
