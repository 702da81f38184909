#pragma once
// How customer_lifetime_value values a customer (the scenario's /lifetime_value): which margin
// it counts and the annual rate it discounts at.

namespace marketsim {

struct LifetimeValueSpec {
  /// "contribution" (true): gross profit less the costs of the commands addressed to the
  /// customer (coupons sent, notifications: the engine's "command.cost" events); false: gross
  /// profit (revenue - cost of goods).
  bool contribution = true;
  double annual_rate = 0.10;  // discount rate a year (continuous equivalent ln(1 + rate) / 365 a day)
};

}  // namespace marketsim
