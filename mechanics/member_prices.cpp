// Mechanic "member_prices": the per-item discounts of promotions implementing MemberPricing
// (strategies/promotions/member_pricing.h) are kept apart from the public ones: per offer, the
// window's deepest member discount, its promotion and tier. A consumer whose tier (the module
// offering TierSource) reaches it, and who is not held out of the promotion, sees and pays the
// member price where it is deeper than the public discount; it enters the utility through the
// price only (no deal tag).
#include <algorithm>
#include <tuple>

#include "agents/loyalty_programme.h"
#include "mechanics/mechanic.h"
#include "strategies/arm.h"
#include "strategies/promotions/member_pricing.h"

namespace marketsim {
namespace {

class MemberPrices final : public Mechanic {
 public:
  void attach(MechanicHost& host) override {
    Mechanic::attach(host);
    std::tie(tiers_, tier_module_) = host.module_with<TierSource>();
    const std::size_t offers = host.offers().size();
    discount_.assign(offers, 0);
    promotion_.assign(offers, -1);
    tier_.assign(offers, 0);
  }
  bool claims(SellerId, std::size_t, const PromotionStrategy& promotion) const override {
    return promotion.capability<MemberPricing>() != nullptr;
  }
  void open_window(Time, Time) override {
    std::fill(discount_.begin(), discount_.end(), 0);
    std::fill(promotion_.begin(), promotion_.end(), -1);
  }
  void take_item_discounts(SellerId s, std::size_t p, OfferId first, std::span<const Money> price,
                           std::span<const Money> discount) override {
    const int tier = host().sellers()[s].promotions[p]->capability<MemberPricing>()->min_tier();
    for (std::size_t k = 0; k < price.size(); ++k) {
      if (discount[k] > discount_[first + k]) {
        discount_[first + k] = std::min(discount[k], price[k]);
        promotion_[first + k] = static_cast<std::int32_t>(p);
        tier_[first + k] = tier;
      }
    }
  }
  Use prepare(Time, Time) override {
    const std::span<const Money> open = host().discounts();
    bool any = false;
    for (std::size_t o = 0; o < discount_.size() && !any; ++o) any = discount_[o] > open[o];
    return Use{.price_all = any, .line_prices = any};
  }

  void price(MechanicShard&, const VisitPrices& visit) override {
    // The tier is read once per visit, when an offer shown has a member price.
    const std::span<const Money> open = host().discounts();
    const std::span<const Money> prices = host().prices();
    int tier = -2;  // not read yet
    for (std::size_t k = 0; k < visit.offer.size(); ++k) {
      const OfferId o = visit.offer[k];
      const std::int32_t p = promotion_[o];
      if (p < 0 || discount_[o] <= open[o]) continue;
      if (tier == -2) tier = tier_of(visit.consumer);
      if (tier < tier_[o] ||
          host().held_out(host().offers().seller[o], static_cast<std::size_t>(p), visit.consumer)) {
        continue;
      }
      visit.price[k] = static_cast<float>(to_currency(prices[o] - discount_[o]));
    }
  }
  bool line_discount(MechanicShard&, SellerId s, OfferId o, ConsumerId c, std::int32_t& promotion,
                     Money& unit_discount) override {
    const std::int32_t p = promotion_[o];
    if (discount_[o] <= unit_discount || p < 0 || discount_[o] <= host().discounts()[o])
      return false;
    if (host().held_out(s, static_cast<std::size_t>(p), c) || tier_of(c) < tier_[o]) return false;
    promotion = p;
    unit_discount = discount_[o];
    return true;
  }

 private:
  int tier_of(ConsumerId c) const {
    return tiers_ != nullptr
               ? tiers_->tier(host().module_context(host().shard_of(c), tier_module_), c)
               : -1;
  }

  const TierSource* tiers_ = nullptr;
  std::size_t tier_module_ = 0;
  std::vector<Money> discount_;          // per offer: the deepest member discount of the window
  std::vector<std::int32_t> promotion_;  // its promotion (within the seller), or -1
  std::vector<std::int32_t> tier_;       // its least tier
};

}  // namespace

MechanicInfo member_prices_mechanic() {
  return {kMemberPricesMechanic,
          "member prices: tier-gated per-item discounts (promotions implementing MemberPricing)",
          [] { return std::make_unique<MemberPrices>(); }};
}

}  // namespace marketsim
