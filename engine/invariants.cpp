// The checks every run makes at its end: units are conserved per offer (each seller's stock of
// each product), every seller's budget ledger reconciles with the records of the run, and each
// promotion mechanic's own checks (Mechanic::check).
#include <string>

#include "engine/shard.h"
#include "sim/error.h"

namespace marketsim {

void Simulation::check_invariants() const {
  const std::int64_t bad = inventory_.unconserved();
  if (bad >= 0) {
    const auto k = static_cast<std::size_t>(bad);
    const OfferId o = slot_offer_[k];
    throw InvariantViolation(
        "units not conserved for seller \"" + market_.offers.seller_names[market_.offers.seller[o]] + "\" product " +
        std::to_string(market_.offers.product[o]) + " in warehouse " + std::to_string(slot_warehouse_[k]) + ": initial " +
        std::to_string(inventory_.initial[k]) + " + received " + std::to_string(inventory_.received[k]) + " - sold " +
        std::to_string(inventory_.sold[k]) + " - transferred out " + std::to_string(inventory_.transferred_out[k]) +
        " != on hand " + std::to_string(inventory_.on_hand[k]) + ", or ordered " + std::to_string(inventory_.ordered[k]) +
        " + transferred in " + std::to_string(inventory_.transferred_in[k]) + " != received + in transit");
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
    // Day by day: each account's spend within its day's allowance and daily cap, the days adding
    // up to what it spent, and the accounts' days adding up to the discounts and costs the day's
    // books recorded.
    std::vector<Money> ledger_days(recorded_day_spend_[s].size(), 0);
    for (std::size_t a = 0; a < ledger.accounts(); ++a) {
      const std::string promotion = seller + "promotion " + std::to_string(a);
      if (ledger.budget(a) && ledger.spent(a) > *ledger.budget(a)) {
        throw InvariantViolation(promotion + " overspent its budget");
      }
      const auto& days = ledger.days(a);
      if (days.size() != ledger_days.size()) {
        throw InvariantViolation(promotion + ": the ledger began " + std::to_string(days.size()) +
                                 " days, the books closed " + std::to_string(ledger_days.size()));
      }
      Money total = 0;
      for (std::size_t d = 0; d < days.size(); ++d) {
        const BudgetLedger::DaySpend& day = days[d];
        const std::optional<Money> cap = ledger.terms(a).daily_cap;
        if ((day.allowance >= 0 && day.spent > day.allowance) || (cap && day.spent > *cap)) {
          throw InvariantViolation(promotion + " spent " + std::to_string(day.spent) + " cents on day " +
                                   std::to_string(day.day) + ", beyond its allowance of " +
                                   std::to_string(day.allowance) + " cents");
        }
        total += day.spent;
        ledger_days[d] += day.spent;
      }
      if (total != ledger.spent(a)) {
        throw InvariantViolation(promotion + ": its days' spend (" + std::to_string(total) +
                                 " cents) does not add up to its total (" + std::to_string(ledger.spent(a)) + " cents)");
      }
    }
    for (std::size_t d = 0; d < ledger_days.size(); ++d) {
      if (ledger_days[d] != recorded_day_spend_[s][d]) {
        throw InvariantViolation(seller + "budget ledger spend on day " + std::to_string(d) + " (" +
                                 std::to_string(ledger_days[d]) + " cents) does not reconcile with the day's books (" +
                                 std::to_string(recorded_day_spend_[s][d]) + " cents)");
      }
    }
  }
  for (const auto& m : mechanics_) m->check();
}

}  // namespace marketsim
