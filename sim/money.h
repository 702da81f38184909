#pragma once
// Money is kept in integer cents so that revenue, cost and promotion-spend totals are exact and
// independent of summation order (and so of the thread count).
#include <cmath>
#include <cstdint>

namespace marketsim {

/// An amount of money in cents.
using Money = std::int64_t;

/// Rounds an amount in currency units to the nearest cent.
inline Money to_cents(double currency_units) {
  return static_cast<Money>(std::llround(currency_units * 100.0));
}

/// Converts cents to currency units (for utilities and reports).
inline double to_currency(Money cents) { return static_cast<double>(cents) / 100.0; }

/// The discount in cents of `depth` (a fraction in [0, 1]) off `price`, rounded to the cent.
inline Money discount_of(Money price, double depth) {
  return static_cast<Money>(std::llround(static_cast<double>(price) * depth));
}

}  // namespace marketsim
