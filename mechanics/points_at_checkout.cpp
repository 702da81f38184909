// Mechanic "points": loyalty points paid at checkout for promotions implementing RedeemsPoints
// (strategies/promotions/points_redemption.h). At settlement, last (the "tender" stage: after the
// order-level rules and coupons, like cash), each such live promotion of the order's seller takes
// whole steps of the consumer's balance (the module offering PointsAccount), worth its point value
// each, up to its share of what is left of the order; the discount is charged to its budget and
// the points leave the balance. Books: counters points_redeemed and points_discounts (cents, part
// of the order discounts). Without a module keeping points nothing is redeemed.
#include <cmath>
#include <tuple>

#include "agents/loyalty_programme.h"
#include "mechanics/mechanic.h"
#include "strategies/arm.h"
#include "strategies/promotions/points_redemption.h"

namespace marketsim {
namespace {

class PointsAtCheckout final : public Mechanic {
 public:
  void attach(MechanicHost& host) override {
    Mechanic::attach(host);
    std::tie(account_, module_) = host.module_with<PointsAccount>();
    const std::span<SellerStrategies> sellers = host.sellers();
    redeeming_.resize(sellers.size());
    for (std::size_t s = 0; s < sellers.size(); ++s) {
      for (std::size_t p = 0; p < sellers[s].promotions.size(); ++p) {
        if (const auto* r = sellers[s].promotions[p]->capability<RedeemsPoints>()) {
          redeeming_[s].emplace_back(p, r);
          any_ = true;
        }
      }
    }
  }
  Use prepare(Time, Time) override { return Use{.settle_all = any_}; }
  Stage stage() const override { return Stage::kTender; }

  void settle(MechanicShard&, OrderSettlement& order) override {
    const SellerId s = order.seller();
    const ConsumerId c = order.consumer();
    for (const auto& [p, redeems] : redeeming_[s]) {
      if (account_ == nullptr || !host().live(s, p) || host().ledger(s).stopped(p) ||
          host().held_out(s, p, c))
        continue;
      const PointsRedemption rule = redeems->points_redemption();
      const ShardContext ctx = host().module_context(host().shard_of(c), module_);
      const std::int64_t balance = account_->balance(ctx, c);
      const double value = account_->point_value_cents();
      if (balance < rule.min_points || value <= 0.0) continue;
      const Money left = order.remaining(order.lines());
      const auto affordable =
          static_cast<std::int64_t>(std::floor(rule.max_share * static_cast<double>(left) / value));
      const std::int64_t points = std::min(balance, affordable) / rule.step * rule.step;
      if (points < rule.min_points || points <= 0) continue;
      const auto discount = static_cast<Money>(std::floor(static_cast<double>(points) * value));
      if (discount <= 0 || discount > left || !order.charge(p, discount)) continue;
      order.take(discount, order.lines());
      account_->redeem(ctx, c, points);
      SellerBooks& books = host().books(s);
      books.counters[redeemed_] += points;
      add_checked(books.counters[discounts_], discount);
    }
  }

 private:
  const PointsAccount* account_ = nullptr;
  std::size_t module_ = 0;
  bool any_ = false;
  std::vector<std::vector<std::pair<std::size_t, const RedeemsPoints*>>> redeeming_;  // per seller
  const std::size_t redeemed_ = book_counter("points_redeemed");
  const std::size_t discounts_ = book_counter("points_discounts");
};

}  // namespace

MechanicInfo points_at_checkout_mechanic() {
  return {kPointsMechanic,
          "loyalty points paid at checkout (promotions implementing RedeemsPoints)",
          [] { return std::make_unique<PointsAtCheckout>(); }};
}

}  // namespace marketsim
