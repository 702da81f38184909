#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <typeinfo>
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

/// Spend tiers an order rule gives, when shoppers can anticipate them (MODEL.md "Choice": a
/// spend-threshold promotion adds its unlock value to the utility of an item that crosses the
/// threshold): the discount in cents on an order whose covered spend is `spend` cents. The engine
/// reads them while a visit's basket is built (the spend of the items taken so far, at the prices
/// shown).
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

/// A promotion of one seller, funded by its budget (the seller's budget agent charges every
/// discount and cost to it when it happens and stops the promotion once the budget is spent).
/// Every promotion may
///  - offer per-item discounts on the seller's offers for a window (offers());
///  - act on consumers through commands (act(): notifications, or commands of a mechanic);
/// and opts into more by implementing small capability interfaces besides this one (found with
/// capability<T>(), as ns-3's GetObject<T>):
///  - OrderRule: an order-level rule on each order after stock-outs (threshold, bundle, gift);
///  - QuantityLimit: an allocation per offer at its discount (a flash sale);
///  - FeaturedSlots: offers shown on every visit (a flash-sale banner);
///  - VisitTraffic: a multiplier of every consumer's visit intensity (a festival's surge);
///  - ScalableDepth: a depth a monitoring rule's "scale_depth" multiplies;
///  - the capabilities of promotion mechanics (mechanics(): a coupon wallet, member prices, points
///    at checkout, wish lists, mechanics/mechanic.h): strategies/promotions/coupons.h,
///    member_pricing.h, points_redemption.h, wish_listing.h.
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
  /// The depth (a share of the price) its per-item discount plans for `product` within its span,
  /// 0 when none or not known in advance: the seller's promotion calendar that inventory planners
  /// read (strategies/replenishment.h PromotionPlan).
  virtual double planned_depth(ProductId product) const {
    (void)product;
    return 0.0;
  }
  /// Issues commands for the window being prepared (applied before its first visit).
  virtual void act(const MarketContext& ctx, CommandSink& commands) {
    (void)ctx;
    (void)commands;
  }

  /// The promotion as a T when it implements capability T and uses it in this run, else null.
  template <typename T>
  T* capability() {
    return uses(typeid(T)) ? dynamic_cast<T*>(this) : nullptr;
  }
  template <typename T>
  const T* capability() const {
    return uses(typeid(T)) ? dynamic_cast<const T*>(this) : nullptr;
  }

  /// Its campaign terms (the shared parameters).
  const Campaign& campaign() const { return campaign_; }
  void set_campaign(Campaign campaign) { campaign_ = std::move(campaign); }
  /// The promotion's total budget in cents; nullopt for unlimited.
  std::optional<Money> budget() const { return campaign_.budget; }

 protected:
  /// Whether it uses the capability it implements of type `type` in this run: a composite that
  /// implements every capability on behalf of its parts (a festival's tools) says which its parts
  /// use. By default every capability it implements.
  virtual bool uses(const std::type_info& type) const {
    (void)type;
    return true;
  }

 private:
  Campaign campaign_;
};

/// An order-level rule: asked for its discount on each order with the seller's lines.
class OrderRule {
 public:
  /// The order-level discount (cents) this promotion would give the order; 0 for none. Called
  /// at most once per order during settlement, on one thread, orders in commit order; whether it
  /// is given depends on the stacking rules and the budget (a rule that must know would track the
  /// orders it observes).
  virtual Money order_discount(const OrderView& order) = 0;
  /// A cost (not a discount: the consumer pays the same) the rule incurs on the order, in cents,
  /// charged to its budget as `order_cost_kind()` (a gift's unit cost); 0 for none. Asked once per
  /// order the rule applies to, with the order after per-item discounts.
  virtual Money order_cost(const OrderView& order) {
    (void)order;
    return 0;
  }
  virtual CostKind order_cost_kind() const {
    static const CostKind fee = cost_kind("fee");
    return fee;
  }
  /// Whether the rule applies to some lines only (rule_covers()): then its discount is capped at
  /// and shared over those lines.
  virtual bool scoped() const { return false; }
  /// With scoped(): whether the rule counts a line of product `product` in `category`.
  virtual bool rule_covers(ProductId product, std::uint32_t category) const {
    (void)product;
    (void)category;
    return true;
  }
  /// Its spend tiers, when shoppers can anticipate them; null when it has none.
  virtual const SpendTiers* spend_tiers() const { return nullptr; }

 protected:
  ~OrderRule() = default;
};

/// Quantity limits on its per-item discounts (a flash sale's): settlement sells at most
/// cap_left(k) more units at its discount on the seller's local offer k (the units of a line
/// beyond it are lost, as when stock runs out: the allocation is sold out) and reports the units
/// it sold there through sold_at_discount(k, units), in commit order.
class QuantityLimit {
 public:
  virtual std::uint64_t cap_left(std::size_t k) const = 0;
  virtual void sold_at_discount(std::size_t k, std::uint64_t units) = 0;

 protected:
  ~QuantityLimit() = default;
};

/// Featured slots (a flash-sale banner): every visit shows featured_slots() offers drawn uniformly
/// (with repeats dropped) from those featured() lists for the window, after the recommendations
/// and before organic browsing. Asked after offers(), only while the promotion is live.
class FeaturedSlots {
 public:
  virtual std::size_t featured_slots() const = 0;
  virtual void featured(const MarketContext& ctx, std::vector<OfferId>& out) = 0;

 protected:
  ~FeaturedSlots() = default;
};

/// Traffic a promotion brings to the marketplace (a festival's surge): every consumer's visit
/// intensity is multiplied by traffic(d) on day d (>= 1, fixed from the start of the run: the
/// engine bounds the candidate clock with it).
class VisitTraffic {
 public:
  virtual double traffic(Day day) const = 0;

 protected:
  ~VisitTraffic() = default;
};

/// A discount announced for later that holds shoppers back now (a festival's pre-heat: the
/// pre-promotion dip). From the announcement until the discount, a shopper who expects to save a
/// share d of an offer's price by waiting loses beta * d * price of its utility now (beta: its
/// price sensitivity), as if the price were higher by what waiting is worth: the engine adds
/// the term to every shown offer of a consumer the promotion reaches (not its holdout).
class AnticipatedDiscount {
 public:
  /// The share of `product`'s price a shopper expects to gain by waiting, for the window that
  /// starts at `t` (0: none): the later discount's depth times the weight of waiting.
  virtual double waiting_share(ProductId product, Time t) const = 0;

 protected:
  ~AnticipatedDiscount() = default;
};

/// A depth (percent off, coupon value) a monitoring rule's "scale_depth" multiplies.
class ScalableDepth {
 public:
  /// Multiplies the depth by `factor` > 0 from the next window on.
  virtual void scale(double factor) = 0;

 protected:
  ~ScalableDepth() = default;
};

}  // namespace marketsim
