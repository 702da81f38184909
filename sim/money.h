#pragma once
// Money is kept in integer cents so that revenue, cost and promotion-spend totals are exact and
// independent of summation order (and so of the thread count).
#include <cmath>
#include <cstdint>
#include <string>

#include "sim/error.h"

namespace marketsim {

/// An amount of money in cents.
using Money = std::int64_t;

/// The totals of a run (a day's revenue, a seller's stock, a ledger's spend) are sums of
/// unbounded length, so they are added with a check: a scenario whose magnitudes would leave 64
/// bits stops with a RangeError (exit 2) instead of reporting a wrapped-around total. A single
/// line cannot overflow: prices are at most 1e11 cents and quantities at most 65,535.
[[noreturn]] inline void throw_total_overflow(const char* what) {
  throw RangeError(std::string("a ") + what +
                   " total left the range of 64-bit integers (money: +-92,233,720,368,547,758.07 currency "
                   "units; units: +-9.2e18); the scenario's prices, costs, stock levels or volumes are too large");
}

/// total += amount, checked (see above).
inline void add_checked(std::int64_t& total, std::int64_t amount, const char* what = "money") {
  if (__builtin_add_overflow(total, amount, &total)) [[unlikely]] throw_total_overflow(what);
}

/// total += amount for unsigned counters, checked.
inline void add_checked(std::uint64_t& total, std::uint64_t amount, const char* what = "unit") {
  if (__builtin_add_overflow(total, amount, &total)) [[unlikely]] throw_total_overflow(what);
}

/// a * b, checked.
inline std::int64_t mul_checked(std::int64_t a, std::int64_t b, const char* what = "money") {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) [[unlikely]] throw_total_overflow(what);
  return r;
}

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
