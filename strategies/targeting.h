#pragma once
// Whom and when the consumer-addressing promotions ("coupon", "notify") act: their shared
// parameters and the selection.
//   to           "all" consumers;
//                "random": each consumer independently with probability `share` (a fresh draw
//                at every occasion, from `seed` and the day, the same in every replication), or
//                exactly `count` consumers drawn uniformly without replacement;
//                "lapsed": consumers who bought from the seller before and have not bought from
//                it for at least `lapsed_days` days (last purchase on day <= today - lapsed_days),
//                from the settled orders the seller observes (Strategy::observe; what the
//                platform knows, without keeping lapsed_days of per-consumer events in the
//                platform log);
//                "segment": every consumer of the named `segments` (/market/segments): a
//                platform's CRM knows its customer segments, the one consumer attribute a
//                strategy may see (BuildContext::segments);
//                "kmeans": `count` consumers by cluster. From what the seller observed of each
//                consumer's orders (features below), K-means (`clusters`, default 4) groups the
//                consumers once the pilot is over; clusters are ranked by `cluster_rank`: "lift"
//                (default): the pilot's coupon recipients of the cluster earned the seller more
//                gross profit in the `response_days` after the coupon than the cluster's
//                non-recipients, per consumer, by the largest margin; "monetary": the highest
//                mean spend ("our best customers"; needs no pilot). Consumers are taken cluster
//                by cluster in rank order, a random subset of the last cluster filling the
//                count;
//                "uplift": `count` consumers with the highest predicted uplift: gross profit in
//                the `response_days` after an occasion, predicted by a ridge regression
//                (`ridge`) among the pilot's recipients minus one among its non-recipients (the
//                two-model estimator, strategies/learning/ridge.h), each on the standardised
//                features and their pairwise products (quadratic_features: responses that rise
//                and fall across the segments, which a linear fit would average away).
//   count/share  with "kmeans" and "uplift", the consumers addressed per occasion (`share`:
//                round(share x consumers)).
//   pilot_days   with "kmeans" and "uplift": the occasions in [day, day + pilot_days) are a
//                randomised pilot: `pilot_share` of the consumers (default: the same number as
//                after the pilot), drawn uniformly, get the coupon; the others are the control.
//                Each pilot occasion contributes every consumer's features at the occasion and
//                gross profit over the next `response_days` (default `every`; at most `every`,
//                so that responses to one occasion end before the next). The models are fitted
//                at the first occasion after the pilot, which uses them.
//   day, every   the first occasion (a day) and the days between occasions (0: once); it acts in
//                the first window of an occasion's day.
// Features of a consumer on day d, from its settled orders from the seller before d: recency
// 1 / (1 + days since the last purchase) (0 when none), frequency log(1 + orders) and monetary
// value log(1 + spend), each order and currency unit weighted exp(-age / 28 days), whether it
// ever bought, and the share of its spend in each category; standardised
// (strategies/learning/standardize.h).
// Random draws other than "random" by `share` come from streams keyed by (scenario seed,
// replication, seller and promotion, purpose) and salted with `seed` (sim/rng.h): "random" by
// `count` and the pilot of "kmeans" and "uplift" draw the same consumers on the same day, so arms
// that differ only in the rule share their pilot (common random numbers). Learning is
// deterministic and single-threaded: same seed, same consumers on any thread count.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "market/records.h"
#include "sim/error.h"
#include "sim/params.h"
#include "sim/rng.h"
#include "strategies/context.h"
#include "strategies/learning/kmeans.h"
#include "strategies/learning/ridge.h"
#include "strategies/learning/standardize.h"

namespace marketsim {

class Targeting {
 public:
  enum class To { kAll, kRandom, kLapsed, kSegment, kKMeans, kUplift };
  enum class ClusterRank { kLift, kMonetary };

  /// The consumers addressed at one occasion. `ranked`: best first (a promotion that can address
  /// only some keeps the first); otherwise in id order (it keeps a random subset: subset()).
  struct Selection {
    std::vector<ConsumerId> consumers;
    bool ranked = false;
  };

  /// The parameters it reads (appended to a promotion's schema).
  static std::vector<ParamSpec> params();

  /// Reads the parameters; cross-parameter rules throw ParamError.
  Targeting(const Json& p, const BuildContext& ctx);

  /// Records the seller's settled orders (for "lapsed", and the features and pilot outcomes of
  /// "kmeans" and "uplift").
  void observe(const WindowRecords& w);

  /// Whether the window being prepared is the first of an occasion's day (true once per day).
  bool occasion(const MarketContext& ctx);

  /// The consumers targeted on `day` (an occasion; days in increasing order). Learned rules fit
  /// their models at the first occasion after the pilot.
  Selection select(Day day);

  /// Whom the promotion addressed on `day` (after select(day)): the pilot's treated group.
  void addressed(Day day, std::span<const ConsumerId> consumers);

  /// n of `consumers` drawn uniformly without replacement, in their order, from the stream of
  /// (`purpose`, `day`).
  std::vector<ConsumerId> subset(Day day, std::span<const ConsumerId> consumers, std::size_t n,
                                 std::uint64_t purpose) const;

  /// Calls f(consumer) for each consumer targeted on `day` (select()), then records them as
  /// addressed.
  template <typename F>
  void each(Day day, F&& f) {
    const Selection s = select(day);
    for (ConsumerId c : s.consumers) f(c);
    addressed(day, s.consumers);
  }

  To rule() const { return to_; }
  /// The market's consumers.
  std::size_t consumers() const { return consumers_; }
  /// Days between occasions (0: once).
  Day every() const { return every_; }
  /// An upper bound of the share of the market's consumers one occasion addresses: exact for
  /// "random" and the learned rules (their count, or their pilot's if larger), the chosen
  /// segments' share for "segment", 1 for "all" and "lapsed" (which may reach everyone).
  double occasion_share_bound() const;
  /// Whether the learned rule's models were fitted (the pilot is over).
  bool fitted() const { return fitted_; }
  /// The consumers' features on `day` (one row per consumer, unstandardised).
  Eigen::MatrixXd features(Day day) const;

  /// The time constant of the decayed order counts and spend, days.
  static constexpr double kMemoryDays = 28.0;
  /// Salts of the purposes of the subset() streams.
  static constexpr std::uint64_t kPick = 1, kFill = 2, kLimit = 3;

 private:
  bool learned() const { return to_ == To::kKMeans || to_ == To::kUplift; }
  bool in_pilot(Day day) const { return learned() && pilot_days_ > 0 && day < day_ + pilot_days_; }
  void fit(Day day);
  Selection select_kmeans(Day day) const;
  Selection select_uplift(Day day) const;

  std::size_t consumers_;
  SellerId seller_;
  std::uint64_t seed_;
  Day day_;
  Day every_;
  To to_ = To::kAll;
  double share_ = 1.0;
  bool by_count_ = false;  // "random": exactly count_ consumers instead of a share
  std::size_t count_ = 0;
  Day lapsed_days_ = 0;
  std::vector<std::int32_t> last_purchase_;
  std::vector<SegmentRange> segments_;  // with "segment": the chosen ones
  Day acted_day_ = -1;
  StreamFamily streams_;  // (seed, replication, Purpose::kStrategy, salt), entity = seller, promotion
  std::uint64_t entity_;

  // Learned rules: per consumer, what the seller observed of its orders.
  std::vector<std::uint16_t> product_category_;  // the catalog's category of each product
  std::size_t categories_ = 0;
  // Orders and spend decay with a time constant of kMemoryDays (values as of the consumer's last
  // purchase day, last_purchase_): recent behaviour counts most, and a consumer who keeps buying
  // at the same pace keeps the same features as the run goes on (no drift between the pilot and
  // the occasions its models score).
  std::vector<double> orders_;            // decayed count of orders
  std::vector<double> spend_;             // decayed spend, currency
  std::vector<double> spend_total_;       // spend over the run, currency
  std::vector<float> category_spend_;     // consumers x categories, over the run, currency
  // The pilot: per occasion, every consumer's features, whether it was addressed, its outcome.
  Day pilot_days_ = 0;
  std::size_t pilot_count_ = 0;
  Day response_days_ = 0;
  struct PilotOccasion {
    Day day;
    Eigen::MatrixXd features;
    std::vector<bool> treated;
    std::vector<double> outcome;  // gross profit from the seller in [day, day + response_days)
  };
  std::vector<PilotOccasion> pilot_;
  // The models.
  bool fitted_ = false;
  std::size_t clusters_ = 4;
  ClusterRank cluster_rank_ = ClusterRank::kLift;
  double ridge_ = 0.01;
  Standardizer scaler_;
  KMeansResult kmeans_;
  std::vector<std::uint32_t> cluster_order_;  // clusters best first
  TwoModelUplift uplift_;
};

}  // namespace marketsim
