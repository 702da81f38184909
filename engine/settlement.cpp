// Settlement: the window's chosen lines in commit order, stock per line, per-item promotions
// charged to their budgets, then order-level rules and the promotion mechanics' stages (what the
// consumer holds, then what it pays with), the records and the books.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <bit>
#include <cmath>

#include "engine/shard.h"
#include "sim/error.h"

namespace marketsim {

void Simulation::order_lines(Time start, Time end) {
  // Put the window's lines into (time, consumer, visit, line) order, in parallel: scatter them
  // into kBuckets equal slices of the window's time (counts and offsets per shard and slice, so
  // each shard writes its own places), then sort each slice. The order is total, so the result
  // does not depend on how the work is scheduled.
  constexpr std::size_t kBuckets = 64;
  const std::size_t shards = shards_.size();
  const double slice = (end - start) / static_cast<double>(kBuckets);
  const auto bucket_of = [&](Time t) {  // monotone in t
    const double b = std::floor((t - start) / slice);
    return b <= 0.0 ? std::size_t{0} : std::min(kBuckets - 1, static_cast<std::size_t>(b));
  };
  bucket_counts_.assign(shards * kBuckets, 0);
  tbb::parallel_for(std::size_t{0}, shards, [&](std::size_t s) {
    for (const OrderLine& l : shards_[s]->lines) ++bucket_counts_[s * kBuckets + bucket_of(l.time)];
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
    for (const OrderLine& l : shards_[s]->lines) merged_[bucket_counts_[s * kBuckets + bucket_of(l.time)]++] = l;
    shards_[s]->lines.clear();
  });
  tbb::parallel_for(std::size_t{0}, kBuckets, [&](std::size_t b) {
    std::sort(merged_.begin() + static_cast<std::ptrdiff_t>(bucket_begin[b]),
              merged_.begin() + static_cast<std::ptrdiff_t>(bucket_begin[b + 1]), CommitOrder{});
  });
  for (auto& shard : shards_) {
    visits_today_ += shard->visits;
    segment_visits_today_.resize(market_.population.segment_names.size(), 0);
    for (std::size_t g = 0; g < shard->segment_visits.size(); ++g) {
      segment_visits_today_[g] += shard->segment_visits[g];
      shard->segment_visits[g] = 0;
    }
    total_visits_ += shard->visits;
    total_candidates_ += shard->candidates;
    shard->visits = 0;
    shard->candidates = 0;
    // Impressions by slot: a visit with p placed offers showed one at each position below p.
    std::uint64_t at_or_beyond = 0;
    for (std::size_t k = kBrowsedSlot; k-- > 0;) {
      at_or_beyond += shard->placed_visits[k + 1];
      slot_impressions_today_[k] += at_or_beyond;
    }
    slot_impressions_today_[kBrowsedSlot] += shard->browsed_impressions;
    shard->placed_visits.fill(0);
    shard->browsed_impressions = 0;
    if (track_recommendations_) {
      for (OfferId o = 0; o < offers_; ++o) recommended_today_[o] += shard->recommended[o];
      std::fill(shard->recommended.begin(), shard->recommended.end(), 0u);
      list_pairs_today_ += shard->list_pairs;
      diverse_pairs_today_ += shard->diverse_pairs;
      shard->list_pairs = shard->diverse_pairs = 0;
    }
    if (click_model_) {
      for (std::size_t k = 0; k < kSlotPositions; ++k) slot_clicks_today_[k] += shard->slot_clicks[k];
      shard->slot_clicks.fill(0);
    }
  }
  // Exposures the platform logs (per offer, and per consumer in commit order).
  if (log_.needs().exposures) {
    for (auto& shard : shards_) {
      for (OfferId o = 0; o < offers_; ++o) {
        if (shard->exposures[o] == 0) continue;
        log_.add_exposures(o, shard->exposures[o]);
        log_.add_considered(o, shard->considered[o]);
        shard->exposures[o] = 0;
        shard->considered[o] = 0;
      }
    }
  }
  if (log_.needs().consumer_exposures || log_.needs().consumer_clicks) {
    std::vector<ConsumerEvent> all;
    for (auto& shard : shards_) {
      all.insert(all.end(), shard->exposure_events.begin(), shard->exposure_events.end());
      shard->exposure_events.clear();
    }
    std::sort(all.begin(), all.end(), [](const ConsumerEvent& a, const ConsumerEvent& b) {
      if (a.time != b.time) return a.time < b.time;
      if (a.consumer != b.consumer) return a.consumer < b.consumer;
      if (a.quantity != b.quantity) return a.quantity < b.quantity;
      return a.kind < b.kind;  // a slot's exposure, then its click
    });
    for (const ConsumerEvent& e : all) log_.add_event(e);
  }
}

// Inlined into settle(): one call per order is a measurable share of the serial commit.
[[gnu::always_inline]] inline void Simulation::settle_order(std::size_t first, std::size_t last) {
  const Catalog& cat = market_.catalog;
  const Offers& offers = market_.offers;
  std::vector<LineRecord>& records = lines_[window_ % 2];
  const std::size_t first_record = records.size();
  const OrderLine& head = merged_[first];
  const bool events = log_.needs().consumer_events;
  std::uint32_t units = 0;
  std::uint64_t sellers_with_units = 0;  // bit s: seller s sold something in this order
  for (std::size_t i = first; i < last; ++i) {
    const OrderLine& l = merged_[i];
    const OfferId o = l.offer;
    const SellerId s = single_shop_ ? 0 : offers.seller[o];
    const ProductId j = single_shop_ ? o : offers.product[o];
    SellerBooks& books = books_today_[s];
    log_.add_chosen(o);
    const Units wanted = l.quantity;
    // Shipments due by the line's time are on the shelf (or fill back-orders) before it.
    if (inventory_.next_arrival() <= l.time) [[unlikely]] receive_until(l.time);
    // The line's stock point: the offer's own slot, or (several warehouses) the consumer's
    // region's, with its fallbacks.
    std::size_t slot = o;
    const Units in_stock = routed_ ? routed_stock(s, o, l.consumer, wanted, slot) : inventory_.available(o, wanted);
    Units available = in_stock;
    // A quantity limit sells at most the promotion's allocation left; beyond it, sold out.
    if (caps_ && available > 0) [[unlikely]] available = capped_available(s, o, l.consumer, available);
    // Under back-orders the units not on hand wait for the next deliveries (a promotion's
    // allocation is not a stock-out: beyond it the line is lost as before).
    const Units waiting = supply_[s].backorders && available < wanted && available == in_stock ? wanted - available : 0;
    if (available == 0 && waiting == 0) {  // out of stock: the line is lost
      log_.add_lost(o, static_cast<std::uint32_t>(wanted));
      if (routed_) [[unlikely]] {
        if (PlatformLog* routed = routed_log(slot)) routed->add_lost(o, static_cast<std::uint32_t>(wanted));
      }
      books.units_lost += static_cast<std::uint64_t>(wanted);
      short_today_[slot] += wanted;
      lost_today_[slot] += wanted;
      records.emplace_back(l.time, l.consumer, l.visit, o, j, s, std::uint16_t{l.line}, l.slot, -1, 0u,
                           static_cast<std::uint32_t>(wanted), price_[o], Money{0}, Money{0}, cat.unit_cost[j]);
      if (events) {
        log_.add_event(ConsumerEvent{l.time, l.consumer, EventKind::kStockout, s, -1, o,
                                     static_cast<std::uint32_t>(wanted), 0, 0});
      }
      continue;
    }
    std::int32_t p = promotion_[o];
    Money unit_discount = p >= 0 ? discount_[o] : 0;
    if (any_use_.line_prices) [[unlikely]] {  // a price of the consumer's own (mechanics)
      Shard& shard = *shards_[l.consumer / plan_.shard_size];
      for (std::size_t m = 0; m < mechanics_.size(); ++m) {
        if (use_[m].line_prices) {
          mechanics_[m]->line_discount(mechanic_state(shard, m), static_cast<SellerId>(s), o, l.consumer, p, unit_discount);
        }
      }
    }
    // A promotion stops at its first discount the budget cannot cover (or pauses at the first the
    // day's allowance cannot); lines it would have funded later in the same window are cancelled
    // too (the shopper saw a price that no longer holds), so when it stops does not depend on the
    // window length.
    // A back-ordered line's discount is charged when ordered, for every unit it will ship.
    const Units charged = available + waiting;
    if (special_funding_ && (p < -1 || (p >= 0 && held_out(s, static_cast<std::size_t>(p), l.consumer)))) [[unlikely]] {
      if (!fund_line(s, o, l.consumer, charged, p, unit_discount)) {
        ++books.budget_cancelled;
        continue;
      }
    } else if (p >= 0 && (ledgers_[s].stopped(static_cast<std::size_t>(p)) ||
                          !ledgers_[s].charge(static_cast<std::size_t>(p), unit_discount * charged))) {
      ++books.budget_cancelled;
      continue;
    }
    if (routed_) [[unlikely]] {
      ship_routed(s, o, slot, available, books);
    } else {
      inventory_.sell(o, available);
    }
    if (waiting > 0) [[unlikely]] {
      backorder_line(s, o, slot, l, waiting, p, unit_discount, cat.unit_cost[j]);
      add_checked(books.item_discounts, static_cast<Money>(waiting) * unit_discount);
      add_checked(recorded_discounts_[s], static_cast<Money>(waiting) * unit_discount);
    }
    if (caps_ && p >= 0) [[unlikely]] {
      if (QuantityLimit* limit = limit_of_[s][static_cast<std::size_t>(p)]) {
        limit->sold_at_discount(o - market_.offers.begin(static_cast<SellerId>(s)), static_cast<std::uint64_t>(available));
      }
    }
    log_.add_sale(o, static_cast<std::uint32_t>(available));
    const Units lost = wanted - available - waiting;
    if (lost > 0) {
      log_.add_lost(o, static_cast<std::uint32_t>(lost));
      if (routed_) [[unlikely]] {
        if (PlatformLog* routed = routed_log(slot)) routed->add_lost(o, static_cast<std::uint32_t>(lost));
      }
      books.units_lost += static_cast<std::uint64_t>(lost);
      short_today_[slot] += lost;
      lost_today_[slot] += lost;
    }
    if (continuous_review_ && charged > 0) [[unlikely]] {
      // The slots the line lowered review after it, at its time (the fallbacks it drew on too).
      const Day today = static_cast<Day>(std::floor(l.time));
      if (slot_review_[slot].kind == Review::Kind::kContinuous) review_slot(slot, today, l.time);
      if (routed_) {
        for (const auto& [other, n] : fallback_take_) {
          if (n > 0 && slot_review_[other].kind == Review::Kind::kContinuous) review_slot(other, today, l.time);
        }
      }
      if (inventory_.next_arrival() <= l.time) receive_until(l.time);  // ordered with no lead time
    }
    const LineRecord& rec =
        records.emplace_back(l.time, l.consumer, l.visit, o, j, s, std::uint16_t{l.line}, l.slot, p,
                             static_cast<std::uint32_t>(available), static_cast<std::uint32_t>(lost), price_[o],
                             unit_discount, Money{0}, cat.unit_cost[j]);
    // The books before order-level discounts (apply_order_rules books those).
    books.units_sold += rec.quantity;  // at most 65,535 per line: a day cannot have 2^64 lines
    add_checked(books.revenue, rec.revenue());
    add_checked(books.cogs, rec.cogs());
    add_checked(books.item_discounts, static_cast<Money>(rec.quantity) * unit_discount);
    add_checked(recorded_discounts_[s], static_cast<Money>(rec.quantity) * unit_discount);
    units += rec.quantity;
    sellers_with_units |= std::uint64_t{1} << s;
  }
  if (units > 0 && (order_rules_ || any_use_.settle_all ||
                    (holders_ > 0 && (columns_->data(head.consumer / plan_.shard_size, flags_)
                                          [head.consumer % plan_.shard_size] & kHolds)))) {
    apply_order_rules(first_record, head);
  }
  if (events) {
    for (std::size_t r = first_record; r < records.size(); ++r) {
      const LineRecord& rec = records[r];
      if (rec.quantity == 0) continue;
      log_.add_event(ConsumerEvent{rec.time, rec.consumer, EventKind::kPurchase, rec.seller, rec.promotion,
                                   rec.offer, rec.quantity, rec.revenue(), rec.discount()});
    }
  }
  if (units > 0) {
    ++conversions_today_;
    // By segment (a random read of the consumer's segment per order: with one segment the day's
    // end copies conversions_today_ instead).
    if (market_.population.segment_names.size() > 1) {
      segment_conversions_today_.resize(market_.population.segment_names.size(), 0);
      ++segment_conversions_today_[market_.population.segment[head.consumer]];
    }
    for (std::uint64_t bits = sellers_with_units; bits != 0; bits &= bits - 1) {
      ++books_today_[static_cast<std::size_t>(std::countr_zero(bits))].orders;
    }
  }
  orders_[window_ % 2].push_back(OrderRecord{head.time, head.consumer, head.visit,
                                             static_cast<std::uint32_t>(first_record),
                                             static_cast<std::uint32_t>(records.size() - first_record), units});
}

void Simulation::settle() {
  // Double-buffered: subscribers may still be reading the previous window's records.
  lines_[window_ % 2].clear();
  orders_[window_ % 2].clear();
  lines_[window_ % 2].reserve(merged_.size());
  orders_[window_ % 2].reserve(merged_.size());
  std::size_t first = 0;
  while (first < merged_.size()) {
    std::size_t last = first + 1;
    while (last < merged_.size() && merged_[last].consumer == merged_[first].consumer &&
           merged_[last].visit == merged_[first].visit) {
      ++last;
    }
    settle_order(first, last);
    first = last;
  }
}

bool Simulation::fund_line(std::size_t s, OfferId o, ConsumerId c, Units quantity, std::int32_t& promotion,
                           Money& unit_discount) {
  // A consumer held out of the offer's one funder buys at the list price it was shown.
  if (promotion >= 0) {
    promotion = -1;
    unit_discount = 0;
    return true;
  }
  // A multi-funded offer ("sum" stacking): every funder the consumer is not held out of pays its
  // part, or the line is cancelled (the first funder that cannot pay stops or pauses).
  BudgetLedger& ledger = ledgers_[s];
  const std::size_t promotions = campaigns_[s].size();
  const Money* parts = item_parts_[s].data() + (o - market_.offers.begin(static_cast<SellerId>(s))) * promotions;
  const auto pays = [&](std::size_t q) { return parts[q] > 0 && !(holdouts_ && held_out(s, q, c)); };
  for (std::size_t q = 0; q < promotions; ++q) {
    if (!pays(q)) continue;
    if (ledger.stopped(q)) return false;
    const BudgetLedger::Refusal why = ledger.check(q, parts[q] * quantity);
    if (why != BudgetLedger::Refusal::kNone) {
      ledger.refuse(q, why);
      return false;
    }
  }
  promotion = -1;
  unit_discount = 0;
  for (std::size_t q = 0; q < promotions; ++q) {
    if (!pays(q)) continue;
    ledger.charge(q, parts[q] * quantity);  // fits: checked above, and the accounts are distinct
    unit_discount += parts[q];
    if (promotion < 0 || parts[q] > parts[static_cast<std::size_t>(promotion)]) promotion = static_cast<std::int32_t>(q);
  }
  return true;
}

bool Simulation::funded_by(const LineRecord& r, std::size_t s, std::size_t q) const {
  if (promotion_[r.offer] != kMultiFunded) return r.promotion == static_cast<std::int32_t>(q);
  const std::size_t promotions = campaigns_[s].size();
  const Money* parts = item_parts_[s].data() + (r.offer - market_.offers.begin(static_cast<SellerId>(s))) * promotions;
  return parts[q] > 0 && !(holdouts_ && held_out(s, q, r.consumer));
}

// One seller's part of an order as order-level rules and mechanics settle it (OrderSettlement).
class Simulation::SellerOrder final : public OrderSettlement {
 public:
  SellerOrder(Simulation& sim, std::size_t s, const OrderLine& head)
      : sim_(sim), s_(s), head_(head), records_(sim.lines_[sim.window_ % 2]), stacking_(sim.arm_.sellers[s].stacking) {}
  Time time() const override { return head_.time; }
  ConsumerId consumer() const override { return head_.consumer; }
  SellerId seller() const override { return static_cast<SellerId>(s_); }
  std::span<const std::size_t> lines() const override { return sim_.view_records_; }
  std::span<const std::size_t> lines_for(std::size_t p) override { return group_lines(p); }
  const LineRecord& record(std::size_t r) const override { return records_[r]; }
  Money remaining(std::span<const std::size_t> lines) const override {
    Money t = 0;
    for (std::size_t r : lines) t += records_[r].revenue();
    return t;
  }
  bool blocked(std::size_t p) const override {
    const std::int32_t g = stacking_.group(p);
    return g >= 0 && g < 64 && (groups_applied_ >> g & 1);
  }
  bool charge(std::size_t p, Money amount) override {
    return !sim_.ledgers_[s_].stopped(p) && sim_.ledgers_[s_].charge(p, amount);
  }
  void take(Money discount, std::span<const std::size_t> lines) override {
    __extension__ using i128 = __int128;
    const Money base = remaining(lines);
    Money left = discount;
    for (std::size_t k = 0; k < lines.size(); ++k) {
      LineRecord& rec = records_[lines[k]];
      const Money share = k + 1 == lines.size() ? left : static_cast<Money>(static_cast<i128>(discount) * rec.revenue() / base);
      rec.order_discount += share;
      left -= share;
      SellerBooks& books = sim_.books_today_[rec.seller];
      add_checked(books.order_discounts, share);
      add_checked(books.revenue, -share);
      add_checked(sim_.recorded_discounts_[rec.seller], share);
    }
  }
  /// The lines a promotion in an exclusive group may discount: not those a group mate discounted
  /// per item (the whole order for promotions outside groups).
  const std::vector<std::size_t>& group_lines(std::size_t p) {
    if (!stacking_.grouped() || stacking_.group(p) < 0) return sim_.view_records_;
    std::vector<std::size_t>& out = sim_.group_records_;
    out.clear();
    const std::size_t promotions = sim_.arm_.sellers[s_].promotions.size();
    for (std::size_t r : sim_.view_records_) {
      bool mate = false;
      for (std::size_t q = 0; q < promotions && !mate; ++q) mate = stacking_.exclusive(p, q) && sim_.funded_by(records_[r], s_, q);
      if (!mate) out.push_back(r);
    }
    return out;
  }
  void applied(std::size_t p) {
    const std::int32_t g = stacking_.group(p);
    if (g >= 0 && g < 64) groups_applied_ |= std::uint64_t{1} << g;
  }

 private:
  Simulation& sim_;
  std::size_t s_;
  const OrderLine& head_;
  std::vector<LineRecord>& records_;
  const Stacking& stacking_;
  std::uint64_t groups_applied_ = 0;  // bit g: a rule of group g discounted this order
};

void Simulation::apply_order_rules(std::size_t first_record, const OrderLine& head) {
  // Per seller with units in the order: its promotions' order-level rules in promotion order,
  // then the mechanics' stages (what the consumer holds, then what it pays with), as the seller's
  // stacking rules combine them (strategies/stacking.h).
  // Each discount is charged to its promotion's budget (a discount the budget or the day's
  // allowance cannot cover is not given) and shared among the lines it applies to in proportion to
  // what they cost after earlier discounts (the remainder on the last).
  std::vector<LineRecord>& records = lines_[window_ % 2];
  const Catalog& cat = market_.catalog;
  Shard& shard = *shards_[head.consumer / plan_.shard_size];
  const std::uint8_t flags = columns_->data(shard.index, flags_)[head.consumer - shard.begin];
  for (std::size_t s = 0; s < sellers_; ++s) {
    order_view_.clear();
    view_records_.clear();
    for (std::size_t r = first_record; r < records.size(); ++r) {
      const LineRecord& rec = records[r];
      if (rec.seller != s || rec.quantity == 0) continue;
      order_view_.push_back(OrderLineView{rec.offer, rec.product, cat.category[rec.product], rec.quantity,
                                          rec.unit_price, rec.unit_discount});
      view_records_.push_back(r);
    }
    if (order_view_.empty()) continue;
    SellerOrder order(*this, s, head);
    const OrderView view{head.time, head.consumer, static_cast<SellerId>(s), order_view_};
    SellerStrategies& strategies = arm_.sellers[s];
    const Stacking& stacking = strategies.stacking;
    // 1. What each order-level rule would give, each asked once on the order after per-item
    //    discounts (a grouped rule: on its lines); within a group only the largest is kept, and
    //    with "best" only the largest of all.
    rule_values_.clear();
    for (std::size_t p = 0; p < strategies.promotions.size(); ++p) {
      OrderRule* rule = order_rule_of_[s][p];
      if (rule == nullptr || ledgers_[s].stopped(p) || !campaigns_[s][p].live) continue;
      if (holdouts_ && held_out(s, p, head.consumer)) continue;
      Money value = 0;
      if (stacking.grouped() && stacking.group(p) >= 0) {
        const std::vector<std::size_t>& lines = order.group_lines(p);
        if (lines.empty()) continue;
        group_view_.clear();
        for (std::size_t r : lines) group_view_.push_back(order_view_[static_cast<std::size_t>(
            std::find(view_records_.begin(), view_records_.end(), r) - view_records_.begin())]);
        value = rule->order_discount(OrderView{head.time, head.consumer, static_cast<SellerId>(s), group_view_});
      } else {
        value = rule->order_discount(view);
      }
      rule_values_.emplace_back(p, value);
    }
    // Costs of the rules (a cost kind of their own): charged when the rule applies and its budget
    // covers them.
    for (std::size_t p = 0; p < strategies.promotions.size(); ++p) {
      OrderRule* rule = order_rule_of_[s][p];
      if (rule == nullptr || ledgers_[s].stopped(p) || !campaigns_[s][p].live) continue;
      if (holdouts_ && held_out(s, p, head.consumer)) continue;
      const Money cost = rule->order_cost(view);
      const CostKind kind = rule->order_cost_kind();
      if (cost <= 0 || !ledgers_[s].charge_cost(p, cost, kind)) continue;
      add_checked(books_today_[s].costs[kind], cost);
      add_checked(recorded_costs_[s], cost);
    }
    const auto keep_largest = [&](auto same_set) {
      for (std::size_t i = 0; i < rule_values_.size(); ++i) {
        for (std::size_t j = i + 1; j < rule_values_.size(); ++j) {
          if (!same_set(rule_values_[i].first, rule_values_[j].first)) continue;
          if (rule_values_[j].second > rule_values_[i].second) {
            rule_values_[i].second = 0;
          } else {
            rule_values_[j].second = 0;
          }
        }
      }
    };
    if (stacking.grouped()) keep_largest([&](std::size_t p, std::size_t q) { return stacking.exclusive(p, q); });
    if (stacking.order_rules == Stacking::OrderRules::kBest) keep_largest([](std::size_t, std::size_t) { return true; });

    // 2. "exclusive" stacking of held items: either the rules or what the consumer holds (its best),
    //    whichever is worth more on the order (compared before anything is charged; the rules on
    //    a tie).
    const auto stage_applies = [&](std::size_t m, Mechanic::Stage stage) {
      return mechanics_[m]->stage() == stage && applies(m, flags, use_[m].settle_all);
    };
    bool held_allowed = true;
    if (stacking.held == Stacking::Held::kExclusive) {
      bool holds = false;
      Money held_value = 0;
      for (std::size_t m = 0; m < mechanics_.size(); ++m) {
        if (!stage_applies(m, Mechanic::Stage::kHeld)) continue;
        holds = true;
        held_value = std::max(held_value, mechanics_[m]->held_value(mechanic_state(shard, m), order));
      }
      if (holds) {
        Money left = order.remaining(view_records_);
        for (const auto& [p, value] : rule_values_) left -= std::min(std::max<Money>(value, 0), left);
        if (held_value > order.remaining(view_records_) - left) {
          rule_values_.clear();
        } else {
          held_allowed = false;
        }
      }
    }
    // 3. The rules, in promotion order, each at most what is left of its lines (a scoped rule's:
    //    those it covers).
    for (const auto& [p, value] : rule_values_) {
      const OrderRule& rule = *order_rule_of_[s][p];
      const std::vector<std::size_t>* covered = &order.group_lines(p);
      if (rule.scoped()) {
        scoped_records_.clear();
        for (std::size_t r : *covered) {
          if (rule.rule_covers(records[r].product, cat.category[records[r].product])) scoped_records_.push_back(r);
        }
        covered = &scoped_records_;
      }
      const std::vector<std::size_t>& lines = *covered;
      if (lines.empty()) continue;
      const Money discount = std::min(value, order.remaining(lines));
      if (discount <= 0 || !ledgers_[s].charge(p, discount)) continue;
      order.take(discount, lines);
      order.applied(p);
    }
    // 4. What the consumer holds, then 5. what it pays with (like cash, last).
    for (std::size_t m = 0; m < mechanics_.size() && held_allowed; ++m) {
      if (stage_applies(m, Mechanic::Stage::kHeld)) mechanics_[m]->settle(mechanic_state(shard, m), order);
    }
    for (std::size_t m = 0; m < mechanics_.size(); ++m) {
      if (stage_applies(m, Mechanic::Stage::kTender)) mechanics_[m]->settle(mechanic_state(shard, m), order);
    }
  }
}

}  // namespace marketsim
