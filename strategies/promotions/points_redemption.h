#pragma once
// Loyalty points as payment, as a promotion offers it: at settlement, after order-level rules and
// what the consumer holds (coupons), whole `step`s of the consumer's points balance (a behaviour
// module offering PointsAccount: agents/loyalty_programme.h), at least `min_points`, pay up to
// `max_share` of what is left of its order with the promotion's seller, each point worth the
// module's point value; charged to the promotion's budget as an order discount. The mechanic
// "points" (mechanics/points_at_checkout.cpp) applies it; a promotion implementing this names it.
#include <cstdint>

namespace marketsim {

inline constexpr const char* kPointsMechanic = "points";

struct PointsRedemption {
  std::int64_t min_points = 100;
  std::int64_t step = 100;
  double max_share = 0.5;
};

class RedeemsPoints {
 public:
  virtual PointsRedemption points_redemption() const = 0;

 protected:
  ~RedeemsPoints() = default;
};

}  // namespace marketsim
