#pragma once
// Pieces several strategies declare and use alike, written once:
//  - a promotion's own window [start, end) in days: its two parameters (with_window()), their
//    check (parse_window()) and a base class whose span() is the window (WindowedPromotion);
//  - a pricer's price bounds and demand history (PriceBounds: min_factor, max_factor, max_step,
//    window_days, floor_demand);
//  - the other sellers' offers of each of a seller's products and their lowest price yesterday
//    (rival_offers(), lowest_rival_price()).
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "sim/params.h"
#include "strategies/context.h"
#include "strategies/promotion.h"

namespace marketsim {

/// A promotion's own window [start, end), days from the start of the run.
struct PromotionWindow {
  Time start = 0.0;
  Time end = 1.0e9;
  /// Whether `t` is inside [start, end).
  bool contains(Time t) const { return !(t < start || t >= end); }
};

/// `params` followed by "start" (number >= 0, default 0) and "end" (number >= 0, default 1e9),
/// described as given.
ParamSchema with_window(ParamSchema params,
                        std::string start_description = "first day of the promotion (days from the start, inclusive)",
                        std::string end_description = "end of the promotion (days from the start, exclusive)");
/// The window of validated parameters declared by with_window(); throws ParamError on "end" unless
/// end > start.
PromotionWindow parse_window(const Json& p);

/// A promotion with its own window: the window is its span() (the default span of its campaign).
class WindowedPromotion : public PromotionStrategy {
 public:
  explicit WindowedPromotion(PromotionWindow window) : window_(window) {}
  std::optional<std::pair<Time, Time>> span() const final { return std::pair{window_.start, window_.end}; }

 protected:
  const PromotionWindow& window() const { return window_; }

 private:
  PromotionWindow window_;
};

/// A pricer's bounds on its prices and the demand history it reads: prices within [min_factor,
/// max_factor] x list, at most max_step (a share) from the previous price, mean daily demand over
/// the last window_days complete days, at least floor_demand units a day.
struct PriceBounds {
  double min_factor = 0.5;
  double max_factor = 2.0;
  double max_step = 0.1;
  Day window_days = 7;
  double floor_demand = 0.1;

  /// Reads validated parameters declared by with_price_bounds().
  static PriceBounds parse(const Json& p);

  LogNeeds needs() const { return {.lookback_days = window_days}; }
  /// The first day of the demand history on ctx.day: window_days back, not before the log's first.
  Day history_from(const MarketContext& ctx) const;
  /// The mean daily demand (sold + lost) of offer `o` over [from, ctx.day), at least floor_demand.
  double mean_demand(const MarketContext& ctx, OfferId o, Day from) const;
};

/// `params` followed by min_factor, max_factor, max_step, window_days and floor_demand, with the
/// defaults of min_factor and max_factor and the description of floor_demand given.
ParamSchema with_price_bounds(ParamSchema params, double min_factor_default, double max_factor_default,
                              std::string floor_demand_description);

/// Per local offer of ctx.seller: the other sellers' offers of its product.
std::vector<std::vector<OfferId>> rival_offers(const BuildContext& ctx);
/// The lowest price the offers `rivals` had on ctx.day - 1 (the platform log's), or the largest
/// Money where there are none.
Money lowest_rival_price(const MarketContext& ctx, std::span<const OfferId> rivals);

}  // namespace marketsim
