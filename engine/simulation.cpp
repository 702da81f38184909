#include "engine/simulation.h"

#include <tbb/parallel_for.h>
#include <tbb/task_group.h>

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <bit>
#include <boost/random/exponential_distribution.hpp>
#include <boost/random/normal_distribution.hpp>
#include <chrono>
#include <cmath>
#include <optional>
#include <string>

#include "agents/choice.h"
#include "sim/error.h"

namespace marketsim {

using Clock = std::chrono::steady_clock;

struct Simulation::Shard {
  ConsumerId begin = 0;
  ConsumerId end = 0;
  VisitCalendar calendar;
  std::vector<Intent> intents;
  std::uint64_t visits = 0;
  ShownSet shown;
  std::array<float, ShownSet::kCapacity> weights{};  // utilities, then their exponentials
  static_assert(ShownSet::kCapacity % kExpBlock == 0, "exp_in_place works on whole blocks");

  std::vector<std::uint64_t> bitmap;  // one bit per consumer of the shard (scratch)
  std::vector<std::uint32_t> order;   // the window's consumers in id order (scratch)

  Shard(ConsumerId b, ConsumerId e, std::size_t windows_per_day, std::size_t windows)
      : begin(b), end(e), calendar(windows_per_day, windows), bitmap((e - b + 63) / 64, 0) {}
};

Simulation::Simulation(const Market& market, Arm& arm, const RunPlan& plan, RunObserver& observer)
    : market_(market),
      arm_(arm),
      plan_(plan),
      observer_(observer),
      windows_(static_cast<std::size_t>(plan.horizon_days) * plan.windows_per_day),
      products_(market.catalog.size()),
      categories_(market.catalog.category_names.size()),
      visit_keys_(plan.seed, plan.replication, Purpose::kVisit),
      consumption_keys_(plan.seed, plan.replication, Purpose::kConsumption),
      history_(market.catalog.size()) {
  const std::size_t n = market.population.size();
  next_visit_.resize(n);
  visit_index_.resize(n);
  if (market.spec.reference_price.enabled) reference_index_.assign(n * categories_, 1.0f);
  if (market.spec.quality.enabled) {
    beliefs_.resize(n * static_cast<std::size_t>(market.spec.quality.memory));
    beliefs_added_.assign(n, 0);
  }
  for (std::size_t b = 0; b < n; b += plan.shard_size) {
    shards_.emplace_back(static_cast<ConsumerId>(b),
                         static_cast<ConsumerId>(std::min(n, b + plan.shard_size)),
                         plan.windows_per_day, windows_);
  }
  // Each consumer's first visit: the first draw of its visit stream 0 is the gap from time 0.
  tbb::parallel_for(std::size_t{0}, shards_.size(), [&](std::size_t s) {
    Shard& shard = shards_[s];
    for (ConsumerId c = shard.begin; c < shard.end; ++c) {
      CounterRng rng = visit_stream(visit_keys_.key(c), 0);
      boost::random::exponential_distribution<double> gap(market_.population.visit_rate[c]);
      next_visit_[c] = gap(rng);
      visit_index_[c] = 1;
      shard.calendar.schedule(c - shard.begin, next_visit_[c]);
    }
  });

  on_hand_.resize(products_);
  on_order_.assign(products_, 0);
  received_.assign(products_, 0);
  sold_.assign(products_, 0);
  for (ProductId j = 0; j < products_; ++j) on_hand_[j] = arm_.replenishment->initial_stock(j);
  initial_ = on_hand_;
  for (const auto& promotion : arm_.promotions) ledger_.open(promotion->budget());
  learning_ = market.spec.quality.enabled || market.spec.reference_price.enabled;

  price_.resize(products_);
  discount_.resize(products_);
  scratch_.resize(products_);
  promotion_.resize(products_);
  paid_.resize(products_);
  list_.resize(products_);
  deal_.resize(products_);
  for (ProductId j = 0; j < products_; ++j) list_[j] = to_currency(market.catalog.list_price[j]);

  for (Day d = 0; d < plan.horizon_days; ++d) {
    events_.schedule(static_cast<Time>(d), EventPriority::kDayStart,
                     MarketEvent{MarketEvent::Kind::kDayStart, 0, 0});
  }
}

Simulation::~Simulation() {
  // A run left by an exception may still have a signal task in flight: finish it first.
  try {
    observer_tasks_.wait();
  } catch (...) {  // the run's own exception is already on its way out
  }
}

std::size_t Simulation::shards() const { return shards_.size(); }

void Simulation::run(const std::function<void(std::size_t)>& on_window) {
  const double per_day = static_cast<double>(plan_.windows_per_day);
  for (std::size_t w = 0; w < windows_; ++w) {
    const Time start = static_cast<double>(w) / per_day;
    const Time end = static_cast<double>(w + 1) / per_day;
    const Day day = static_cast<Day>(w / plan_.windows_per_day);
    const auto t0 = Clock::now();
    // Market events take effect at the start of the window that contains them.
    while (!events_.empty() && events_.top().time < end) handle(events_.pop());
    prepare_window(day, start, end);
    const auto t1 = Clock::now();
    tbb::parallel_for(std::size_t{0}, shards_.size(),
                      [&](std::size_t s) { advance(shards_[s], w); });
    const auto t2 = Clock::now();
    window_ = w;
    commit(day, start, end);
    const auto t3 = Clock::now();
    phases_.market_seconds += std::chrono::duration<double>(t1 - t0).count();
    phases_.visit_seconds += std::chrono::duration<double>(t2 - t1).count();
    phases_.commit_seconds += std::chrono::duration<double>(t3 - t2).count();

    // The observer gets the window's signals on a task of its own, overlapping the next window's
    // visits (collectors never feed back into the market). Tasks run one after another, so the
    // observer sees the same sequence of calls as if they were made here.
    std::optional<DayRecord> day_end;
    if ((w + 1) % plan_.windows_per_day == 0) {
      Units stock = 0;
      for (Units u : on_hand_) stock += u;
      day_end = DayRecord{day, visits_today_, stock, received_today_, cancelled_today_};
      visits_today_ = 0;
      received_today_ = 0;
      cancelled_today_ = 0;
    }
    observer_tasks_.wait();
    const std::size_t batch = w % 2;
    observer_tasks_.run([this, batch, day_end] {
      observer_.on_commit(sales_[batch], lost_[batch]);
      if (day_end) observer_.on_day_end(*day_end);
    });
    if (on_window) on_window(w + 1);
  }
  observer_tasks_.wait();
  check_invariants();
}

void Simulation::handle(const EventQueue<MarketEvent>::Event& event) {
  const MarketEvent& e = event.payload;
  switch (e.kind) {
    case MarketEvent::Kind::kDelivery:
      on_hand_[e.product] += e.quantity;
      on_order_[e.product] -= e.quantity;
      received_[e.product] += e.quantity;
      received_today_ += e.quantity;
      break;
    case MarketEvent::Kind::kDayStart: {
      const Day d = day_of(event.time);
      current_day_ = d;
      history_.begin_day(d);
      // Deliveries of day d ran before this event (lower priority value).
      if (d >= 1) {
        for (ProductId j = 0; j < products_; ++j) {
          const Units q = arm_.replenishment->order_quantity(InventoryView{
              j, d, on_hand_[j], on_order_[j], market_.spec.lead_time_days, history_});
          if (q <= 0) continue;
          on_order_[j] += q;
          events_.schedule(static_cast<Time>(d + market_.spec.lead_time_days),
                           EventPriority::kDelivery, MarketEvent{MarketEvent::Kind::kDelivery, j, q});
        }
      }
      break;
    }
  }
}

void Simulation::prepare_window(Day day, Time start, Time end) {
  const MarketContext ctx{market_.catalog, history_, day, start, end};
  arm_.pricing->set_prices(ctx, price_);
  std::fill(discount_.begin(), discount_.end(), 0);
  std::fill(promotion_.begin(), promotion_.end(), -1);
  for (std::size_t p = 0; p < arm_.promotions.size(); ++p) {
    if (ledger_.exhausted(p)) continue;  // a promotion whose budget is spent stops
    if (!arm_.promotions[p]->offers(ctx, price_, scratch_)) continue;
    for (ProductId j = 0; j < products_; ++j) {
      if (scratch_[j] > discount_[j]) {  // overlapping promotions: the deepest discount applies
        discount_[j] = std::min(scratch_[j], price_[j]);
        promotion_[j] = static_cast<std::int32_t>(p);
      }
    }
  }
  for (ProductId j = 0; j < products_; ++j) {
    paid_[j] = static_cast<float>(to_currency(price_[j] - discount_[j]));
    deal_[j] = discount_[j] > 0 ? 1.0f : 0.0f;
  }
  arm_.recommender->prepare(ctx);
}

void Simulation::advance(Shard& shard, std::size_t window) {
  // Visit the window's consumers in id order: a bitmap over the shard's ids turns the bucket
  // (filed in whatever order consumers were rescheduled) into a sorted list in O(n + size / 64),
  // so taste vectors and visit state are read in address order, and the next consumers' taste
  // vectors are prefetched while one visits.
  const std::vector<std::uint32_t> due = shard.calendar.take(window);
  for (std::uint32_t local : due) shard.bitmap[local >> 6] |= std::uint64_t{1} << (local & 63);
  shard.order.clear();
  for (std::size_t w = 0; w < shard.bitmap.size(); ++w) {
    for (std::uint64_t bits = shard.bitmap[w]; bits != 0; bits &= bits - 1) {
      shard.order.push_back(static_cast<std::uint32_t>(w * 64 + static_cast<std::size_t>(std::countr_zero(bits))));
    }
    shard.bitmap[w] = 0;
  }
  const std::size_t dims = market_.catalog.dimensions;
  constexpr std::size_t kPrefetchAhead = 8;
  for (std::size_t i = 0; i < shard.order.size(); ++i) {
    if (i + kPrefetchAhead < shard.order.size()) {
      const ConsumerId ahead = shard.begin + shard.order[i + kPrefetchAhead];
      const float* taste = market_.population.taste_of(ahead);
      for (std::size_t b = 0; b < dims; b += 16) __builtin_prefetch(taste + b);
    }
    const std::uint32_t local = shard.order[i];
    const ConsumerId c = shard.begin + local;
    const std::uint64_t key = visit_keys_.key(c);
    const double rate = market_.population.visit_rate[c];
    Time t = next_visit_[c];
    std::uint32_t k = visit_index_[c];
    // A consumer may visit several times in one window; its visits run in order.
    do {
      CounterRng rng = visit_stream(key, k);
      // The gap to the next visit is the stream's first draw, so visit times are common to all
      // arms whatever each visit then consumes.
      const double gap = boost::random::exponential_distribution<double>(rate)(rng);
      visit(shard, c, t, k, rng);
      ++shard.visits;
      t += gap;
      ++k;
    } while (shard.calendar.window_of(t) == window);
    next_visit_[c] = t;
    visit_index_[c] = k;
    shard.calendar.schedule(local, t);
  }
}

void Simulation::visit(Shard& shard, ConsumerId c, Time t, std::uint32_t visit_index,
                       CounterRng& rng) {
  ShownSet& shown = shard.shown;
  shown.clear();
  arm_.recommender->recommend(c, rng, shown);
  const auto browse = static_cast<std::size_t>(market_.spec.browse_slots);
  // Organic browsing: uniformly among the products not shown yet.
  if (browse > 0) shown.add_uniform(std::min(browse, products_ - shown.size()), products_, rng);

  const Population& pop = market_.population;
  const Catalog& cat = market_.catalog;
  const auto dims = static_cast<Eigen::Index>(cat.dimensions);
  const Eigen::Map<const Eigen::VectorXf> theta(pop.taste_of(c), dims);
  const float beta = pop.price_sensitivity[c];
  const float gamma = pop.deal_proneness[c];
  const auto intercept = static_cast<float>(market_.spec.intercept);
  float* utility = shard.weights.data();
  // Utilities in single precision (their exponentials only set choice probabilities; money stays
  // in integer cents), then one vectorised exp over the shown set.
  for (std::size_t s = 0; s < shown.size(); ++s) {
    const ProductId j = shown[s];
    const Eigen::Map<const Eigen::VectorXf> phi(cat.attributes_of(j), dims);
    utility[s] = intercept + theta.dot(phi) - beta * paid_[j] + gamma * deal_[j];
  }
  if (market_.spec.quality.enabled) {
    for (std::size_t s = 0; s < shown.size(); ++s) {
      utility[s] += static_cast<float>(belief_mean(c, shown[s]));
    }
  }
  const auto& ref = market_.spec.reference_price;
  if (ref.enabled) {
    for (std::size_t s = 0; s < shown.size(); ++s) {
      const ProductId j = shown[s];
      const double reference = reference_index_[c * categories_ + cat.category[j]] * list_[j];
      utility[s] += static_cast<float>(
          ref.weight * reference_price_term(reference, paid_[j], ref.loss_aversion));
    }
  }
  exp_in_place(utility, shown.size());
  const int chosen = logit_choice(shard.weights.data(), shown.size(), rng.uniform());
  if (chosen >= 0) {
    shard.intents.push_back(Intent{t, c, shown[static_cast<std::size_t>(chosen)], visit_index});
  }
}

void Simulation::commit(Day day, Time start, Time end) {
  order_intents(start, end);
  settle(day);
  if (learning_) learn_from_sales();
}

void Simulation::order_intents(Time start, Time end) {
  // Put the window's intents into (time, consumer id) order, in parallel: scatter them into
  // kBuckets equal slices of the window's time (counts and offsets per shard and slice, so each
  // shard writes its own places), then sort each slice. The order is total, so the result does
  // not depend on how the work is scheduled.
  constexpr std::size_t kBuckets = 64;
  const std::size_t shards = shards_.size();
  const double slice = (end - start) / static_cast<double>(kBuckets);
  const auto bucket_of = [&](Time t) {  // monotone in t
    const double b = std::floor((t - start) / slice);
    return b <= 0.0 ? std::size_t{0} : std::min(kBuckets - 1, static_cast<std::size_t>(b));
  };
  bucket_counts_.assign(shards * kBuckets, 0);
  tbb::parallel_for(std::size_t{0}, shards, [&](std::size_t s) {
    for (const Intent& in : shards_[s].intents) ++bucket_counts_[s * kBuckets + bucket_of(in.time)];
  });
  std::vector<std::size_t> bucket_begin(kBuckets + 1, 0);
  std::size_t running = 0;
  for (std::size_t b = 0; b < kBuckets; ++b) {
    bucket_begin[b] = running;
    for (std::size_t s = 0; s < shards; ++s) {
      const std::size_t n = bucket_counts_[s * kBuckets + b];
      bucket_counts_[s * kBuckets + b] = running;  // now: where shard s writes into bucket b
      running += n;
    }
  }
  bucket_begin[kBuckets] = running;
  merged_.resize(running);
  tbb::parallel_for(std::size_t{0}, shards, [&](std::size_t s) {
    for (const Intent& in : shards_[s].intents) merged_[bucket_counts_[s * kBuckets + bucket_of(in.time)]++] = in;
    shards_[s].intents.clear();
  });
  tbb::parallel_for(std::size_t{0}, kBuckets, [&](std::size_t b) {
    std::sort(merged_.begin() + static_cast<std::ptrdiff_t>(bucket_begin[b]),
              merged_.begin() + static_cast<std::ptrdiff_t>(bucket_begin[b + 1]), CommitOrder{});
  });
  for (Shard& shard : shards_) {
    visits_today_ += shard.visits;
    total_visits_ += shard.visits;
    shard.visits = 0;
  }
}

void Simulation::settle(Day day) {
  const Catalog& cat = market_.catalog;
  // Double-buffered: the observer may still be reading the previous window's batch.
  std::vector<SaleRecord>& sales = sales_[window_ % 2];
  std::vector<LostSaleRecord>& lost = lost_[window_ % 2];
  sales.clear();
  lost.clear();
  for (const Intent& in : merged_) {
    const ProductId j = in.product;
    if (on_hand_[j] <= 0) {
      history_.add_lost_sale(day, j);
      lost.push_back(LostSaleRecord{in.time, day, in.consumer, j});
      continue;
    }
    const std::int32_t p = promotion_[j];
    // A promotion stops at its first discount the budget cannot cover; intents it would have
    // funded later in the same window are cancelled too (the shopper saw a price that no longer
    // holds), so when it stops does not depend on the window length.
    if (p >= 0 && (ledger_.exhausted(static_cast<std::size_t>(p)) ||
                   !ledger_.charge(static_cast<std::size_t>(p), discount_[j]))) {
      ++cancelled_today_;
      continue;
    }
    --on_hand_[j];
    ++sold_[j];
    history_.add_sale(day, j);
    const Money discount = p >= 0 ? discount_[j] : 0;
    sale_discounts_ += discount;
    sales.push_back(SaleRecord{in.time, day, in.consumer, j, cat.list_price[j],
                                price_[j] - discount, discount, cat.unit_cost[j], p});
    if (learning_) sale_visits_.push_back(in.visit_index);
  }
}

void Simulation::learn_from_sales() {
  // Consumers learn from what they bought. Each consumer's state belongs to one shard and each
  // experience draws from the (consumer, visit) stream, so shards learn in parallel with the same
  // result as in sequence. The window's sales are grouped by shard first (a counting pass that
  // keeps time order within a shard).
  const std::vector<SaleRecord>& sales = sales_[window_ % 2];
  learn_offsets_.assign(shards_.size() + 1, 0);
  for (const SaleRecord& sale : sales) ++learn_offsets_[sale.consumer / plan_.shard_size + 1];
  for (std::size_t s = 0; s < shards_.size(); ++s) learn_offsets_[s + 1] += learn_offsets_[s];
  learn_order_.resize(sales.size());
  std::vector<std::size_t> next(learn_offsets_.begin(), learn_offsets_.end() - 1);
  for (std::size_t i = 0; i < sales.size(); ++i) {
    learn_order_[next[sales[i].consumer / plan_.shard_size]++] = i;
  }
  tbb::parallel_for(std::size_t{0}, shards_.size(), [&](std::size_t s) {
    for (std::size_t k = learn_offsets_[s]; k < learn_offsets_[s + 1]; ++k) {
      const std::size_t i = learn_order_[k];
      learn(sales[i].consumer, sales[i].product, sale_visits_[i], sales[i].price_paid);
    }
  });
  sale_visits_.clear();
}

double Simulation::belief_mean(ConsumerId c, ProductId j) const {
  const auto memory = static_cast<std::size_t>(market_.spec.quality.memory);
  const std::size_t used = std::min<std::size_t>(beliefs_added_[c], memory);
  const BeliefSlot* slots = beliefs_.data() + c * memory;
  for (std::size_t s = 0; s < used; ++s) {
    if (slots[s].product == j) return slots[s].mean;
  }
  return market_.catalog.category_quality_mean[market_.catalog.category[j]];
}

void Simulation::learn(ConsumerId c, ProductId j, std::uint32_t visit_index, Money paid) {
  const Catalog& cat = market_.catalog;
  if (market_.spec.quality.enabled) {
    const auto& q = market_.spec.quality;
    const auto memory = static_cast<std::size_t>(q.memory);
    BeliefSlot* slots = beliefs_.data() + c * memory;
    const std::size_t used = std::min<std::size_t>(beliefs_added_[c], memory);
    BeliefSlot* slot = nullptr;
    for (std::size_t s = 0; s < used && slot == nullptr; ++s) {
      if (slots[s].product == j) slot = &slots[s];
    }
    if (slot == nullptr) {  // first experience: start from the category prior (oldest forgotten)
      slot = &slots[beliefs_added_[c] % memory];
      *slot = BeliefSlot{j, static_cast<float>(cat.category_quality_mean[cat.category[j]]),
                         static_cast<float>(q.prior_sd * q.prior_sd)};
      ++beliefs_added_[c];
    }
    CounterRng rng(consumption_keys_.key(c), static_cast<std::uint64_t>(visit_index) << 20);
    const double x = boost::random::normal_distribution<double>(cat.quality[j], q.observation_sd)(rng);
    const Belief b = bayes_update(Belief{slot->mean, slot->variance}, x,
                                  q.observation_sd * q.observation_sd);
    slot->mean = static_cast<float>(b.mean);
    slot->variance = static_cast<float>(b.variance);
  }
  const auto& ref = market_.spec.reference_price;
  if (ref.enabled) {
    float& r = reference_index_[c * categories_ + cat.category[j]];
    r = static_cast<float>(adapt_reference(r, to_currency(paid) / list_[j], ref.adaptation));
  }
}

void Simulation::check_invariants() const {
  for (ProductId j = 0; j < products_; ++j) {
    if (initial_[j] + received_[j] - sold_[j] != on_hand_[j] || on_hand_[j] < 0) {
      throw InvariantViolation("units not conserved for product " + std::to_string(j) +
                               ": initial " + std::to_string(initial_[j]) + " + received " +
                               std::to_string(received_[j]) + " - sold " +
                               std::to_string(sold_[j]) + " != on hand " +
                               std::to_string(on_hand_[j]));
    }
  }
  if (ledger_.total_spent() != sale_discounts_) {
    throw InvariantViolation("budget ledger (" + std::to_string(ledger_.total_spent()) +
                             " cents) does not reconcile with the discounts in sales (" +
                             std::to_string(sale_discounts_) + " cents)");
  }
  for (std::size_t a = 0; a < ledger_.accounts(); ++a) {
    if (ledger_.budget(a) && ledger_.spent(a) > *ledger_.budget(a)) {
      throw InvariantViolation("promotion " + std::to_string(a) + " overspent its budget");
    }
  }
}

}  // namespace marketsim
