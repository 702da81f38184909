#pragma once
// Offline evaluation of recommenders: train on a purchase log up to a day, score the lists against
// what consumers bought afterwards. The same code serves a simulated run's platform log (each
// arm's `offline` entry in summary.json, for the arms of a scenario with /offline) and a real
// transaction log (`marketsim recommend-eval`, calibration/transaction_log.h): the purchases
// become a platform log (one offer per item, one consumer per customer), and the registered
// recommender's own prepare() and rank() run on it.
//
// Protocol (`until` the last training day, `to` the last scored day, both inclusive):
//   - the recommender is built for seller `seller` and prepared as on day until + 1, with the
//     platform log holding the purchases of days 0 .. until (its own history_days still apply);
//   - scored consumers bought on both sides: on or before `until`, and in (until, to];
//   - the relevant items are the distinct items a consumer buys in (until, to] that it had not
//     bought on or before `until`; consumers with none are not scored;
//   - lists exclude the items the consumer bought on or before `until`, and have up to max(ks)
//     items; precision@k = hits / k, recall@k = hits / relevant, NDCG@k with binary gains
//     (DCG = sum over ranks r <= k of hit_r / log2(r + 1), over the ideal DCG of min(k, relevant)
//     hits), averaged over scored consumers;
//   - "repurchase" (for context): the consumer's own history ranked by units bought (ties: the
//     later last purchase, then the lower id), bought items allowed, scored against every distinct
//     item it buys in (until, to] (re-purchases included).
// Consumers are scored in parallel, each on its own (rank() is const): the same numbers on any
// thread count.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/run_observer.h"
#include "market/catalog.h"
#include "market/offers.h"
#include "market/population.h"
#include "sim/time.h"
#include "strategies/arm.h"
#include "strategies/context.h"

namespace marketsim {

struct OfflinePurchase {
  ConsumerId consumer;
  OfferId offer;  // global offer id
  Day day;
  std::uint32_t units;
};

/// Records a run's purchases (settled lines with units), for the offline evaluation of its arm.
class PurchaseRecorder final : public RunObserver {
 public:
  void on_window(const WindowRecords& records) override {
    for (const LineRecord& l : records.lines) {
      if (l.quantity > 0) purchases_.push_back(OfflinePurchase{l.consumer, l.offer, day_of(l.time), l.quantity});
    }
  }
  const std::vector<OfflinePurchase>& purchases() const { return purchases_; }

 private:
  std::vector<OfflinePurchase> purchases_;
};

/// Per-consumer scores at each k, for paired comparisons.
struct OfflineScores {
  std::string recommender;
  std::vector<std::size_t> ks;
  std::vector<ConsumerId> consumers;  // scored, ascending
  // [k index][consumer index]
  std::vector<std::vector<double>> precision, recall, ndcg;
  bool ranked = true;  // false: the recommender does not rank offline (nothing scored)

  double mean_precision(std::size_t k) const;
  double mean_recall(std::size_t k) const;
  double mean_ndcg(std::size_t k) const;
};

/// The purchases, the market they were made in, and the split.
struct OfflineSetup {
  const Catalog& catalog;
  const Offers& offers;
  SellerId seller = 0;
  std::int64_t consumers = 0;
  std::span<const SegmentRange> segments = {};
  std::uint64_t seed = 0;
  std::uint64_t replication = 0;
  Day until = 0;
  Day to = 0;
  std::vector<std::size_t> ks = {5, 10, 20};
};

/// Builds `spec` (a registered recommender) for the setup's seller, trains it on the purchases of
/// days <= until and scores it (see the protocol above). Throws Error when until >= to or until < 0.
OfflineScores evaluate_recommender(const StrategySpec& spec, const OfflineSetup& setup,
                                   std::span<const OfflinePurchase> purchases);
/// The "repurchase" row.
OfflineScores evaluate_repurchase(const OfflineSetup& setup, std::span<const OfflinePurchase> purchases);

/// A paired bootstrap of the difference in means between two score sets of the same consumers
/// (`b` minus `a`), B resamples of consumers drawn from (seed, Purpose::kTest...) streams: the 95%
/// percentile interval.
struct PairedInterval {
  double difference = 0, low = 0, high = 0;
};
PairedInterval paired_bootstrap(std::span<const double> a, std::span<const double> b, std::uint64_t seed,
                                std::size_t resamples = 2000);

}  // namespace marketsim
