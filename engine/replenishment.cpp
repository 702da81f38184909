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

#include "engine/simulation.h"
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
  supply_.clear();
  plans_.clear();
  for (std::size_t s = 0; s < sellers_; ++s) {
    Supply supply;
    supply.lead_time = market_.spec.lead_time(s);
    supply.lead_keys = StreamFamily(plan_.seed, plan_.replication, Purpose::kLeadTime);
    supply.review = arm_.sellers[s].replenishment->review();
    if (supply.review.days < 1) throw Error("a replenishment policy's review period must be at least 1 day");
    if (s < market_.spec.sellers.size()) {
      const SellerSpec& spec = market_.spec.sellers[s];
      supply.backorders = spec.backorders;
      supply.backorder_cost = to_cents(spec.backorder_cost);
      supply.cancel_rate = spec.cancel_rate;
    }
    continuous_review_ = continuous_review_ || supply.review.kind == Review::Kind::kContinuous;
    supply_.push_back(supply);
    plans_.push_back(std::make_unique<SellerPlan>(market_.offers, arm_.sellers[s].promotions));
  }
  cancel_keys_ = StreamFamily(plan_.seed, plan_.replication, Purpose::kBackorder);
  short_today_.assign(offers_, 0);
  lost_today_.assign(offers_, 0);
  backordered_today_.assign(offers_, 0);
}

void Simulation::review_offer(std::size_t s, OfferId o, Day d, Time t) {
  const Supply& supply = supply_[s];
  ReplenishmentPolicy& policy = *arm_.sellers[s].replenishment;
  const ProductId j = market_.offers.product[o];
  InventoryView view{o, j, d, inventory_.on_hand[o], inventory_.on_order[o],
                     static_cast<std::int64_t>(std::ceil(supply.lead_time.mean())), log_};
  view.backorders = inventory_.backordered[o];
  view.time = t;
  view.lead_time_mean = supply.lead_time.mean();
  view.lead_time_sd = supply.lead_time.sd();
  view.category = market_.catalog.category[j];
  view.plan = plans_[s].get();
  const Units q = policy.order_quantity(view);
  if (q <= 0) return;
  const double lead = supply.lead_time.draw(supply.lead_keys.key(o), t);
  inventory_.place(o, q, t + lead);
  ++books_today_[s].replenishment_orders;
  add_checked(books_today_[s].ordering_cost, order_cost_[s]);
}

void Simulation::review_day(Day d) {
  const auto t = static_cast<Time>(d);
  for (std::size_t s = 0; s < sellers_; ++s) {
    if (!supply_[s].review.due(d)) continue;
    const auto seller = static_cast<SellerId>(s);
    for (OfferId o = market_.offers.begin(seller); o < market_.offers.end(seller); ++o) review_offer(s, o, d, t);
  }
}

void Simulation::receive_until(Time t, bool before) {
  while (inventory_.in_transit() && (before ? inventory_.next_arrival() < t : inventory_.next_arrival() <= t)) {
    const Shipment shipment = inventory_.receive_next();
    const OfferId o = shipment.offer;
    const std::size_t s = market_.offers.seller[o];
    SellerBooks& books = books_today_[s];
    books.units_received += shipment.units;
    if (inventory_.backordered[o] == 0) continue;
    inventory_.fill(o, [&](const WaitingLine& w, Units n) {
      const WaitingTerms& terms = waiting_terms_[w.ref];
      books.units_sold += static_cast<std::uint64_t>(n);
      books.units_from_backorders += static_cast<std::uint64_t>(n);
      add_checked(books.revenue, mul_checked(n, terms.price - terms.unit_discount));
      add_checked(books.cogs, mul_checked(n, terms.unit_cost));
    });
  }
}

void Simulation::backorder_line(std::size_t s, OfferId o, const OrderLine& l, Units units, std::int32_t promotion,
                                Money unit_discount, Money unit_cost) {
  const auto ref = static_cast<std::uint32_t>(waiting_terms_.size());
  waiting_terms_.push_back(WaitingTerms{promotion, price_[o], unit_discount, unit_cost});
  inventory_.backorder(o, WaitingLine{l.time, l.consumer, ref, units});
  books_today_[s].units_backordered += static_cast<std::uint64_t>(units);
  backordered_today_[o] += units;
  short_today_[o] += units;
  log_.add_backordered(o, static_cast<std::uint32_t>(units));
}

void Simulation::close_stock_day(Day d, std::size_t batch, std::vector<SellerBooks>& books) {
  for (std::size_t s = 0; s < sellers_; ++s) {
    const Supply& supply = supply_[s];
    const auto seller = static_cast<SellerId>(s);
    SellerBooks& b = books[s];
    for (OfferId o = market_.offers.begin(seller); o < market_.offers.end(seller); ++o) {
      if (supply.cancel_rate > 0.0 && inventory_.backordered[o] > 0) {
        // Each waiting line's daily hazard, from the stream of (consumer, order time) at the day.
        const Units gone = inventory_.cancel_if(o, [&](const WaitingLine& w) {
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
        lost_today_[o] += gone;
      }
      add_checked(b.units_waiting, inventory_.backordered[o], "unit");
      ++b.offer_days;
      if (inventory_.on_hand[o] > 0) ++b.ready_offer_days;
    }
    b.backorder_cost = mul_checked(b.units_waiting, supply.backorder_cost);
  }
  day_short_[batch].swap(short_today_);
  day_lost_[batch].swap(lost_today_);
  day_backordered_[batch].swap(backordered_today_);
  short_today_.assign(offers_, 0);
  lost_today_.assign(offers_, 0);
  backordered_today_.assign(offers_, 0);
  day_waiting_[batch].assign(inventory_.backordered.begin(), inventory_.backordered.end());
  day_safety_[batch].resize(offers_);
  for (std::size_t s = 0; s < sellers_; ++s) {
    const auto seller = static_cast<SellerId>(s);
    const ReplenishmentPolicy& policy = *arm_.sellers[s].replenishment;
    for (OfferId o = market_.offers.begin(seller); o < market_.offers.end(seller); ++o) day_safety_[batch][o] = policy.safety_stock(o);
  }
}

}  // namespace marketsim
