#pragma once
// The budget agent of an arm: one account per promotion, charged for each discount at the moment
// of sale. A promotion whose budget cannot cover a discount is exhausted and stops.
#include <optional>
#include <vector>

#include "sim/money.h"

namespace marketsim {

class BudgetLedger {
 public:
  /// Opens an account; returns its index. nullopt = unlimited.
  std::size_t open(std::optional<Money> budget) {
    accounts_.push_back(Account{budget, 0, false});
    return accounts_.size() - 1;
  }
  /// Charges `amount` to account a if it fits in the remaining budget; otherwise marks the account
  /// exhausted and returns false (nothing is charged).
  bool charge(std::size_t a, Money amount) {
    Account& acc = accounts_[a];
    if (acc.budget && acc.spent + amount > *acc.budget) {
      acc.exhausted = true;
      return false;
    }
    acc.spent += amount;
    if (acc.budget && acc.spent == *acc.budget) acc.exhausted = true;
    return true;
  }
  bool exhausted(std::size_t a) const { return accounts_[a].exhausted; }
  Money spent(std::size_t a) const { return accounts_[a].spent; }
  std::optional<Money> budget(std::size_t a) const { return accounts_[a].budget; }
  std::size_t accounts() const { return accounts_.size(); }
  Money total_spent() const {
    Money t = 0;
    for (const auto& a : accounts_) t += a.spent;
    return t;
  }

 private:
  struct Account {
    std::optional<Money> budget;
    Money spent;
    bool exhausted;
  };
  std::vector<Account> accounts_;
};

}  // namespace marketsim
