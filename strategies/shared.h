#pragma once
// Pieces several strategies declare and use alike, written once:
//  - a promotion's own window [start, end) in days: its two parameters (with_window()), their
//    check (parse_window()) and a base class whose span() is the window (WindowedPromotion).
#include <optional>
#include <string>
#include <utility>

#include "sim/params.h"
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

}  // namespace marketsim
