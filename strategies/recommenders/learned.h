#pragma once
// What the recommenders that learn from the platform log share (item_cf, user_cf, als,
// segment_popular, popular, linucb; rerank wraps one): the training schedule, per-consumer top-K
// lists precomputed at training, the cold-start fallback, and offline ranking.
//
// Training reads only the platform log: each consumer's purchases of the seller's offers over the
// last `history_days` days (PurchaseHistory, from the log's per-consumer purchase events; a
// consumer's traits are not in the log, and the strategy interface does not offer them). It runs
// in prepare() on the first window of day 0 and of every `retrain_days`-th day after it (1: daily,
// 7: weekly), and the engine times it apart from visits (PhaseSeconds::training_seconds). After
// fitting, every consumer with a history gets its list of the `slots` best-scored offers (without
// the ones it bought in the history when `exclude_bought`), computed in parallel, each consumer
// independently (the same bytes on any thread count), and stored in a declared per-consumer
// column (sim/columns.h: counted in bytes per consumer and in the memory estimate), so that a
// visit costs O(slots): recommend() copies the list.
//
// Cold start. A consumer with no purchase in the history (new, or lapsed) gets the seller's
// popular list: the offers with the most distinct buyers over the last `popular_days` days of the
// history (ties to the lower id). An offer nobody bought in the history has no score from the
// collaborative models and reaches lists only through popularity's tail. When the popular list is
// shorter than the slots (the first days), the rest of the slots are drawn uniformly from the
// seller's other offers (the visit's recommendation stream).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sim/columns.h"
#include "sim/params.h"
#include "strategies/context.h"
#include "strategies/recommender.h"
#include "strategies/recommenders/purchase_history.h"

namespace marketsim {

/// A learned recommender's list length and training schedule (its shared parameters).
struct LearnedSchedule {
  std::size_t slots = 10;
  Day history_days = 56;
  Day retrain_days = 7;
  Day popular_days = 30;
  bool exclude_bought = true;
};

class LearnedRecommender : public Recommender {
 public:
  using Schedule = LearnedSchedule;
  /// The parameters every learned recommender declares (slots, history_days, retrain_days,
  /// popular_days, exclude_bought; their defaults from `defaults`), followed by `own`.
  static ParamSchema params(ParamSchema own, const Schedule& defaults = Schedule{});
  /// The schedule of validated parameters; throws ParamError when slots exceed the seller's offers.
  static Schedule schedule(const Json& p, const BuildContext& ctx);

  LearnedRecommender(const Schedule& s, const BuildContext& ctx);

  std::size_t slots() const override { return schedule_.slots; }
  LogNeeds needs() const override;
  void declare(ColumnLayout& layout) override;
  void prepare(const MarketContext& ctx) final;
  void recommend(ConsumerId consumer, CounterRng& rng, ShownSet& shown) const override;
  bool rank(ConsumerId consumer, std::size_t k, std::span<const std::uint8_t> skip,
            std::vector<OfferId>& out) const override;
  std::vector<std::string> event_names() const override { return {"retrained"}; }
  std::vector<std::string> gauge_names() const override { return {"consumers_with_lists"}; }
  void gauge(Day day, std::span<double> values) const override;

  /// The list length kept per consumer: slots() unless a wrapper (rerank) asks for more
  /// candidates; set before declare().
  void set_list_length(std::size_t n) { list_length_ = n; }
  std::size_t list_length() const { return list_length_; }
  /// Consumer c's list (global offers, best first): its precomputed one, else the popular list;
  /// at most out.size() offers; returns how many were written.
  std::size_t list(ConsumerId c, std::span<OfferId> out) const;
  /// The last training's history.
  const PurchaseHistory& history() const { return history_; }

 protected:
  /// Fits the model to the history (every call: a retraining; warm starts are the model's own).
  virtual void train(const PurchaseHistory& history, const MarketContext& ctx) = 0;
  /// Writes a score per local offer (higher is better; -infinity: never) for consumer `c`, whose
  /// history row is `row` (PurchaseHistory::kNone: none). Returns false to use the popular list
  /// (cold start). Called concurrently for different consumers: must not modify the object.
  virtual bool score(std::size_t row, ConsumerId c, std::span<double> scores) const = 0;
  /// The list (local offers, best first) shown to consumer c when it has none of its own (cold
  /// start) and used to fill short lists: the popular list, unless the model knows better (the
  /// consumer's segment).
  virtual std::span<const std::uint32_t> cold_list(ConsumerId c) const {
    (void)c;
    return popular_;
  }

  const Schedule& schedule() const { return schedule_; }
  OfferId first_offer() const { return first_; }
  std::size_t offer_count() const { return count_; }
  std::size_t consumers() const { return consumers_; }
  /// The popular list (local offers, best first) of the last training.
  const std::vector<std::uint32_t>& popular() const { return popular_; }

 private:
  void compute_lists();
  /// Appends popular offers (local ids) that are not skipped (global flags) nor listed, up to k.
  void fill_popular(std::size_t k, std::span<const std::uint8_t> skip, std::vector<std::uint32_t>& list) const;

  Schedule schedule_;
  std::size_t list_length_;
  std::size_t consumers_;
  OfferId first_ = 0;
  std::size_t count_ = 0;
  Day first_day_ = -1;  // the day of the first prepare()
  Day trained_day_ = -1;
  PurchaseHistory history_;
  std::vector<std::uint32_t> popular_;        // local ids
  std::vector<ConsumerId> listed_;            // consumers whose column row holds a list
  Column<std::uint32_t> lists_;               // per consumer: list_length offers + 1 (0: none)
};

}  // namespace marketsim
