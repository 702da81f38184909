#pragma once
// The budget agent of a seller: one account per promotion, charged for each discount and each
// promotion cost (of a named kind: market/records.h cost_kind) at the moment it
// happens. An account has a total budget and, day by day, an allowance: the most the day may
// spend, from a daily cap and the pacing of the budget over the campaign's days (see
// allowance()). A charge the remaining budget cannot cover is refused and exhausts the account
// (the promotion stops for good); a charge the remaining allowance cannot cover is refused and
// pauses the account until the next day. An account may also be halted (a monitoring rule's
// "stop"). A stopped account (exhausted, paused or halted) is charged nothing.
#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "market/records.h"
#include "sim/money.h"
#include "sim/time.h"

namespace marketsim {

class BudgetLedger {
 public:
  /// What a charge pays for: a discount, or a promotion cost of some kind.
  enum class Entry : std::uint8_t { kDiscount, kCost };
  /// How a day's allowance is drawn from the remaining budget.
  enum class Pacing : std::uint8_t {
    kAsap,         // all of it
    kEven,         // remaining budget / remaining days of the campaign (today included)
    kFrontLoaded,  // remaining budget x 2 / (remaining days + 1): shares n : n-1 : ... : 1
  };
  /// An account's terms. Money in cents; the campaign's days are first_day .. last_day.
  struct Terms {
    std::optional<Money> budget;     // nullopt: unlimited
    std::optional<Money> daily_cap;  // nullopt: no cap
    Pacing pacing = Pacing::kAsap;   // needs a budget to mean anything
    Day first_day = 0;
    Day last_day = std::numeric_limits<Day>::max();
  };
  /// One day of an account: the allowance it began with (-1: none) and what it spent.
  struct DaySpend {
    Day day;
    Money allowance;
    Money spent;
  };
  /// Why a charge would be refused.
  enum class Refusal : std::uint8_t { kNone, kBudget, kDay };

  /// Opens an account; returns its index. nullopt = unlimited.
  std::size_t open(std::optional<Money> budget) { return open(Terms{budget, std::nullopt}); }
  std::size_t open(const Terms& terms) {
    accounts_.push_back(Account{terms, 0, 0, 0, {}, std::nullopt, {}});
    return accounts_.size() - 1;
  }

  /// Starts day d for every account: the day's allowance and a new line of its day history;
  /// paused accounts resume.
  void begin_day(Day d) {
    for (Account& acc : accounts_) {
      acc.state &= static_cast<std::uint8_t>(~kPaused);
      acc.allowance = allowance(acc, d);
      acc.days.push_back(DaySpend{d, acc.allowance ? *acc.allowance : -1, 0});
      if (acc.allowance && *acc.allowance == 0) acc.state |= kPaused;
    }
  }

  /// Charges a discount of `amount` to account a if it fits in the remaining budget and the day's
  /// remaining allowance; otherwise exhausts (budget) or pauses (day) the account and returns
  /// false (nothing is charged).
  bool charge(std::size_t a, Money amount) { return charge_entry(a, amount, Entry::kDiscount, CostKind{0}); }
  /// Gives back `amount` of discounts charged earlier (a back-ordered line cancelled before it
  /// shipped); booked on today's spend. The account's stop and pause states stay as they are.
  void credit(std::size_t a, Money amount) {
    Account& acc = accounts_[a];
    acc.spent -= amount;
    acc.discounts -= amount;
    if (!acc.days.empty()) acc.days.back().spent -= amount;
  }
  /// Charges a promotion cost of kind `kind`, with the same rule.
  bool charge_cost(std::size_t a, Money amount, CostKind kind) {
    return charge_entry(a, amount, Entry::kCost, kind);
  }
  /// Why charging `amount` to account a would be refused (kNone: it fits); changes nothing.
  Refusal check(std::size_t a, Money amount) const {
    const Account& acc = accounts_[a];
    if (acc.terms.budget && amount > *acc.terms.budget - acc.spent) return Refusal::kBudget;  // spent <= budget
    if (acc.allowance && amount > *acc.allowance - today(acc)) return Refusal::kDay;
    return Refusal::kNone;
  }
  /// Applies a refusal `check` found: exhausts or pauses the account.
  void refuse(std::size_t a, Refusal why) {
    if (why == Refusal::kBudget) accounts_[a].state |= kExhausted;
    if (why == Refusal::kDay) accounts_[a].state |= kPaused;
  }
  /// Halts account a for good (a monitoring rule stopped its promotion).
  void halt(std::size_t a) { accounts_[a].state |= kHalted; }

  bool exhausted(std::size_t a) const { return accounts_[a].state & kExhausted; }
  bool paused(std::size_t a) const { return accounts_[a].state & kPaused; }
  bool halted(std::size_t a) const { return accounts_[a].state & kHalted; }
  /// Whether account a may be charged nothing now (its promotion offers and issues nothing).
  bool stopped(std::size_t a) const { return accounts_[a].state != 0; }
  /// Everything charged to account a (discounts and costs).
  Money spent(std::size_t a) const { return accounts_[a].spent; }
  Money discounts(std::size_t a) const { return accounts_[a].discounts; }
  Money costs(std::size_t a, CostKind kind) const { return accounts_[a].costs[kind]; }
  std::optional<Money> budget(std::size_t a) const { return accounts_[a].terms.budget; }
  const Terms& terms(std::size_t a) const { return accounts_[a].terms; }
  /// The days begun so far, with their allowances and spend.
  const std::vector<DaySpend>& days(std::size_t a) const { return accounts_[a].days; }
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

  /// The allowance of day d for an account that has spent `spent` so far (nullopt: no limit
  /// beyond the budget). With n = the campaign's days left from d on (today included; 1 on and
  /// after its last day, all of them before its first) and R = the remaining budget: "asap" R,
  /// "even" floor(R / n), "front_loaded" floor(2 R / (n + 1)); then at most the daily cap.
  static std::optional<Money> allowance(const Terms& t, Money spent, Day d) {
    std::optional<Money> out;
    if (t.budget && t.pacing != Pacing::kAsap) {
      __extension__ using i128 = __int128;
      const Money left = *t.budget - spent;
      const std::int64_t n =
          std::max<std::int64_t>(1, static_cast<std::int64_t>(t.last_day) - std::max(d, t.first_day) + 1);
      out = t.pacing == Pacing::kEven ? left / n : static_cast<Money>(static_cast<i128>(left) * 2 / (n + 1));
    }
    if (t.daily_cap) out = out ? std::min(*out, *t.daily_cap) : *t.daily_cap;
    return out;
  }

 private:
  enum State : std::uint8_t { kExhausted = 1, kPaused = 2, kHalted = 4 };
  struct Account {
    Terms terms;
    Money spent;
    std::uint8_t state;  // State bits; 0: it may be charged
    Money discounts;
    std::array<Money, kCostKinds> costs;
    std::optional<Money> allowance;  // today's
    std::vector<DaySpend> days;
  };
  static std::optional<Money> allowance(const Account& acc, Day d) { return allowance(acc.terms, acc.spent, d); }
  static Money today(const Account& acc) { return acc.days.empty() ? 0 : acc.days.back().spent; }
  bool charge_entry(std::size_t a, Money amount, Entry entry, CostKind kind) {
    const Refusal why = check(a, amount);
    if (why != Refusal::kNone) {
      refuse(a, why);
      return false;
    }
    Account& acc = accounts_[a];
    add_checked(acc.spent, amount);
    if (!acc.days.empty()) acc.days.back().spent += amount;
    if (entry == Entry::kDiscount) {
      add_checked(acc.discounts, amount);
    } else {
      add_checked(acc.costs[kind], amount);
    }
    if (acc.terms.budget && acc.spent == *acc.terms.budget) acc.state |= kExhausted;
    if (acc.allowance && today(acc) == *acc.allowance) acc.state |= kPaused;
    return true;
  }
  std::vector<Account> accounts_;
};

}  // namespace marketsim
