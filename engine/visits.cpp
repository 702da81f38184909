// The visit pipeline of a shard: candidate visits from the calendar, thinning by the intensity
// modules, shown offers, utilities, logit choices and baskets, quantities; the chosen lines wait
// in the shard for the window's settlement.
#include <Eigen/Core>
#include <algorithm>
#include <bit>
#include <boost/random/exponential_distribution.hpp>
#include <cmath>
#include <limits>

#include "agents/choice.h"
#include "engine/shard.h"

namespace marketsim {
namespace {

/// Consumers per batch: their visits go through the stages together (a few kilobytes of
/// scratch, so a batch stays in the first cache levels).
constexpr std::size_t kBatchConsumers = 64;

/// The largest double below x, for x positive and finite (std::nextafter(x, 0) without libm).
double next_below(double x) { return std::bit_cast<double>(std::bit_cast<std::uint64_t>(x) - 1); }

}  // namespace

Time Simulation::next_candidate_thinned(Time t, double base_gap) const {
  // Candidate visits of a consumer with base rate r form a Poisson process of rate r * bound(t),
  // bound being the product of the intensity modules' bounds, piecewise constant by part of a
  // window: `base_gap` is an Exp(r) draw in intensity time, mapped back through the bound's
  // integral.
  if (!(t >= 0.0)) return std::numeric_limits<double>::infinity();
  const double per_day = static_cast<double>(parts_per_day_);
  const std::size_t parts = part_bound_.size();
  const auto p = static_cast<std::size_t>(t * per_day);  // t >= 0: truncation is floor
  if (p >= parts) return std::numeric_limits<double>::infinity();
  const double target = bound_integral_[p] + (t - part_start(p)) * part_bound_[p] + base_gap;
  if (!(target < bound_integral_[parts])) return std::numeric_limits<double>::infinity();
  // The part whose integral range holds the target (parts of zero bound have empty ranges),
  // found from the guide table (Chen and Asau's indexed search): the part holding intensity time
  // g * step is guide_[g], and the target's part is at most a few parts further on.
  const auto g = std::min(static_cast<std::size_t>(target * inverse_step_), guide_.size() - 1);
  std::size_t v = std::max<std::size_t>(guide_[g], p);
  while (bound_integral_[v + 1] <= target) ++v;
  while (v > p && bound_integral_[v] > target) --v;  // g / inverse_step_ rounded past the target
  const Time lo = part_start(v);
  const Time at = lo + (target - bound_integral_[v]) / part_bound_[v];
  // Rounding may land a hair outside part v; keep the candidate inside it.
  const Time hi = next_below(part_start(v + 1));
  return std::clamp(std::max(at, t), lo, hi);
}

std::size_t Simulation::part_of(Time t, std::size_t w) const {
  const std::size_t first = w * parts_per_window_;
  const double x = t * static_cast<double>(parts_per_day_);
  const auto p = x > 0.0 ? static_cast<std::size_t>(x) : std::size_t{0};  // truncation is floor here
  return std::clamp(p, first, first + parts_per_window_ - 1);
}

void Simulation::Shard::leave(ConsumerId c) { sim.columns_->data(index, sim.flags_)[c - begin] |= kChurned; }

bool Simulation::Shard::active(ConsumerId c) const {
  return (sim.columns_->data(index, sim.flags_)[c - begin] & kChurned) == 0;
}

void Simulation::Shard::enter(ConsumerId c, Time t) { sim.enter_calendar(*this, c, t); }

void Simulation::Shard::redraw(ConsumerId c, Time t) {
  if (sim.consumer_bound_modules_.empty() || !active(c)) return;
  const std::size_t local = c - begin;
  const float f = float_at_least(sim.consumer_factor(*this, c, std::max(t, earliest_entry)));
  // A pending candidate drawn at a bound at least this high still bounds the intensity (also one
  // beyond the horizon, which is not filed: so arms whose candidate clocks differ only after a
  // time make the same decisions before it).
  if (f <= sim.columns_->data(index, sim.bound_factor_)[local]) return;
  sim.file_candidate(*this, c, t, VisitStage::kRedraw, f);
}

double Simulation::consumer_factor(Shard& shard, ConsumerId c, Time t) {
  double f = 1.0;
  for (std::size_t m : consumer_bound_modules_) f *= behaviours_[m]->consumer_bound(context(shard, m), c, t);
  return f;
}

void Simulation::enter_calendar(Shard& shard, ConsumerId c, Time t) {
  const std::size_t local = c - shard.begin;
  std::uint8_t& flags = columns_->data(shard.index, flags_)[local];
  flags &= static_cast<std::uint8_t>(~kChurned);
  if (flags & kFiled) return;  // its next candidate visit is still in the calendar
  file_candidate(shard, c, t, VisitStage::kReentry);
}

void Simulation::file_candidate(Shard& shard, ConsumerId c, Time t, VisitStage stage, float factor) {
  // Memoryless: the next candidate after t (or the first window not taken), from a draw of its
  // own. A candidate filed before stays in its bucket; advance() skips it as stale, since the
  // consumer's next_visit no longer falls in that window.
  const std::size_t local = c - shard.begin;
  std::uint8_t& flags = columns_->data(shard.index, flags_)[local];
  const Time from = std::max(t, shard.earliest_entry);
  Time* next = columns_->data(shard.index, next_visit_);
  const std::uint32_t k = columns_->data(shard.index, visit_index_)[local];
  CounterRng rng = visit_stream(visit_keys_.key(c), k, stage);
  double rate = market_.population.visit_rate[c];
  if (!consumer_bound_modules_.empty()) {
    const float f = factor >= 0.0f ? factor : float_at_least(consumer_factor(shard, c, from));
    columns_->data(shard.index, bound_factor_)[local] = f;
    rate *= static_cast<double>(f);
  }
  Time at = next_candidate(from, boost::random::exponential_distribution<double>(1.0)(rng) / rate);
  // A window's start time, computed as w / windows_per_day, may round into the window before it:
  // never file a visit in a window already taken.
  while (shard.calendar.within(at) && shard.calendar.window_of(at) < shard.calendar.next_window()) {
    at = std::nextafter(at, std::numeric_limits<double>::infinity());
  }
  next[local] = at;
  if (shard.calendar.schedule(static_cast<std::uint32_t>(local), next[local])) {
    flags |= kFiled;
  } else {
    flags &= static_cast<std::uint8_t>(~kFiled);
  }
}

void Simulation::advance(Shard& shard, std::size_t window) {
  // Visit the window's consumers in id order: a bitmap over the shard's ids turns the bucket
  // (filed in whatever order consumers were rescheduled) into a sorted list in O(n + size / 64),
  // so taste vectors and per-consumer columns are read in address order.
  const std::vector<std::uint32_t> due = shard.calendar.take(window);
  for (std::uint32_t local : due) shard.bitmap[local >> 6] |= std::uint64_t{1} << (local & 63);
  shard.order.clear();
  for (std::size_t w = 0; w < shard.bitmap.size(); ++w) {
    for (std::uint64_t bits = shard.bitmap[w]; bits != 0; bits &= bits - 1) {
      shard.order.push_back(static_cast<std::uint32_t>(w * 64 + static_cast<std::size_t>(std::countr_zero(bits))));
    }
    shard.bitmap[w] = 0;
  }
  Time* next = columns_->data(shard.index, next_visit_);
  std::uint32_t* index = columns_->data(shard.index, visit_index_);
  std::uint8_t* flags = columns_->data(shard.index, flags_);
  const bool per_consumer = !consumer_bound_modules_.empty();
  float* factor = per_consumer ? columns_->data(shard.index, bound_factor_) : nullptr;
  const std::size_t dims = market_.catalog.dimensions;
  VisitScratch& b = shard.scratch;
  for (std::size_t i0 = 0; i0 < shard.order.size(); i0 += kBatchConsumers) {
    const std::size_t i1 = std::min(shard.order.size(), i0 + kBatchConsumers);
    b.clear_visits();
    for (std::size_t i = i0; i < i1; ++i) {
      const std::uint32_t local = shard.order[i];
      const ConsumerId c = shard.begin + local;
      // A candidate drawn again (redraw) leaves its first filing behind: skip that one.
      if (per_consumer && !(shard.calendar.within(next[local]) && shard.calendar.window_of(next[local]) == window)) continue;
      flags[local] &= static_cast<std::uint8_t>(~kFiled);
      if (flags[local] & kChurned) continue;  // left the calendar: no visit until it re-enters
      const float* taste = market_.population.taste_of(c);
      // The taste row need not start on a cache line (the vector's storage is 16-byte aligned):
      // fetch every line it touches, its last float's included.
      for (std::size_t d = 0; d < dims; d += 16) __builtin_prefetch(taste + d);
      __builtin_prefetch(taste + dims - 1);
      __builtin_prefetch(market_.population.price_sensitivity.data() + c);
      __builtin_prefetch(market_.population.deal_proneness.data() + c);
      if (prefetch_columns_) columns_->prefetch(shard.index, local);
      const std::uint64_t key = visit_keys_.key(c);
      const double rate = market_.population.visit_rate[c];
      Time t = next[local];
      std::uint32_t k = index[local];
      // A consumer may have several candidate visits in one window; they run in order. The gap
      // to the next candidate comes from the candidate's gap stream, so candidate times are
      // common to all arms whatever each visit then draws.
      if (per_consumer) {
        do {
          CounterRng rng = visit_stream(key, k, VisitStage::kGap);
          double gap = boost::random::exponential_distribution<double>(1.0)(rng) / rate;
          // The candidate was drawn with the factor of its time of drawing; the next one is drawn
          // with the factor at this candidate's time.
          b.add_visit(c, t, k, key);
          b.bound[b.visits - 1] = static_cast<double>(factor[local]);
          const float f = float_at_least(consumer_factor(shard, c, t));
          factor[local] = f;
          gap /= static_cast<double>(f);
          t = next_candidate(t, gap);
          ++k;
        } while (shard.calendar.within(t) && shard.calendar.window_of(t) == window);
      } else {
        do {
          CounterRng rng = visit_stream(key, k, VisitStage::kGap);
          const double gap = boost::random::exponential_distribution<double>(1.0)(rng) / rate;
          b.add_visit(c, t, k, key);
          t = next_candidate(t, gap);
          ++k;
        } while (shard.calendar.within(t) && shard.calendar.window_of(t) == window);
      }
      next[local] = t;
      index[local] = k;
      if (shard.calendar.schedule(local, t)) flags[local] |= kFiled;
    }
    if (!intensity_modules_.empty() || !traffic_promotions_.empty()) {
      thin(shard, window);
    } else {
      shard.candidates += b.visits;
    }
    if (b.visits > 0) visit_batch(shard);
  }
}

void Simulation::thin(Shard& shard, std::size_t window) {
  // Accept each candidate with probability (its intensity multiplier) / (the window's bound),
  // with the uniform of its thinning stream: the same in every arm.
  VisitScratch& b = shard.scratch;
  const std::size_t n = b.visits;
  const bool per_consumer = !consumer_bound_modules_.empty();
  shard.candidates += n;
  b.multiplier.assign(n, 1.0);
  for (std::size_t m : intensity_modules_) {
    const ShardContext ctx = context(shard, m);
    IntensityBatch batch{ctx, std::span<const ConsumerId>(b.consumer.data(), n), std::span<const Time>(b.time.data(), n),
                         b.multiplier};
    behaviours_[m]->intensity(batch);
  }
  if (!traffic_promotions_.empty()) {
    for (std::size_t i = 0; i < n; ++i) b.multiplier[i] *= traffic_at(b.time[i]);
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double bound = part_bound_[part_of(b.time[i], window)] * (per_consumer ? b.bound[i] : 1.0);
    const double u = visit_stream(b.key[i], b.visit[i], VisitStage::kThin).uniform();
    if (!(u * bound < b.multiplier[i])) continue;
    b.consumer[kept] = b.consumer[i];
    b.time[kept] = b.time[i];
    b.visit[kept] = b.visit[i];
    b.key[kept] = b.key[i];
    if (per_consumer) b.bound[kept] = b.bound[i];
    ++kept;
  }
  b.visits = kept;
}

void Simulation::personal_prices(Shard& shard, std::size_t v, std::uint32_t first, std::uint32_t end, bool held) {
  // The mechanics that apply to this visit (window-wide ones, and those whose state the consumer
  // holds), in registry order, each lowering the prices its offers give the consumer; every one
  // sees the unit prices before any of them (the window's, less the per-item discount the
  // consumer sees).
  VisitScratch& b = shard.scratch;
  const ConsumerId c = b.consumer[v];
  const std::uint8_t flags = columns_->data(shard.index, flags_)[c - shard.begin];
  const std::size_t count = end - first;
  bool unit_ready = false;
  for (std::size_t m = 0; m < mechanics_.size(); ++m) {
    if (!applies(m, flags, use_[m].price_all)) continue;
    if (!unit_ready) {
      b.unit.resize(count);
      for (std::size_t k = 0; k < count; ++k) {
        const OfferId o = b.offer[first + k];
        b.unit[k] = price_[o] - (held ? visible_discount(o, c) : discount_[o]);
      }
      unit_ready = true;
    }
    mechanics_[m]->price(mechanic_state(shard, m),
                         VisitPrices{c, b.time[v], std::span<const OfferId>(b.offer.data() + first, count),
                                     std::span<const Money>(b.unit.data(), count),
                                     std::span<float>(b.price.data() + first, count)});
  }
}

void Simulation::held_out_utilities(Shard& shard, std::size_t v, std::uint32_t first, std::uint32_t end) {
  // Only visits of consumers in some promotion's holdout come here (out of line, so that the
  // visit path of runs without holdouts is what it was): the offers whose discount a promotion
  // holding them out funds are shown without it (at list price, without the deal tag; under
  // "sum" stacking, without its part), then the consumer's own offers, then the base utility.
  VisitScratch& b = shard.scratch;
  const ConsumerId c = b.consumer[v];
  const Population& pop = market_.population;
  const Catalog& cat = market_.catalog;
  const auto dims = static_cast<Eigen::Index>(cat.dimensions);
  const auto intercept = static_cast<float>(market_.spec.intercept);
  const Eigen::Map<const Eigen::VectorXf> theta(pop.taste_of(c), dims);
  const float beta = pop.price_sensitivity[c];
  const float gamma = pop.deal_proneness[c];
  std::uint64_t untagged = 0;
  for (std::uint32_t s = first; s < end; ++s) {
    const OfferId o = b.shown[s - first];
    b.offer[s] = o;
    b.price[s] = paid_[o];
    if (promotion_[o] == -1) continue;
    const Money d = visible_discount(o, c);
    if (d == discount_[o]) continue;
    b.price[s] = static_cast<float>(to_currency(price_[o] - d));
    if (d == 0) untagged |= std::uint64_t{1} << (s - first);
  }
  personal_prices(shard, v, first, end, true);
  for (std::uint32_t s = first; s < end; ++s) {
    const OfferId o = b.offer[s];
    const Eigen::Map<const Eigen::VectorXf> phi(cat.attributes_of(market_.offers.product[o]), dims);
    const float deal = (untagged >> (s - first) & 1) ? 0.0f : deal_[o];
    b.utility[s] = intercept + theta.dot(phi) - beta * b.price[s] + gamma * deal;
  }
}

std::size_t Simulation::open_unlocks(VisitScratch& b, std::size_t v, const float* weights, std::size_t count) const {
  // The spend rules that apply to this consumer (not held out), their spend so far (none), and
  // the slots' weights before any unlock.
  const ConsumerId c = b.consumer[v];
  b.unlock_rule.clear();
  for (std::uint32_t u : live_unlocks_) {
    if (holdouts_ && held_out(unlocks_[u].seller, unlocks_[u].promotion, c)) continue;
    b.unlock_rule.push_back(u);
  }
  b.unlock_spend.assign(b.unlock_rule.size(), 0);
  b.unlock_base.assign(weights, weights + count);
  return b.unlock_rule.size();
}

void Simulation::unlock_weights(VisitScratch& b, std::size_t v, float* weights, std::size_t count) const {
  // MODEL.md "Choice": an item whose price takes the basket's spend across a tier of a spend rule
  // gains utility beta * (the discount it unlocks), i.e. its weight is multiplied by
  // exp(beta * unlocked): the rule's discount at (spend + price) less that at the spend so far,
  // in currency, summed over the rules covering the item. Prices are those shown (per-item
  // promotions and the consumer's own offers applied), one unit each.
  const double beta = market_.population.price_sensitivity[b.consumer[v]];
  const std::uint32_t first = b.first_slot[v];
  for (std::size_t k = 0; k < count; ++k) {
    const float base = b.unlock_base[k];
    if (base == 0.0f) {  // taken
      weights[k] = 0.0f;
      continue;
    }
    const OfferId o = b.offer[first + k];
    const Money price = to_cents(static_cast<double>(b.price[first + k]));
    Money unlocked = 0;
    for (std::size_t r = 0; r < b.unlock_rule.size(); ++r) {
      const SpendUnlock& u = unlocks_[b.unlock_rule[r]];
      if (!u.covers[o]) continue;
      const Money spend = b.unlock_spend[r];
      unlocked += u.tiers->discount(spend + price) - u.tiers->discount(spend);
    }
    weights[k] = unlocked > 0 ? static_cast<float>(static_cast<double>(base) *
                                                  std::exp(std::min(80.0, beta * to_currency(unlocked))))
                              : base;
  }
}

void Simulation::take_unlocked(VisitScratch& b, std::size_t slot, std::size_t k) const {
  b.unlock_base[k] = 0.0f;
  const OfferId o = b.offer[slot];
  const Money price = to_cents(static_cast<double>(b.price[slot]));
  for (std::size_t r = 0; r < b.unlock_rule.size(); ++r) {
    if (unlocks_[b.unlock_rule[r]].covers[o]) b.unlock_spend[r] += price;
  }
}

void Simulation::choose_baskets(Shard& shard, std::span<float> weights_of_slots) {
  // The logit draw repeats without the items already taken until the outside option wins or the
  // basket is full (b.max_lines, set by the basket modules); then the modules set each line's
  // quantity.
  VisitScratch& b = shard.scratch;
  const std::size_t n = b.visits;
  b.clear_lines();
  for (std::size_t v = 0; v < n; ++v) {
    const std::uint32_t first = b.first_slot[v];
    const std::size_t count = b.first_slot[v + 1] - first;
    float* weights = weights_of_slots.data() + first;
    CounterRng rng = visit_stream(b.key[v], b.visit[v], VisitStage::kChoice);
    const std::size_t rules = live_unlocks_.empty() ? 0 : open_unlocks(b, v, weights, count);
    for (std::uint8_t line = 0; line < b.max_lines[v]; ++line) {
      if (rules > 0) unlock_weights(b, v, weights, count);
      const int chosen = logit_choice(weights, count, rng.uniform());
      if (chosen < 0 || weights[chosen] == 0.0f) break;
      const auto s = static_cast<std::size_t>(chosen);
      if (rules > 0) take_unlocked(b, first + s, s);
      b.line_consumer.push_back(b.consumer[v]);
      b.line_time.push_back(b.time[v]);
      b.line_visit.push_back(b.visit[v]);
      b.line_no.push_back(line);
      b.line_slot.push_back(static_cast<std::uint8_t>(s < b.placed[v] ? s : kBrowsedSlot));
      b.line_offer.push_back(b.offer[first + s]);
      b.line_price.push_back(b.price[first + s]);
      b.line_quantity.push_back(1);
      weights[s] = 0.0f;
    }
  }
  if (b.line_offer.empty()) return;
  for (std::size_t m : basket_modules_) {
    const ShardContext ctx = context(shard, m);
    LineBatch lb{ctx, b.line_consumer, b.line_time, b.line_offer, b.line_price, b.line_quantity, b.line_visit,
                 b.line_no};
    behaviours_[m]->quantities(lb);
  }
  for (std::size_t l = 0; l < b.line_offer.size(); ++l) {
    if (b.line_quantity[l] == 0) continue;
    shard.lines.push_back(OrderLine{b.line_time[l], b.line_consumer[l], b.line_visit[l], b.line_offer[l],
                                    b.line_quantity[l], b.line_no[l], b.line_slot[l]});
  }
}

void Simulation::visit_batch(Shard& shard) {
  VisitScratch& b = shard.scratch;
  const std::size_t n = b.visits;
  const std::span<const ConsumerId> consumers(b.consumer.data(), n);
  const std::span<const Time> times(b.time.data(), n);
  const std::span<const std::uint32_t> visits(b.visit.data(), n);
  const Population& pop = market_.population;
  const Catalog& cat = market_.catalog;
  const Offers& offers = market_.offers;
  std::uint8_t* flags = columns_->data(shard.index, flags_);

  // Shown offers, written straight into the batch: each seller's recommendation slots, featured
  // slots, the consumer's own (mechanics), then organic browsing uniformly among the offers not
  // shown yet. Then the prices the consumer faces (the window's price after per-item promotions,
  // lowered by the mechanics' prices for this consumer) and the engine's base utility, in single
  // precision (their exponentials only set choice probabilities; money stays in integer cents).
  const auto browse = static_cast<std::size_t>(market_.spec.browse_slots);
  const auto dims = static_cast<Eigen::Index>(cat.dimensions);
  const auto intercept = static_cast<float>(market_.spec.intercept);
  b.first_slot.resize(n + 1);
  b.placed.resize(n);
  b.offer.resize(n * ShownSet::kCapacity);
  b.price.resize(n * ShownSet::kCapacity);
  b.utility.resize(n * ShownSet::kCapacity + kExpBlock);
  std::uint32_t slots = 0;
  OfferId* shown_offers = b.offer.data();
  float* price = b.price.data();
  float* utility_out = b.utility.data();
  const float* paid = paid_.data();
  const float* deal = deal_.data();
  const ProductId* product = offers.product.data();
  ShownSet& shown = b.shown;
  const Recommender* single_recommender = arm_.sellers[0].recommender.get();
  for (std::size_t v = 0; v < n; ++v) {
    const ConsumerId c = b.consumer[v];
    shown.clear();
    if (sellers_ == 1) {
      CounterRng rng = visit_stream(b.key[v], b.visit[v], VisitStage::kRecommend);
      single_recommender->recommend(c, rng, shown);
    } else {
      for (std::size_t s = 0; s < sellers_; ++s) {
        CounterRng rng = visit_stream(b.key[v], b.visit[v], VisitStage::kRecommend, s);
        arm_.sellers[s].recommender->recommend(c, rng, shown);
      }
    }
    if (track_recommendations_) [[unlikely]] {
      // Exposures per offer, and the list's pairs in different categories: all pairs less those
      // within a category, counted in one pass (a pair of same-category offers adds the count of
      // the category so far), O(listed); with one category every pair is the same category.
      const std::size_t listed = shown.size();
      for (std::size_t i = 0; i < listed; ++i) ++shard.recommended[shown[i]];
      if (listed >= 2) {
        const std::uint64_t pairs = listed * (listed - 1) / 2;
        shard.list_pairs += pairs;
        if (cat.category_names.size() > 1) {
          std::uint16_t* count = shard.category_count.data();
          std::array<std::uint16_t, ShownSet::kCapacity> category;
          std::uint64_t same = 0;
          for (std::size_t i = 0; i < listed; ++i) {
            category[i] = cat.category[product[shown[i]]];
            same += count[category[i]]++;
          }
          for (std::size_t i = 0; i < listed; ++i) count[category[i]] = 0;
          shard.diverse_pairs += pairs - same;
        }
      }
    }
    if (any_featured_) [[unlikely]] {
      // Featured slots: drawn uniformly from each seller's featured offers, repeats dropped.
      CounterRng rng = visit_stream(b.key[v], b.visit[v], VisitStage::kFeatured);
      for (std::size_t s = 0; s < sellers_; ++s) {
        const std::vector<OfferId>& list = featured_[s];
        for (std::size_t k = 0; k < featured_slots_[s]; ++k) {
          const OfferId o = list[rng.below(list.size())];
          if (!shown.contains(o) && !shown.full()) shown.push(o);
        }
      }
    }
    if (any_use_.show) [[unlikely]] {  // offers of the consumer's own (mechanics' show hooks)
      for (std::size_t m = 0; m < mechanics_.size(); ++m) {
        if (use_[m].show) mechanics_[m]->show(mechanic_state(shard, m), c, b.time[v], shown);
      }
    }
    const std::size_t placed = shown.size();
    if (browse > 0) {
      CounterRng rng = visit_stream(b.key[v], b.visit[v], VisitStage::kBrowse);
      shown.add_uniform(std::min(browse, offers_ - shown.size()), 0, offers_, rng);
    }
    b.placed[v] = static_cast<std::uint8_t>(placed);
    ++shard.placed_visits[placed];
    shard.browsed_impressions += shown.size() - placed;
    b.first_slot[v] = slots;
    const std::uint32_t end = slots + static_cast<std::uint32_t>(shown.size());
    const Eigen::Map<const Eigen::VectorXf> theta(pop.taste_of(c), dims);
    const float beta = pop.price_sensitivity[c];
    const float gamma = pop.deal_proneness[c];
    if (single_shop_ && !any_use_.price_all && !(flags[c - shard.begin] & (kHolds | kHeldOut))) {
      // The common case in one pass: offer o is product o, the price is the window's.
      OfferId* out_offer = shown_offers + slots;
      float* out_price = price + slots;
      float* out_utility = utility_out + slots;
      for (const OfferId o : shown) {
        const float p = paid[o];
        *out_offer++ = o;
        *out_price++ = p;
        const Eigen::Map<const Eigen::VectorXf> phi(cat.attributes_of(o), dims);
        *out_utility++ = intercept + theta.dot(phi) - beta * p + gamma * deal[o];
      }
    } else if (flags[c - shard.begin] & kHeldOut) [[unlikely]] {
      held_out_utilities(shard, v, slots, end);
    } else {
      for (std::size_t k = 0; k < shown.size(); ++k) {
        shown_offers[slots + k] = shown[k];
        price[slots + k] = paid[shown[k]];
      }
      if (any_use_.price_all || (flags[c - shard.begin] & kHolds)) personal_prices(shard, v, slots, end, false);
      for (std::uint32_t s = slots; s < end; ++s) {
        const OfferId o = shown_offers[s];
        const Eigen::Map<const Eigen::VectorXf> phi(cat.attributes_of(product[o]), dims);
        utility_out[s] = intercept + theta.dot(phi) - beta * price[s] + gamma * deal[o];
      }
    }
    slots = end;
  }
  b.first_slot[n] = slots;
  const std::span<float> utility(b.utility.data(), slots);
  // Announced discounts hold shoppers back: beta times what waiting is worth, off each shown
  // offer's utility (not for a campaign's holdout, who never hear of it).
  if (any_waiting_) [[unlikely]] {
    const float* waiting = waiting_.data();
    for (std::size_t v = 0; v < n; ++v) {
      const ConsumerId c = b.consumer[v];
      if (flags[c - shard.begin] & kHeldOut) continue;
      const float beta = pop.price_sensitivity[c];
      for (std::uint32_t s = b.first_slot[v]; s < b.first_slot[v + 1]; ++s) utility[s] -= beta * waiting[b.offer[s]];
    }
  }
  for (std::size_t m : utility_modules_) {
    const ShardContext ctx = context(shard, m);
    VisitBatch mb{ctx, consumers, times, visits, b.first_slot, b.offer, b.price, utility, {}, b.placed};
    behaviours_[m]->utility(mb);
  }

  // Clicks by slot, when a module models them (hidden offers are not clicked).
  if (click_model_) {
    for (std::size_t v = 0; v < n; ++v) {
      const std::uint32_t first = b.first_slot[v], end = b.first_slot[v + 1], browsed = first + b.placed[v];
      for (std::uint32_t s = first; s < end; ++s) {
        shard.slot_clicks[s < browsed ? s - first : kBrowsedSlot] += utility[s] > kUnclicked / 2;
      }
    }
  }

  // Mechanics watching the visits.
  if (any_use_.observe) [[unlikely]] {
    const VisitsView view{n, consumers, times, visits, std::span<const std::uint64_t>(b.key.data(), n), b.first_slot,
                          b.offer, utility};
    for (std::size_t m = 0; m < mechanics_.size(); ++m) {
      if (use_[m].observe) mechanics_[m]->observe(mechanic_state(shard, m), view);
    }
  }

  // Basket modules say how many items each basket may take (default 1; they see utilities).
  if (!basket_modules_.empty() || !live_unlocks_.empty()) {
    b.max_lines.assign(n, 1);
    for (std::size_t m : basket_modules_) {
      const ShardContext ctx = context(shard, m);
      VisitBatch mb{ctx, consumers, times, visits, b.first_slot, b.offer, b.price, utility, b.max_lines, b.placed};
      behaviours_[m]->basket(mb);
    }
  }

  // What the platform logs of the exposures, when a strategy reads them: each shown offer, and
  // whether a module hid it from the choice (not considered).
  if (log_.needs().exposures) {
    for (std::size_t s = 0; s < slots; ++s) {
      ++shard.exposures[b.offer[s]];
      if (utility[s] > kUnclicked / 2) ++shard.considered[b.offer[s]];
    }
  }

  // Per consumer, when a strategy reads them: every exposure (offer, slot), and the clicks (the
  // exposures a click model left in the choice).
  const bool log_exposures = log_.needs().consumer_exposures, log_clicks = log_.needs().consumer_clicks && click_model_;
  if (log_exposures || log_clicks) {
    for (std::size_t v = 0; v < n; ++v) {
      for (std::uint32_t s = b.first_slot[v]; s < b.first_slot[v + 1]; ++s) {
        const ConsumerEvent e{b.time[v], b.consumer[v], EventKind::kExposure, offers.seller[b.offer[s]], -1,
                              b.offer[s], s - b.first_slot[v], 0, 0};
        if (log_exposures) shard.exposure_events.push_back(e);
        if (log_clicks && utility[s] > kUnclicked / 2) {
          shard.exposure_events.push_back(e);
          shard.exposure_events.back().kind = EventKind::kClick;
        }
      }
    }
  }

  // Choices: one vectorised exp over the batch, then per visit a logit draw.
  exp_in_place(b.utility.data(), slots);
  if (basket_modules_.empty() && live_unlocks_.empty()) {  // one item per visit, quantity 1: the choice alone
    for (std::size_t v = 0; v < n; ++v) {
      const std::uint32_t first = b.first_slot[v];
      const int chosen = logit_choice(b.utility.data() + first, b.first_slot[v + 1] - first,
                                      visit_stream(b.key[v], b.visit[v], VisitStage::kChoice).uniform());
      if (chosen < 0) continue;
      const auto slot = static_cast<std::uint8_t>(chosen < b.placed[v] ? chosen : kBrowsedSlot);
      shard.lines.push_back(OrderLine{b.time[v], b.consumer[v], b.visit[v], b.offer[first + static_cast<std::size_t>(chosen)], 1, 0, slot});
    }
  } else {
    choose_baskets(shard, utility);
  }
  shard.visits += n;
  {  // by the consumers' segments (DayRecord::segment_visits)
    const std::uint16_t* segment = market_.population.segment.data();
    std::vector<std::uint64_t>& by_segment = shard.segment_visits;
    by_segment.resize(market_.population.segment_names.size(), 0);
    if (by_segment.size() == 1) {
      by_segment[0] += n;
    } else {
      for (std::size_t v = 0; v < n; ++v) ++by_segment[segment[b.consumer[v]]];
    }
  }
}

}  // namespace marketsim
