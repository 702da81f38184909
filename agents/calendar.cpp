// Behaviour "calendar" (MODEL.md "Time", "Consumers / Visits"): the calendar profile s(t) of the
// visit intensity lambda_i(t) = lambda_i * s(t) * ..., realised by thinning. s(t) is the product
// of a day-of-week multiplier, an hour-of-day multiplier and the factors of the dated surges (a
// festival day at k x traffic) that cover t's day:
//
//   s(t) = day_of_week[(d + first_weekday) mod 7] * hour_of_day[h] * prod_{surges covering d} k
//
// with d = floor(24 t) div 24 and h = floor(24 t) mod 24 (t in days). With `normalise` (the
// default) each profile is scaled to mean 1, so that lambda_i stays consumer i's mean daily rate
// over a week without surges and the profiles only say how visits spread over days and hours.
// The default profiles are flat: the module with no surges changes nothing.
//
// Demand shocks (noise_sd > 0): every block of n = noise_days days (day d in block (d + noise_offset)
// div n; an offset aligns blocks with weeks from Monday) has its own
// factor exp(sigma z_k - sigma^2 / 2), z_k ~ Normal(0, 1), mean 1, multiplying s(t) on its days:
// the week-to-week variation of a real shop's demand beyond what independent shoppers give (a
// Poisson-lognormal day count, as in negative-binomial demand models). z_k comes from the stream
// keyed by (seed, replication, Purpose::kBehaviour with "calendar.noise", block k): the same for
// every arm of a replication (common random numbers) and every consumer, drawn once per run.
//
// intensity_bound(start, end) is the maximum of s over the hour slots that times in
// [start, end) fall in: it depends only on the parameters and time, and s(t) <= bound exactly
// (the same products of the same doubles).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <boost/random/normal_distribution.hpp>

#include "agents/behaviour.h"
#include "agents/shared_resources.h"
#include "sim/error.h"
#include "sim/params.h"

namespace marketsim {
namespace {

constexpr std::int64_t kDays = 3650;  // the longest horizon a scenario may have (horizon_days)
constexpr std::size_t kWeek = 7;
constexpr std::size_t kHours = 24;

/// The hour slot of time t: floor(24 t), days since the start times 24 plus the hour.
std::int64_t slot_of(Time t) { return static_cast<std::int64_t>(std::floor(t * 24.0)); }

const ParamSchema& surge_schema() {
  static const ParamSchema s = {
      {.name = "day", .type = ParamType::kInteger, .min = 0, .max = static_cast<double>(kDays - 1),
       .description = "first day of the surge (day d covers [d, d + 1))"},
      {.name = "days", .type = ParamType::kInteger, .default_value = 1, .min = 1,
       .max = static_cast<double>(kDays), .description = "number of days the surge lasts"},
      {.name = "factor", .type = ParamType::kNumber, .min = 0, .max = 1000,
       .description = "k, visit intensity multiplier on the surge's days"},
  };
  return s;
}

/// The declared profile values as doubles; throws ParamError unless there are `size` of them,
/// not all zero. With `normalise`, scaled so that their mean is 1.
std::vector<double> profile(const Json& values, std::size_t size, bool normalise, const std::string& key) {
  if (values.size() != size) {
    throw ParamError(key, "expected " + std::to_string(size) + " multipliers, got " + std::to_string(values.size()));
  }
  std::vector<double> out;
  double sum = 0.0;
  for (const Json& v : values) {
    out.push_back(v.get<double>());
    sum += out.back();
  }
  if (!(sum > 0.0)) throw ParamError(key, "the multipliers are all zero; at least one must be positive");
  if (normalise) {
    for (double& v : out) v *= static_cast<double>(size) / sum;
  }
  return out;
}

class Calendar final : public Behaviour {
 public:
  Calendar(const Json& p, const BehaviourContext& ctx) {
    const bool normalise = p["normalise"].get<bool>();
    const std::vector<double> week = profile(p["day_of_week"], kWeek, normalise, "day_of_week");
    const std::vector<double> hours = profile(p["hour_of_day"], kHours, normalise, "hour_of_day");
    std::copy(hours.begin(), hours.end(), hour_.begin());
    const auto first = p["first_weekday"].get<std::int64_t>();
    for (std::size_t k = 0; k < kWeek; ++k) week_[k] = week[(k + static_cast<std::size_t>(first)) % kWeek];

    std::vector<double> surge(static_cast<std::size_t>(kDays), 1.0);
    const Json& surges = p["surges"];
    for (std::size_t i = 0; i < surges.size(); ++i) {
      Json s;
      try {
        s = validate_object(surge_schema(), surges[i], "", "");
      } catch (const ScenarioError& e) {
        // Its message is ": POINTER: WHAT"; name the surge instead of the empty file.
        const std::string what = e.what();
        const std::string prefix = ": " + e.pointer() + ": ";
        const std::string where = "surge " + std::to_string(i) +
                                  (e.pointer().size() > 1 ? ", " + e.pointer().substr(1) : std::string());
        throw ParamError("surges", where + ": " + (what.starts_with(prefix) ? what.substr(prefix.size()) : what.substr(2)));
      }
      const auto day = s["day"].get<std::int64_t>();
      const auto days = s["days"].get<std::int64_t>();
      if (day + days > kDays) {
        throw ParamError("surges", "surge " + std::to_string(i) + ": day + days = " + std::to_string(day + days) +
                                       " ends after day " + std::to_string(kDays) +
                                       ", the longest horizon; allowed: day + days <= " + std::to_string(kDays));
      }
      for (std::int64_t d = day; d < day + days; ++d) surge[static_cast<std::size_t>(d)] *= s["factor"].get<double>();
    }
    // (value(): the declared defaults, for parameters given without the loader.)
    const double sigma = p.value("noise_sd", 0.0);
    const auto block = static_cast<std::size_t>(std::max<std::int64_t>(1, p.value("noise_days", std::int64_t{7})));
    const auto offset = static_cast<std::size_t>(p.value("noise_offset", std::int64_t{0}));
    if (sigma > 0.0) {
      const std::uint64_t seed = ctx.shared != nullptr ? ctx.shared->seed() : 0;
      const std::uint64_t replication = ctx.shared != nullptr ? ctx.shared->replication() : 0;
      const StreamFamily streams(seed, replication, Purpose::kBehaviour, name_hash("calendar.noise"));
      std::size_t drawn = std::numeric_limits<std::size_t>::max();
      double factor = 1.0;
      for (std::size_t d = 0; d < surge.size(); ++d) {
        const std::size_t k = (d + offset) / block;
        if (k != drawn) {
          CounterRng rng(streams.key(k));
          const double z = boost::random::normal_distribution<double>(0.0, 1.0)(rng);
          factor = std::exp(sigma * z - sigma * sigma / 2.0);
          drawn = k;
        }
        surge[d] *= factor;
      }
    }
    day_.resize(surge.size());
    for (std::size_t d = 0; d < day_.size(); ++d) day_[d] = week_[d % kWeek] * surge[d];
  }

  unsigned stages() const override { return kStageIntensity; }
  std::size_t bound_parts_per_day() const override { return kHours; }

  double intensity_bound(Time start, Time end) const override {
    // Times t in [start, end) have slot_of(t) in [slot_of(start), slot_of(the double before
    // end)] (floor(24 t) is monotone in t, rounding included).
    const std::int64_t lo = std::max<std::int64_t>(0, slot_of(start));
    const std::int64_t hi = std::max(lo, slot_of(std::nextafter(end, -std::numeric_limits<double>::infinity())));
    double bound = 0.0;
    for (std::int64_t d = lo / 24; d <= hi / 24; ++d) {
      const std::int64_t h0 = d == lo / 24 ? lo % 24 : 0;
      const std::int64_t h1 = d == hi / 24 ? hi % 24 : 23;
      const double factor = day_factor(d);
      for (std::int64_t h = h0; h <= h1; ++h) bound = std::max(bound, factor * hour_[static_cast<std::size_t>(h)]);
    }
    return bound;
  }

  void intensity(IntensityBatch& b) const override {
    for (std::size_t i = 0; i < b.time.size(); ++i) b.multiplier[i] *= at(b.time[i]);
  }

  /// s(t).
  double at(Time t) const {
    const std::int64_t slot = std::max<std::int64_t>(0, slot_of(t));
    return day_factor(slot / 24) * hour_[static_cast<std::size_t>(slot % 24)];
  }

 private:
  double day_factor(std::int64_t d) const {
    return d < static_cast<std::int64_t>(day_.size()) ? day_[static_cast<std::size_t>(d)]
                                                      : week_[static_cast<std::size_t>(d % 7)];
  }

  std::array<double, kWeek> week_{};   // multiplier of day d's weekday, by d mod 7
  std::array<double, kHours> hour_{};  // multiplier by hour of the day
  std::vector<double> day_;            // week_[d mod 7] * the surges' factors, by day d
};

}  // namespace

void register_calendar() {
  behaviour_registry().add({
      "calendar",
      "Calendar profile of visit intensity s(t): day of week x hour of day x dated surges (festival "
      "days at k x traffic), by thinning. Flat by default.",
      {
          {.name = "day_of_week", .type = ParamType::kNumberList, .default_value = Json(std::vector<double>(kWeek, 1.0)),
           .min = 0, .max = 1000,
           .description = "7 relative visit intensities, one per weekday (entry (d + first_weekday) mod 7 applies "
                          "to day d)"},
          {.name = "hour_of_day", .type = ParamType::kNumberList, .default_value = Json(std::vector<double>(kHours, 1.0)),
           .min = 0, .max = 1000,
           .description = "24 relative visit intensities, one per hour of the day (hour h covers [h/24, (h+1)/24) "
                          "of each day)"},
          {.name = "normalise", .type = ParamType::kBoolean, .default_value = true,
           .description = "scale each profile to mean 1 (visit_rate stays the mean daily rate over a week); false: "
                          "the multipliers as given"},
          {.name = "first_weekday", .type = ParamType::kInteger, .default_value = 0, .min = 0, .max = 6,
           .description = "the entry of day_of_week that applies to day 0 (e.g. 4 when the profile starts on Monday "
                          "and day 0 is a Friday)"},
          {.name = "surges", .type = ParamType::kObjectList, .default_value = Json::array(),
           .description = "dated surges {\"day\": d, \"days\": n (default 1), \"factor\": k}: visit intensity x k "
                          "on days [d, d + n); overlapping surges multiply"},
          {.name = "noise_sd", .type = ParamType::kNumber, .default_value = 0.0, .min = 0.0, .max = 3.0,
           .description = "sigma of the demand shocks: each block of noise_days days multiplies visit intensity by "
                          "exp(sigma z - sigma^2 / 2), z ~ Normal(0, 1) per replication and block (0: none)"},
          {.name = "noise_days", .type = ParamType::kInteger, .default_value = 7, .min = 1, .max = 365,
           .description = "days each demand shock lasts: day d is in block (d + noise_offset) div noise_days"},
          {.name = "noise_offset", .type = ParamType::kInteger, .default_value = 0, .min = 0, .max = 364,
           .description = "shifts the shocks' blocks: day d is in block (d + noise_offset) div noise_days (e.g. the "
                          "weekday of day 0, Monday = 0, for blocks of Monday-Sunday weeks)"},
      },
      [](const Json& p, const BehaviourContext& ctx) { return std::make_unique<Calendar>(p, ctx); },
      examples_from(R"([{"day_of_week": [1.0, 1.0, 1.0, 1.1, 1.3, 1.8, 1.5], "hour_of_day": [0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.6, 0.9, 1.1, 1.2, 1.3, 1.4, 1.3, 1.2, 1.2, 1.3, 1.4, 1.6, 1.9, 2.2, 2.0, 1.2, 0.5], "first_weekday": 2, "surges": [{"day": 10, "days": 2, "factor": 3}]}, {"day_of_week": [1, 1, 1, 1, 1, 0, 1], "noise_sd": 0.3, "noise_days": 3}])"),
  });
}

}  // namespace marketsim
