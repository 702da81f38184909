#pragma once
// Whom and when the consumer-addressing promotions ("coupon", "notify") act: their shared
// parameters and the selection.
//   to           "all" consumers; "random": each consumer independently with probability
//                `share` (a fresh draw at every occasion, from `seed` and the day); "lapsed":
//                consumers who bought from the seller before and have not bought from it for at
//                least `lapsed_days` days (last purchase on day <= today - lapsed_days), from the
//                settled orders the seller observes (Strategy::observe; what the platform knows,
//                without keeping lapsed_days of per-consumer events in the platform log).
//   day, every   the first occasion (a day) and the days between occasions (0: once); it acts in
//                the first window of an occasion's day.
#include <cstdint>
#include <optional>
#include <vector>

#include "market/records.h"
#include "sim/error.h"
#include "sim/params.h"
#include "sim/rng.h"
#include "strategies/context.h"

namespace marketsim {

class Targeting {
 public:
  enum class To { kAll, kRandom, kLapsed };

  /// The parameters it reads (appended to a promotion's schema).
  static std::vector<ParamSpec> params() {
    return {
        {.name = "to", .type = ParamType::kString, .default_value = "all",
         .description = "whom: \"all\", \"random\" (a share) or \"lapsed\" (bought before, not for lapsed_days)",
         .choices = {"all", "random", "lapsed"}},
        {.name = "share", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1.0,
         .description = "with \"to\": \"random\": probability that each consumer is chosen at an occasion",
         .optional = true},
        {.name = "lapsed_days", .type = ParamType::kInteger, .default_value = nullptr, .min = 1, .max = 100000,
         .description = "with \"to\": \"lapsed\": days without a purchase that make a buyer lapsed",
         .optional = true},
        {.name = "seed", .type = ParamType::kInteger, .default_value = 1, .min = 0, .max = 4294967295.0,
         .description = "seed of the \"random\" draws"},
        {.name = "day", .type = ParamType::kInteger, .default_value = 0, .min = 0, .max = 1000000,
         .description = "the first day it acts"},
        {.name = "every", .type = ParamType::kInteger, .default_value = 0, .min = 0, .max = 1000000,
         .description = "days between occasions (0: only on `day`)"},
    };
  }

  /// Reads the parameters; cross-parameter rules throw ParamError.
  Targeting(const Json& p, const BuildContext& ctx)
      : consumers_(static_cast<std::size_t>(ctx.consumers)),
        seller_(ctx.seller),
        seed_(p["seed"].get<std::uint64_t>()),
        day_(p["day"].get<Day>()),
        every_(p["every"].get<Day>()) {
    const std::string to = p["to"].get<std::string>();
    to_ = to == "random" ? To::kRandom : to == "lapsed" ? To::kLapsed : To::kAll;
    if (to_ == To::kRandom) {
      if (!p.contains("share")) throw ParamError("share", "is required with \"to\": \"random\"");
      share_ = p["share"].get<double>();
    } else if (p.contains("share")) {
      throw ParamError("share", "applies only with \"to\": \"random\"");
    }
    if (to_ == To::kLapsed) {
      if (!p.contains("lapsed_days")) throw ParamError("lapsed_days", "is required with \"to\": \"lapsed\"");
      lapsed_days_ = p["lapsed_days"].get<Day>();
      last_purchase_.assign(consumers_, -1);
    } else if (p.contains("lapsed_days")) {
      throw ParamError("lapsed_days", "applies only with \"to\": \"lapsed\"");
    }
  }

  /// Records purchases from the seller (for "lapsed").
  void observe(const WindowRecords& w) {
    if (to_ != To::kLapsed) return;
    for (const LineRecord& l : w.lines) {
      if (l.quantity > 0 && l.seller == seller_ && l.consumer < last_purchase_.size()) {
        last_purchase_[l.consumer] = static_cast<std::int32_t>(day_of(l.time));
      }
    }
  }

  /// Whether the window being prepared is the first of an occasion's day (true once per day).
  bool occasion(const MarketContext& ctx) {
    if (ctx.day == acted_day_ || ctx.day < day_) return false;
    if (every_ == 0 ? ctx.day != day_ : (ctx.day - day_) % every_ != 0) return false;
    acted_day_ = ctx.day;
    return true;
  }

  /// Calls f(consumer) for each consumer targeted on `day`, in id order.
  template <typename F>
  void each(Day day, F&& f) const {
    const std::uint64_t key = mix64(seed_ ^ mix64(static_cast<std::uint64_t>(day) + 0x5bd1e995ULL));
    for (std::size_t c = 0; c < consumers_; ++c) {
      switch (to_) {
        case To::kAll: break;
        case To::kRandom: {
          CounterRng rng(key, 4 * c);
          if (!(rng.uniform() < share_)) continue;
          break;
        }
        case To::kLapsed:
          if (last_purchase_[c] < 0 || last_purchase_[c] > day - lapsed_days_) continue;
          break;
      }
      f(static_cast<ConsumerId>(c));
    }
  }

 private:
  std::size_t consumers_;
  SellerId seller_;
  std::uint64_t seed_;
  Day day_;
  Day every_;
  To to_ = To::kAll;
  double share_ = 1.0;
  Day lapsed_days_ = 0;
  std::vector<std::int32_t> last_purchase_;
  Day acted_day_ = -1;
};

}  // namespace marketsim
