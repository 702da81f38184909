#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "market/commands.h"
#include "sim/money.h"
#include "strategies/campaign.h"
#include "strategies/context.h"
#include "strategies/strategy.h"

namespace marketsim {

/// One line of an order as an order-level rule sees it: after stock-outs (quantity is what was
/// sold) and after per-item promotions.
struct OrderLineView {
  OfferId offer;
  ProductId product;
  std::uint32_t category;
  std::uint32_t quantity;
  Money unit_price;     // the seller's price
  Money unit_discount;  // per-item promotion discount per unit
  Money paid() const { return static_cast<Money>(quantity) * (unit_price - unit_discount); }
};

/// The lines one seller sold in one order.
struct OrderView {
  Time time;
  ConsumerId consumer;
  SellerId seller;
  std::span<const OrderLineView> lines;
  Money subtotal() const {
    Money t = 0;
    for (const auto& l : lines) t += l.paid();
    return t;
  }
  std::uint64_t units() const {
    std::uint64_t u = 0;
    for (const auto& l : lines) u += l.quantity;
    return u;
  }
};

/// A promotion of one seller, funded by its budget (the seller's budget agent charges every
/// discount and cost to it when it happens and stops the promotion once the budget is spent).
/// It may
///  - offer per-item discounts on the seller's offers for a window (offers());
///  - act on consumers through commands (act(): notifications, or commands of a mechanic);
///  - apply an order-level rule to each order after stock-outs (order_discount());
///  - use promotion mechanics (mechanics(): a coupon wallet, member prices, points at checkout,
///    wish lists, mechanics/mechanic.h) by implementing their small capability interfaces
///    (strategies/promotions/coupons.h, member_pricing.h, points_redemption.h, wish_listing.h).
/// How the discounts of several promotions combine is the arm's stacking rules (strategies/
/// stacking.h; by default: the deepest per-item discount on an offer, then order-level rules in
/// promotion order, then what mechanics take off: at most one coupon per seller and order, the one
/// worth most, then points).
/// Its campaign terms (budget, daily cap, pacing, span, holdout, monitoring rules: strategies/
/// campaign.h) are parameters every promotion shares; the registry sets them after the factory
/// and the engine enforces them, so a promotion does not read them.
class PromotionStrategy : public Strategy {
 public:
  /// Writes the discount in cents this promotion offers on each of the seller's offers for the
  /// window (0 where it offers none), given the seller's prices. Returns false when it offers
  /// nothing in this window.
  virtual bool offers(const MarketContext& ctx, std::span<const Money> prices,
                      std::span<Money> discounts) = 0;
  /// Its own window [start, end) in days where it has one (percent_off's start and end): the
  /// default span of its campaign.
  virtual std::optional<std::pair<Time, Time>> span() const { return std::nullopt; }
  /// Whether it has a depth that scale() multiplies (a monitoring rule's "scale_depth").
  virtual bool scalable() const { return false; }
  /// Multiplies its depth (percent off, coupon value) by `factor` > 0 from the next window on.
  virtual void scale(double factor) { (void)factor; }
  /// Issues commands for the window being prepared (applied before its first visit).
  virtual void act(const MarketContext& ctx, CommandSink& commands) {
    (void)ctx;
    (void)commands;
  }
  /// Whether order_discount() is to be called for every order with the seller's lines.
  virtual bool has_order_rule() const { return false; }
  /// The order-level discount (cents) this promotion would give the order; 0 for none. Called
  /// at most once per order during settlement, on one thread, orders in commit order; whether it
  /// is given depends on the stacking rules and the budget (a rule that must know would track the
  /// orders it observes).
  virtual Money order_discount(const OrderView& order) {
    (void)order;
    return 0;
  }

  /// Quantity caps on its per-item discounts (a flash sale's): with capped(), settlement sells at
  /// most cap_left(k) more units at its discount on the seller's local offer k (the units of a
  /// line beyond it are lost, as when stock runs out: the sale's allocation is sold out) and
  /// reports the units it sold there through sold_at_discount(k, units), in commit order.
  virtual bool capped() const { return false; }
  virtual std::uint64_t cap_left(std::size_t k) const {
    (void)k;
    return UINT64_MAX;
  }
  virtual void sold_at_discount(std::size_t k, std::uint64_t units) {
    (void)k;
    (void)units;
  }
  /// Featured slots (a flash-sale banner): every visit shows featured_slots() offers drawn
  /// uniformly (with repeats dropped) from those featured() lists for the window, after the
  /// recommendations and before organic browsing. Asked after offers(), only while it is live.
  virtual std::size_t featured_slots() const { return 0; }
  virtual void featured(const MarketContext& ctx, std::vector<OfferId>& out) {
    (void)ctx;
    (void)out;
  }
  /// Traffic it brings to the marketplace (a festival's surge): every consumer's visit intensity
  /// is multiplied by traffic(d) on day d (>= 1, fixed from the start of the run: the engine
  /// bounds the candidate clock with it). Asked only when has_traffic().
  virtual bool has_traffic() const { return false; }
  virtual double traffic(Day day) const {
    (void)day;
    return 1.0;
  }
  /// A cost (not a discount: the consumer pays the same) its order rule incurs on the order, in
  /// cents, charged to its budget as `order_cost_kind()` (a gift's unit cost); 0 for none. Asked
  /// once per order the rule applies to, with the order after per-item discounts.
  virtual Money order_cost(const OrderView& order) {
    (void)order;
    return 0;
  }
  virtual CostKind order_cost_kind() const {
    static const CostKind fee = cost_kind("fee");
    return fee;
  }
  /// Whether its order rule applies to some lines only (rule_covers()): then the rule's
  /// discount is capped at and shared over those lines.
  virtual bool scoped() const { return false; }
  /// With scoped(): whether the rule counts a line of product `product` in `category`.
  virtual bool rule_covers(ProductId product, std::uint32_t category) const {
    (void)product;
    (void)category;
    return true;
  }
  /// Spend tiers its order rule gives, when shoppers can anticipate them (MODEL.md "Choice": a
  /// spend-threshold promotion adds its unlock value to the utility of an item that crosses the
  /// threshold): the discount in cents on an order whose covered spend is `spend` cents. Null when
  /// the rule has no such tiers. The engine reads it while a visit's basket is built (the spend
  /// of the items taken so far, at the prices shown).
  struct SpendTiers {
    std::vector<Money> spend;  // ascending thresholds, cents
    std::vector<Money> off;    // the discount from each threshold on, cents (ascending)
    /// The discount an order of `spend` cents gets: the highest tier it reaches, or 0.
    Money discount(Money spend_cents) const {
      Money d = 0;
      for (std::size_t k = 0; k < spend.size() && spend[k] <= spend_cents; ++k) d = off[k];
      return d;
    }
  };
  virtual const SpendTiers* spend_tiers() const { return nullptr; }

  /// Its campaign terms (the shared parameters).
  const Campaign& campaign() const { return campaign_; }
  void set_campaign(Campaign campaign) { campaign_ = std::move(campaign); }
  /// The promotion's total budget in cents; nullopt for unlimited.
  std::optional<Money> budget() const { return campaign_.budget; }

 private:
  Campaign campaign_;
};

}  // namespace marketsim
