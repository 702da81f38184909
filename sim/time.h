#pragma once
// Simulated time is a double in days from the scenario's start; hours are fractions of a day.
#include <cmath>
#include <cstdint>

namespace marketsim {

/// Simulated time in days since the start of the scenario.
using Time = double;
/// A whole day index: day d covers [d, d + 1).
using Day = std::int32_t;

/// The day that contains time t.
inline Day day_of(Time t) { return static_cast<Day>(std::floor(t)); }

}  // namespace marketsim
