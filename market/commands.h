#pragma once
// Commands: how a strategy acts on individual consumers. A strategy issues commands while it
// prepares a window (it has seen the platform log up to the end of the previous window); the
// engine applies them at the start of that window, before any visit, in the order issued
// (sellers in order, each seller's strategies in order). Applying a command charges its cost to
// the issuing promotion's budget (a command its budget cannot cover is dropped), stores a coupon
// in the consumer's wallet, and hands the command to every behaviour module that reacts to its
// kind (engagement, membership, ...).
#include <cstdint>
#include <vector>

#include "market/offers.h"
#include "market/population.h"
#include "market/records.h"
#include "sim/money.h"
#include "sim/time.h"

namespace marketsim {

enum class CommandKind : std::uint8_t {
  kIssueCoupon = 0,  // a coupon into the consumer's wallet (engine: personal offers)
  kNotify,           // a message to the consumer (behaviours react: engagement, visit intensity)
  kGrantPoints,      // loyalty points (behaviours keep the balance)
  kSetTier,          // membership tier (behaviours keep it)
  kCount
};
inline constexpr std::size_t kCommandKinds = static_cast<std::size_t>(CommandKind::kCount);

/// The names of the command kinds, for messages and outputs.
inline const char* command_name(CommandKind k) {
  switch (k) {
    case CommandKind::kIssueCoupon: return "issue_coupon";
    case CommandKind::kNotify: return "notify";
    case CommandKind::kGrantPoints: return "grant_points";
    case CommandKind::kSetTier: return "set_tier";
    case CommandKind::kCount: break;
  }
  return "?";
}

inline constexpr std::uint32_t kAllCategories = UINT32_MAX;

/// A coupon: money off an order of the issuing seller's offers, after stock-outs and per-item
/// promotions, when the eligible subtotal reaches min_spend. At most one coupon per seller per
/// order (the one worth most); a redeemed coupon leaves the wallet; an expired one is dropped.
struct Coupon {
  Money amount_off = 0;         // cents off (0 when percent_off is used)
  double percent_off = 0.0;     // share of the eligible subtotal off, in [0, 1]
  Money min_spend = 0;          // cents of eligible subtotal needed
  Time expires = 1e300;         // usable by orders strictly before this time
  Time valid_from = 0.0;        // and at or after this time (a festival deposit: the peak)
  std::uint32_t category = kAllCategories;  // eligible category, or every category
  Money max_off = 0;            // with percent_off: the most it takes off, cents (0: no cap)

  /// Whether it applies to products of `product_category`.
  bool covers(std::uint32_t product_category) const {
    return category == kAllCategories || category == product_category;
  }
  /// The discount on an eligible subtotal (0 below the minimum spend).
  Money value_on(Money subtotal) const {
    if (subtotal <= 0 || subtotal < min_spend) return 0;
    Money off = amount_off > 0 ? amount_off : discount_of(subtotal, percent_off);
    if (amount_off <= 0 && max_off > 0 && off > max_off) off = max_off;
    return off < subtotal ? off : subtotal;
  }
};

/// One command as issued. `seller` and `promotion` name the issuer (its budget pays `cost`).
struct Command {
  CommandKind kind;
  SellerId seller;
  std::int32_t promotion;   // index of the issuing promotion within the seller
  ConsumerId consumer;
  Money cost;               // charged to the issuer's budget when applied
  CostKind cost_kind;
  std::int64_t value;       // points for kGrantPoints, tier for kSetTier, campaign id for kNotify
  Coupon coupon;            // for kIssueCoupon
  Time time;                // when it was applied (set by the engine)
};

/// What a strategy uses to issue commands; the engine stamps the issuer.
class CommandSink {
 public:
  CommandSink(std::vector<Command>& queue, SellerId seller, std::int32_t promotion)
      : queue_(queue), seller_(seller), promotion_(promotion) {}

  /// A coupon for `consumer`; `cost` (cents) is the distribution cost.
  void issue_coupon(ConsumerId consumer, const Coupon& coupon, Money cost = 0) {
    push(CommandKind::kIssueCoupon, consumer, cost, CostKind::kCouponDistribution, 0, coupon);
  }
  /// A notification for `consumer` costing `cost` cents; `campaign` is free for the issuer.
  void notify(ConsumerId consumer, Money cost = 0, std::int64_t campaign = 0) {
    push(CommandKind::kNotify, consumer, cost, CostKind::kMessage, campaign, {});
  }
  void grant_points(ConsumerId consumer, std::int64_t points, Money cost = 0) {
    push(CommandKind::kGrantPoints, consumer, cost, CostKind::kFee, points, {});
  }
  void set_tier(ConsumerId consumer, std::int64_t tier) {
    push(CommandKind::kSetTier, consumer, 0, CostKind::kFee, tier, {});
  }

 private:
  void push(CommandKind kind, ConsumerId consumer, Money cost, CostKind cost_kind,
            std::int64_t value, const Coupon& coupon) {
    queue_.push_back(Command{kind, seller_, promotion_, consumer, cost, cost_kind, value, coupon, 0.0});
  }
  std::vector<Command>& queue_;
  SellerId seller_;
  std::int32_t promotion_;
};

}  // namespace marketsim
