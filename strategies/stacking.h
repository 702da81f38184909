#pragma once
// Stacking rules: how the discounts of one seller's promotions combine in an arm
// (`stacking` on a one-seller arm, or on each entry of its `sellers`). Per-item discounts come
// first (the shopper sees them), then order-level rules on the order as settled after stock-outs,
// then coupons.
//   item         "deepest" (default): on each offer the deepest per-item discount applies, funded
//                by its promotion; "sum": the promotions' discounts add up, capped at the price
//                (the later promotions' shares cut first), each funding its own share.
//   order_rules  "all" (default): every order-level rule applies, in promotion order, each at
//                most what is left of the order; "best": only the one worth most (the first on a
//                tie).
//   coupons      "after_order_rules" (default): the consumer's best coupon of the seller applies
//                to what is left after the rules; "exclusive": either the rules or the coupon,
//                whichever is worth more on the order (the rules on a tie; an unused coupon stays
//                in the wallet).
//   exclusive_groups
//                named groups of promotion indices (into the seller's promotions) that never
//                stack with each other: on an offer only the group's deepest per-item discount
//                counts; on an order at most one of its order-level rules applies (the one worth
//                most), a coupon of a member is not redeemed on an order a member's rule
//                discounted, and a member's order rule or coupon does not apply to lines that
//                another member discounted per item.
#include <cstdint>
#include <string>
#include <vector>

namespace marketsim {

struct Stacking {
  enum class Item : std::uint8_t { kDeepest, kSum };
  enum class OrderRules : std::uint8_t { kAll, kBest };
  /// What the consumer holds (the "held" stage of mechanics: coupons), JSON key "coupons".
  enum class Held : std::uint8_t { kAfterOrderRules, kExclusive };

  Item item = Item::kDeepest;
  OrderRules order_rules = OrderRules::kAll;
  Held held = Held::kAfterOrderRules;
  std::vector<std::string> group_names;
  /// Per promotion of the seller: the index of its group in group_names, or -1.
  std::vector<std::int32_t> group_of;

  bool grouped() const { return !group_names.empty(); }
  /// The group of promotion p (-1: none).
  std::int32_t group(std::size_t p) const { return p < group_of.size() ? group_of[p] : -1; }
  /// Whether promotions p and q (p != q) are in one group.
  bool exclusive(std::size_t p, std::size_t q) const {
    return p != q && group(p) >= 0 && group(p) == group(q);
  }
};

}  // namespace marketsim
