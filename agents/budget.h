#pragma once
// The budget agent of a seller: one account per promotion, charged for each discount and each
// promotion cost (notifications, coupon distribution, referral payouts, fees) at the moment it
// happens. A promotion whose budget cannot cover a charge is exhausted and stops.
#include <array>
#include <optional>
#include <vector>

#include "market/records.h"
#include "sim/money.h"

namespace marketsim {

class BudgetLedger {
 public:
  /// What a charge pays for: a discount, or a promotion cost of some kind.
  enum class Entry : std::uint8_t { kDiscount, kCost };

  /// Opens an account; returns its index. nullopt = unlimited.
  std::size_t open(std::optional<Money> budget) {
    accounts_.push_back(Account{budget, 0, false, 0, {}});
    return accounts_.size() - 1;
  }
  /// Charges a discount of `amount` to account a if it fits in the remaining budget; otherwise
  /// marks the account exhausted and returns false (nothing is charged).
  bool charge(std::size_t a, Money amount) { return charge_entry(a, amount, Entry::kDiscount, CostKind::kFee); }
  /// Charges a promotion cost of kind `kind`, with the same rule.
  bool charge_cost(std::size_t a, Money amount, CostKind kind) {
    return charge_entry(a, amount, Entry::kCost, kind);
  }
  bool exhausted(std::size_t a) const { return accounts_[a].exhausted; }
  /// Everything charged to account a (discounts and costs).
  Money spent(std::size_t a) const { return accounts_[a].spent; }
  Money discounts(std::size_t a) const { return accounts_[a].discounts; }
  Money costs(std::size_t a, CostKind kind) const { return accounts_[a].costs[static_cast<std::size_t>(kind)]; }
  std::optional<Money> budget(std::size_t a) const { return accounts_[a].budget; }
  std::size_t accounts() const { return accounts_.size(); }
  Money total_spent() const {
    Money t = 0;
    for (const auto& a : accounts_) t += a.spent;
    return t;
  }
  Money total_discounts() const {
    Money t = 0;
    for (const auto& a : accounts_) t += a.discounts;
    return t;
  }
  Money total_costs() const { return total_spent() - total_discounts(); }

 private:
  struct Account {
    std::optional<Money> budget;
    Money spent;
    bool exhausted;
    Money discounts;
    std::array<Money, kCostKinds> costs;
  };
  bool charge_entry(std::size_t a, Money amount, Entry entry, CostKind kind) {
    Account& acc = accounts_[a];
    if (acc.budget && amount > *acc.budget - acc.spent) {  // spent <= budget: no overflow
      acc.exhausted = true;
      return false;
    }
    add_checked(acc.spent, amount);
    if (entry == Entry::kDiscount) {
      add_checked(acc.discounts, amount);
    } else {
      add_checked(acc.costs[static_cast<std::size_t>(kind)], amount);
    }
    if (acc.budget && acc.spent == *acc.budget) acc.exhausted = true;
    return true;
  }
  std::vector<Account> accounts_;
};

}  // namespace marketsim
