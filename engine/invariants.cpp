// The checks every run makes at its end: units are conserved per offer (each seller's stock of
// each product), every seller's budget ledger reconciles with the records of the run, and every
// coupon issued was redeemed once, expired, or is still held.
#include <string>

#include "engine/shard.h"
#include "sim/error.h"

namespace marketsim {

void Simulation::check_invariants() const {
  const std::int64_t bad = inventory_.unconserved();
  if (bad >= 0) {
    const auto o = static_cast<std::size_t>(bad);
    throw InvariantViolation(
        "units not conserved for seller \"" + market_.offers.seller_names[market_.offers.seller[o]] + "\" product " +
        std::to_string(market_.offers.product[o]) + ": initial " + std::to_string(inventory_.initial[o]) +
        " + received " + std::to_string(inventory_.received[o]) + " - sold " + std::to_string(inventory_.sold[o]) +
        " != on hand " + std::to_string(inventory_.on_hand[o]));
  }
  for (std::size_t s = 0; s < sellers_; ++s) {
    const BudgetLedger& ledger = ledgers_[s];
    const std::string seller = "seller \"" + market_.offers.seller_names[s] + "\": ";
    if (ledger.total_discounts() != recorded_discounts_[s]) {
      throw InvariantViolation(seller + "budget ledger discounts (" + std::to_string(ledger.total_discounts()) +
                               " cents) do not reconcile with the discounts in the sales (" +
                               std::to_string(recorded_discounts_[s]) + " cents)");
    }
    if (ledger.total_costs() != recorded_costs_[s]) {
      throw InvariantViolation(seller + "budget ledger costs (" + std::to_string(ledger.total_costs()) +
                               " cents) do not reconcile with the costs of the commands applied (" +
                               std::to_string(recorded_costs_[s]) + " cents)");
    }
    std::uint64_t held = 0;
    for (const auto& shard : shards_) {
      shard->wallets.for_each_live([&](ConsumerId, const HeldCoupon& h) { held += h.seller == s ? 1 : 0; });
    }
    const CouponCounts& c = coupon_counts_[s];
    if (c.issued != c.redeemed + c.expired + held) {
      throw InvariantViolation(seller + std::to_string(c.issued) + " coupons issued != " + std::to_string(c.redeemed) +
                               " redeemed + " + std::to_string(c.expired) + " expired + " + std::to_string(held) +
                               " still held");
    }
    for (std::size_t a = 0; a < ledger.accounts(); ++a) {
      if (ledger.budget(a) && ledger.spent(a) > *ledger.budget(a)) {
        throw InvariantViolation(seller + "promotion " + std::to_string(a) + " overspent its budget");
      }
    }
  }
}

}  // namespace marketsim
