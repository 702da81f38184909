#pragma once
// Simulated time is a double in days from the scenario's start; hours are fractions of a day.
#include <cmath>
#include <cstdint>

namespace marketsim {

/// Simulated time in days since the start of the scenario.
using Time = double;
/// A whole day index: day d covers [d, d + 1).
using Day = std::int32_t;

/// The day that contains time t. Times of a run are not negative, and for t >= 0 truncation is
/// the floor (without a call into libm, which the target's baseline x86-64 needs for floor).
inline Day day_of(Time t) { return t >= 0.0 ? static_cast<Day>(t) : static_cast<Day>(std::floor(t)); }

}  // namespace marketsim
