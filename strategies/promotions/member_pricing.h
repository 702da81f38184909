#pragma once
// Member prices, as a promotion offers them: its per-item discounts go only to consumers whose
// membership tier (a behaviour module offering TierSource: agents/loyalty_programme.h) is at
// least min_tier(), and win over the discount everyone sees where deeper; without such a module
// nobody qualifies, nor does anyone held out of the promotion. The mechanic "member_prices"
// (mechanics/member_prices.cpp) applies them; a promotion implementing this names it.
namespace marketsim {

inline constexpr const char* kMemberPricesMechanic = "member_prices";

class MemberPricing {
 public:
  /// The least tier that sees its discounts.
  virtual int min_tier() const = 0;

 protected:
  ~MemberPricing() = default;
};

}  // namespace marketsim
