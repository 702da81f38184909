// The inventory agent's supply side (MODEL.md "Inventory"): the sellers' replenishment policies
// review their offers (at the start of their review days, or after each settled line that lowers
// an offer's position), orders travel for a lead time drawn per (offer, order time) and arrive
// at order time + L exactly (settlement receives them between the lines around that time, so
// orders may cross and a delivery is on the shelf for the first line after it), arrivals fill
// back-orders first-come first-served, and each day's end charges back-order costs, draws
// cancellations and records the per-offer stock alerts.
#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <tuple>

#include "engine/simulation.h"
#include "market/product_selector.h"
#include "sim/concat.h"
#include "sim/error.h"

namespace marketsim {

/// A seller's promotion calendar as its planner sees it: the deepest planned depth of its
/// promotions whose span covers part of the day.
class Simulation::SellerPlan final : public PromotionPlan {
 public:
  SellerPlan(const Offers& offers, const std::vector<std::unique_ptr<PromotionStrategy>>& promotions) : offers_(offers) {
    for (const auto& p : promotions) {
      const auto span = p->span();
      if (span) promotions_.push_back(Planned{span->first, span->second, p.get()});
    }
  }
  double depth(OfferId offer, Day day) const override {
    double d = 0.0;
    const auto from = static_cast<Time>(day), to = static_cast<Time>(day + 1);
    for (const Planned& p : promotions_) {
      if (p.start < to && p.end > from) d = std::max(d, p.promotion->planned_depth(offers_.product[offer]));
    }
    return d;
  }

 private:
  struct Planned {
    Time start, end;
    const PromotionStrategy* promotion;
  };
  const Offers& offers_;
  std::vector<Planned> promotions_;
};

void Simulation::set_up_supply() {
  const MarketSpec& ms = market_.spec;
  const Offers& offers = market_.offers;
  supply_.clear();
  plans_.clear();
  depots_.clear();
  first_depot_.clear();
  region_.assign(sellers_, {});
  lead_times_.clear();
  lead_keys_ = StreamFamily(plan_.seed, plan_.replication, Purpose::kLeadTime);
  cancel_keys_ = StreamFamily(plan_.seed, plan_.replication, Purpose::kBackorder);
  const StreamFamily region_keys(plan_.seed, plan_.replication, Purpose::kRegion);
  const LogNeeds routed_needs{.lookback_days = std::max<Day>(log_.needs().lookback_days, kTransferDays)};
  const std::size_t consumers = market_.population.size();
  // A seller's first warehouse holds the slots of its offers (slot = offer); further warehouses'
  // slots follow every offer's.
  std::size_t next = offers_;
  for (std::size_t s = 0; s < sellers_; ++s) {
    const SellerSpec* spec = s < ms.sellers.size() ? &ms.sellers[s] : nullptr;
    const auto seller = static_cast<SellerId>(s);
    const std::size_t warehouses = spec != nullptr ? spec->warehouse_count() : 1;
    if (arm_.sellers[s].warehouses != warehouses) {
      throw Error(cat("the arm's planners are for ", std::to_string(arm_.sellers[s].warehouses), " warehouses of seller \"",
                      offers.seller_names[s], "\", which has ", std::to_string(warehouses)));
    }
    first_depot_.push_back(depots_.size());
    for (std::size_t w = 0; w < warehouses; ++w) {
      Depot depot;
      depot.seller = s;
      depot.base = w == 0 ? offers.begin(seller) : next;
      if (w > 0) next += offers.count(seller);
      if (spec != nullptr && !spec->warehouses.empty()) {
        const WarehouseSpec& ws = spec->warehouses[w];
        depot.capacity = ws.capacity;
        depot.fallback_cost = to_cents(ws.fallback_cost);
        for (std::uint32_t f : ws.fallback) depot.fallback.push_back(first_depot_[s] + f);
      }
      if (warehouses > 1) depot.log = std::make_unique<PlatformLog>(offers_, routed_needs);
      depots_.push_back(std::move(depot));
    }
    if (warehouses > 1) {  // each consumer's region: by segment, or drawn by share
      routed_ = true;
      std::vector<std::uint8_t>& region = region_[s];
      region.assign(consumers, 0);
      if (spec->regions_by_segment()) {
        for (const SegmentRange& range : ms.segment_ranges()) {
          for (std::size_t w = 0; w < warehouses; ++w) {
            const auto& names = spec->warehouses[w].segments;
            if (std::find(names.begin(), names.end(), range.name) == names.end()) continue;
            for (std::uint32_t c = range.begin; c < range.end && c < consumers; ++c) region[c] = static_cast<std::uint8_t>(w);
          }
        }
      } else {
        std::vector<double> cumulative;
        double total = 0.0;
        for (const WarehouseSpec& ws : spec->warehouses) cumulative.push_back(total += ws.share);
        for (std::size_t c = 0; c < consumers; ++c) {
          // The same uniform for every seller: a consumer's place does not depend on the seller.
          const double u = CounterRng(region_keys.key(c)).uniform() * total;
          const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
          region[c] = static_cast<std::uint8_t>(std::min<std::size_t>(static_cast<std::size_t>(it - cumulative.begin()), warehouses - 1));
        }
      }
    }
    Supply supply;
    if (spec != nullptr) {
      supply.backorders = spec->backorders;
      supply.backorder_cost = to_cents(spec->backorder_cost);
      supply.cancel_rate = spec->cancel_rate;
      supply.transfer_ratio = warehouses > 1 ? spec->transfer_ratio : 0.0;
      supply.transfer_days = spec->transfer_days;
      supply.transfer_cost = to_cents(spec->transfer_cost);
    }
    supply_.push_back(supply);
    plans_.push_back(std::make_unique<SellerPlan>(offers, arm_.sellers[s].promotions));
  }
  slots_ = next;
  inventory_ = Inventory(slots_);
  slot_offer_.assign(slots_, 0);
  slot_depot_.assign(slots_, 0);
  slot_warehouse_.assign(slots_, 0);
  slot_planner_.assign(slots_, 0);
  slot_lead_.assign(slots_, 0);
  slot_review_.assign(slots_, Review{});
  continuous_review_ = false;
  std::map<std::tuple<std::size_t, std::size_t, std::int64_t>, std::uint16_t> lead_index;
  for (std::size_t s = 0; s < sellers_; ++s) {
    const SellerSpec* spec = s < ms.sellers.size() ? &ms.sellers[s] : nullptr;
    const auto seller = static_cast<SellerId>(s);
    const SellerStrategies& strategies = arm_.sellers[s];
    const std::size_t warehouses = strategies.warehouses;
    // Which rule plans each product in each warehouse, and which product group's lead time applies.
    std::vector<std::vector<char>> picks;
    for (const PlannerRule& rule : strategies.rules) picks.push_back(select_products(rule.products, market_.catalog));
    std::vector<std::vector<char>> groups;
    if (spec != nullptr) {
      for (const LeadTimeRule& rule : spec->lead_times) groups.push_back(select_products(rule.products, market_.catalog));
    }
    for (std::size_t w = 0; w < warehouses; ++w) {
      const std::size_t k = first_depot_[s] + w;
      const std::string name = spec != nullptr && !spec->warehouses.empty() ? spec->warehouses[w].name : std::string("main");
      for (OfferId o = offers.begin(seller); o < offers.end(seller); ++o) {
        const ProductId j = offers.product[o];
        const std::size_t slot = depots_[k].base + (o - offers.begin(seller));
        slot_offer_[slot] = o;
        slot_depot_[slot] = static_cast<std::uint32_t>(k);
        slot_warehouse_[slot] = static_cast<std::uint32_t>(w);
        std::size_t r = 0;
        for (; r < strategies.rules.size(); ++r) {
          const auto& only = strategies.rules[r].warehouses;
          if (picks[r][j] && (only.empty() || std::find(only.begin(), only.end(), name) != only.end())) break;
        }
        if (r == strategies.rules.size()) {
          throw Error(cat("no replenishment rule of seller \"", offers.seller_names[s], "\" plans product ", std::to_string(j),
                          " in warehouse \"", name, "\""));
        }
        slot_planner_[slot] = static_cast<std::uint32_t>(r * warehouses + w);
        const ReplenishmentPolicy& policy = *strategies.replenishment[slot_planner_[slot]];
        slot_review_[slot] = policy.review();
        if (slot_review_[slot].days < 1) throw Error("a replenishment policy's review period must be at least 1 day");
        continuous_review_ = continuous_review_ || slot_review_[slot].kind == Review::Kind::kContinuous;
        std::int64_t group = -1;
        for (std::size_t g = 0; g < groups.size() && group < 0; ++g) {
          if (groups[g][j]) group = static_cast<std::int64_t>(g);
        }
        const auto key = std::make_tuple(s, spec != nullptr && !spec->warehouses.empty() && spec->warehouses[w].lead_time ? w : 0,
                                         group);
        auto [it, added] = lead_index.emplace(key, static_cast<std::uint16_t>(lead_times_.size()));
        if (added) {
          if (lead_times_.size() >= 65535) throw Error("too many distinct lead times (at most 65535)");
          lead_times_.push_back(ms.lead_time(s, w, group));
        }
        slot_lead_[slot] = it->second;
        inventory_.on_hand[slot] = policy.initial_stock(o);
      }
    }
  }
  inventory_.initial = inventory_.on_hand;
  short_today_.assign(slots_, 0);
  lost_today_.assign(slots_, 0);
  backordered_today_.assign(slots_, 0);
  if (routed_) offer_stock_.assign(offers_, 0);
}

void Simulation::review_slot(std::size_t slot, Day d, Time t) {
  const OfferId o = slot_offer_[slot];
  const Depot& depot = depots_[slot_depot_[slot]];
  const std::size_t s = depot.seller;
  ReplenishmentPolicy& policy = *arm_.sellers[s].replenishment[slot_planner_[slot]];
  const LeadTime& lead = lead_times_[slot_lead_[slot]];
  const ProductId j = market_.offers.product[o];
  InventoryView view{o, j, d, inventory_.on_hand[slot], inventory_.on_order[slot],
                     static_cast<std::int64_t>(std::ceil(lead.mean())), depot.log ? *depot.log : log_};
  view.backorders = inventory_.backordered[slot];
  view.time = t;
  view.lead_time_mean = lead.mean();
  view.lead_time_sd = lead.sd();
  view.category = market_.catalog.category[j];
  view.plan = plans_[s].get();
  Units q = policy.order_quantity(view);
  if (depot.capacity > 0) q = std::min(q, depot.capacity - inventory_.on_hand[slot] - inventory_.on_order[slot]);
  if (q <= 0) return;
  inventory_.place(slot, q, t + lead.draw(lead_keys_.key(slot), t));
  ++books_today_[s].replenishment_orders;
  add_checked(books_today_[s].ordering_cost, order_cost_[s]);
}

void Simulation::review_day(Day d) {
  const auto t = static_cast<Time>(d);
  for (std::size_t slot = 0; slot < slots_; ++slot) {
    if (slot_review_[slot].due(d)) review_slot(slot, d, t);
  }
}

Units Simulation::routed_stock(std::size_t s, OfferId o, ConsumerId c, Units wanted, std::size_t& slot) {
  fallback_take_.clear();
  const std::size_t local = o - market_.offers.begin(static_cast<SellerId>(s));
  const Depot& depot = depots_[first_depot_[s] + (region_[s].empty() ? 0 : region_[s][c])];
  slot = depot.base + local;
  Units got = inventory_.available(slot, wanted);
  for (std::size_t f : depot.fallback) {
    if (got >= wanted) break;
    const std::size_t other = depots_[f].base + local;
    const Units more = inventory_.available(other, wanted - got);
    if (more > 0) {
      fallback_take_.emplace_back(other, more);
      got += more;
    }
  }
  return got;
}

void Simulation::ship_routed(std::size_t s, OfferId o, std::size_t slot, Units units, SellerBooks& books) {
  const Units here = std::min(units, inventory_.available(slot, units));
  inventory_.sell(slot, here);
  if (PlatformLog* log = routed_log(slot)) log->add_sale(o, static_cast<std::uint32_t>(here));
  Units rest = units - here;
  const Money cost = depots_[slot_depot_[slot]].fallback_cost;
  for (auto& [other, take] : fallback_take_) {
    const Units n = std::min(rest, take);
    take = n;  // what was shipped (continuous review looks at these slots)
    if (n == 0) continue;
    inventory_.sell(other, n);
    if (PlatformLog* log = routed_log(other)) log->add_sale(o, static_cast<std::uint32_t>(n));
    books.units_from_fallback += static_cast<std::uint64_t>(n);
    add_checked(books.fulfilment_cost, mul_checked(n, cost));
    rest -= n;
  }
  (void)s;
}

void Simulation::transfer_day(Day d) {
  const Offers& offers = market_.offers;
  const Day from = std::max<Day>(0, d - kTransferDays);
  if (d <= from) return;
  const auto t = static_cast<Time>(d);
  for (std::size_t s = 0; s < sellers_; ++s) {
    const Supply& supply = supply_[s];
    if (!(supply.transfer_ratio > 0.0)) continue;
    const auto seller = static_cast<SellerId>(s);
    const std::size_t first = first_depot_[s], warehouses = arm_.sellers[s].warehouses;
    for (OfferId o = offers.begin(seller); o < offers.end(seller); ++o) {
      const std::size_t local = o - offers.begin(seller);
      // Days of supply per warehouse: its position over its routed demand per day of the last
      // week; the richest (a warehouse without demand and with stock counts as unbounded) sends
      // to the poorest with demand when their ratio exceeds the rule's, to equal days of supply.
      std::size_t rich = 0, poor = 0;
      double rich_days = -1.0, poor_days = std::numeric_limits<double>::infinity();
      std::vector<double> rate(warehouses, 0.0);
      for (std::size_t w = 0; w < warehouses; ++w) {
        const Depot& depot = depots_[first + w];
        const std::size_t slot = depot.base + local;
        double demand = 0.0;
        for (Day u = from; u < d; ++u) demand += depot.log->demand(u, o);
        rate[w] = demand / static_cast<double>(d - from);
        const double position = static_cast<double>(inventory_.position(slot));
        const double days = rate[w] > 0.0 ? position / rate[w] : (position > 0.0 ? std::numeric_limits<double>::infinity() : 0.0);
        if (days > rich_days && inventory_.on_hand[slot] > 0) {
          rich_days = days;
          rich = w;
        }
        if (rate[w] > 0.0 && days < poor_days) {
          poor_days = days;
          poor = w;
        }
      }
      if (rich_days < 0.0 || !std::isfinite(poor_days) || rich == poor) continue;
      if (!(rich_days > supply.transfer_ratio * std::max(poor_days, 0.0))) continue;
      const std::size_t a = depots_[first + rich].base + local, b = depots_[first + poor].base + local;
      const double pa = static_cast<double>(inventory_.position(a)), pb = static_cast<double>(inventory_.position(b));
      // Equal days of supply after: (pa - x) / ra = (pb + x) / rb.
      double x = (pa * rate[poor] - pb * rate[rich]) / (rate[rich] + rate[poor]);
      x = std::min(x, static_cast<double>(inventory_.on_hand[a]));
      const Depot& to = depots_[first + poor];
      if (to.capacity > 0) x = std::min(x, static_cast<double>(to.capacity - inventory_.on_hand[b] - inventory_.on_order[b]));
      const auto units = static_cast<Units>(std::floor(x));
      if (units <= 0) continue;
      inventory_.transfer(a, b, units, t + supply.transfer_days);
      SellerBooks& books = books_today_[s];
      add_checked(books.units_transferred, units, "unit");
      add_checked(books.fulfilment_cost, mul_checked(units, supply.transfer_cost));
    }
  }
}

std::span<const Units> Simulation::offer_stock() {
  if (!routed_) return {inventory_.on_hand.data(), offers_};
  std::copy_n(inventory_.on_hand.begin(), offers_, offer_stock_.begin());
  for (std::size_t slot = offers_; slot < slots_; ++slot) offer_stock_[slot_offer_[slot]] += inventory_.on_hand[slot];
  return offer_stock_;
}

void Simulation::receive_until(Time t, bool before) {
  while (inventory_.in_transit() && (before ? inventory_.next_arrival() < t : inventory_.next_arrival() <= t)) {
    const Shipment shipment = inventory_.receive_next();
    const std::size_t slot = shipment.slot;
    const std::size_t s = depots_[slot_depot_[slot]].seller;
    SellerBooks& books = books_today_[s];
    if (!shipment.transfer) books.units_received += shipment.units;
    if (inventory_.backordered[slot] == 0) continue;
    inventory_.fill(slot, [&](const WaitingLine& w, Units n) {
      const WaitingTerms& terms = waiting_terms_[w.ref];
      books.units_sold += static_cast<std::uint64_t>(n);
      books.units_from_backorders += static_cast<std::uint64_t>(n);
      add_checked(books.revenue, mul_checked(n, terms.price - terms.unit_discount));
      add_checked(books.cogs, mul_checked(n, terms.unit_cost));
    });
  }
}

void Simulation::backorder_line(std::size_t s, OfferId o, std::size_t slot, const OrderLine& l, Units units,
                                std::int32_t promotion, Money unit_discount, Money unit_cost) {
  const auto ref = static_cast<std::uint32_t>(waiting_terms_.size());
  waiting_terms_.push_back(WaitingTerms{promotion, price_[o], unit_discount, unit_cost});
  inventory_.backorder(slot, WaitingLine{l.time, l.consumer, ref, units});
  books_today_[s].units_backordered += static_cast<std::uint64_t>(units);
  backordered_today_[slot] += units;
  short_today_[slot] += units;
  log_.add_backordered(o, static_cast<std::uint32_t>(units));
  if (routed_) {
    if (PlatformLog* log = routed_log(slot)) log->add_backordered(o, static_cast<std::uint32_t>(units));
  }
}

void Simulation::close_stock_day(Day d, std::size_t batch, std::vector<SellerBooks>& books) {
  day_safety_[batch].resize(slots_);
  for (std::size_t slot = 0; slot < slots_; ++slot) {
    const std::size_t s = depots_[slot_depot_[slot]].seller;
    const Supply& supply = supply_[s];
    SellerBooks& b = books[s];
    if (supply.cancel_rate > 0.0 && inventory_.backordered[slot] > 0) {
      // Each waiting line's daily hazard, from the stream of (consumer, order time) at the day.
      const Units gone = inventory_.cancel_if(slot, [&](const WaitingLine& w) {
        CounterRng rng(mix64(cancel_keys_.key(w.consumer) ^ std::bit_cast<std::uint64_t>(w.time)),
                       static_cast<std::uint64_t>(d) << 1);
        if (!(rng.uniform() < supply.cancel_rate)) return false;
        const WaitingTerms& terms = waiting_terms_[w.ref];
        const Money credit = mul_checked(w.units, terms.unit_discount);
        if (credit > 0 && terms.promotion >= 0) {
          ledgers_[s].credit(static_cast<std::size_t>(terms.promotion), credit);
          b.item_discounts -= credit;
          recorded_discounts_[s] -= credit;
        }
        return true;
      });
      b.units_cancelled += static_cast<std::uint64_t>(gone);
      b.units_lost += static_cast<std::uint64_t>(gone);
      lost_today_[slot] += gone;
    }
    add_checked(b.units_waiting, inventory_.backordered[slot], "unit");
    ++b.offer_days;
    if (inventory_.on_hand[slot] > 0) ++b.ready_offer_days;
    day_safety_[batch][slot] = arm_.sellers[s].replenishment[slot_planner_[slot]]->safety_stock(slot_offer_[slot]);
  }
  for (std::size_t s = 0; s < sellers_; ++s) books[s].backorder_cost = mul_checked(books[s].units_waiting, supply_[s].backorder_cost);
  day_short_[batch].swap(short_today_);
  day_lost_[batch].swap(lost_today_);
  day_backordered_[batch].swap(backordered_today_);
  short_today_.assign(slots_, 0);
  lost_today_.assign(slots_, 0);
  backordered_today_.assign(slots_, 0);
  day_waiting_[batch].assign(inventory_.backordered.begin(), inventory_.backordered.end());
  day_slot_stock_[batch].assign(inventory_.on_hand.begin(), inventory_.on_hand.end());
}

}  // namespace marketsim
