// Mechanic "coupon": the wallets consumers keep coupons in (strategies/promotions/coupons.h issues
// them; festival deposits are coupons too). A coupon command puts one into its consumer's wallet
// at the window's start; while a consumer holds coupons its visits see each shown offer at its
// unit price less the best coupon that one item alone would unlock, and each of its orders with a
// seller redeems the seller's coupon worth most on what is left after the order-level rules (the
// "held" stage: stacking's "coupons" decides whether it also follows the rules or competes with
// them). A redeemed coupon leaves the wallet; an unused one leaves it at its expiry (a day's end).
// Books: counters coupons_issued, coupons_redeemed, coupons_expired and coupon_discounts (cents,
// part of the order discounts); events coupon.issued, coupon.redeemed, coupon.expired; the platform
// log's coupon events. Its invariant: every coupon issued was redeemed once, expired, or is held.
#include "mechanics/coupon_wallet.h"

#include <algorithm>

#include "mechanics/mechanic.h"
#include "sim/error.h"

namespace marketsim {
namespace {

struct CouponShard final : MechanicShard {
  Wallets wallets;
  std::size_t cursor = 0;  // Wallets::find_from's, for a window's visits in consumer order
};

class CouponWallet final : public Mechanic {
 public:
  void attach(MechanicHost& host) override {
    Mechanic::attach(host);
    counts_.assign(host.offers().sellers(), {});
  }
  std::unique_ptr<MechanicShard> make_shard(ConsumerId, ConsumerId) override {
    auto shard = std::make_unique<CouponShard>();
    shards_.push_back(shard.get());
    return shard;
  }
  std::vector<std::string> event_names() const override {
    return {"coupon.issued", "coupon.redeemed", "coupon.expired"};
  }
  std::vector<CommandKind> commands_handled() const override { return {coupon_command()}; }

  void command(MechanicShard& s, const Command& cmd) override {
    const Coupon coupon = cmd.payload_as<Coupon>();
    static_cast<CouponShard&>(s).wallets.add(cmd.consumer,
                                             HeldCoupon{coupon, cmd.seller, cmd.promotion});
    host().hold(cmd.consumer, true);
    ++host().books(cmd.seller).counters[issued_];
    ++counts_[cmd.seller].issued;
    host().log(ConsumerEvent{cmd.time, cmd.consumer, EventKind::kCouponIssued, cmd.seller,
                             cmd.promotion, 0, 0, coupon.amount_off, 0});
    host().emit(kIssued, cmd.time, to_currency(coupon.amount_off), cmd.seller, cmd.consumer);
  }
  void commands_done() override {
    for (CouponShard* shard : shards_) shard->wallets.commit();
  }

  void price(MechanicShard& s, const VisitPrices& visit) override {
    // A window's visits come in consumer order (a consumer's several candidates in a row), so the
    // wallets are searched forward from the previous holder's entries.
    auto& shard = static_cast<CouponShard&>(s);
    const std::span<const Wallets::Entry> wallet =
        shard.wallets.find_from(visit.consumer, shard.cursor);
    const Offers& offers = host().offers();
    const Catalog& catalog = host().catalog();
    for (std::size_t k = 0; k < visit.offer.size(); ++k) {
      const OfferId o = visit.offer[k];
      const Money unit = visit.unit[k];
      Money best = 0;
      for (const Wallets::Entry& e : wallet) {
        const HeldCoupon& h = e.held;
        if (!h.usable(offers.seller[o], visit.time) ||
            !h.coupon.covers(catalog.category[offers.product[o]]))
          continue;
        best = std::max(best, h.coupon.value_on(unit));
      }
      if (best > 0) visit.price[k] = static_cast<float>(to_currency(unit - best));
    }
  }

  Stage stage() const override { return Stage::kHeld; }
  Money held_value(MechanicShard& s, OrderSettlement& order) override {
    Money value = 0;
    best(static_cast<CouponShard&>(s).wallets.find(order.consumer()), order, value);
    return value;
  }
  void settle(MechanicShard& s, OrderSettlement& order) override {
    const std::span<Wallets::Entry> wallet =
        static_cast<CouponShard&>(s).wallets.find(order.consumer());
    Money value = 0;
    const std::size_t k = best(wallet, order, value);
    if (k == SIZE_MAX) return;
    const HeldCoupon used = wallet[k].held;
    const auto p = static_cast<std::size_t>(used.promotion);
    if (!order.charge(p, value)) return;
    order.take(value, eligible(used, order));
    const SellerId seller = order.seller();
    SellerBooks& books = host().books(seller);
    ++books.counters[redeemed_];
    add_checked(books.counters[discounts_], value);
    ++counts_[seller].redeemed;
    if (!Wallets::kill(wallet, k)) host().hold(order.consumer(), false);
    host().log(ConsumerEvent{order.time(), order.consumer(), EventKind::kCouponRedeemed, seller,
                             used.promotion, 0, 0, 0, value});
    host().emit(kRedeemed, order.time(), to_currency(value), seller, order.consumer());
  }

  void end_day(Time now) override {
    // Coupons usable only before `now` leave their wallets (shards in order, consumers in id
    // order).
    for (CouponShard* shard : shards_) {
      shard->wallets.expire(
          now,
          [&](ConsumerId c, const HeldCoupon& h) {
            ++host().books(h.seller).counters[expired_];
            ++counts_[h.seller].expired;
            host().log(ConsumerEvent{now, c, EventKind::kCouponExpired, h.seller, h.promotion, 0, 0,
                                     h.coupon.amount_off, 0});
            host().emit(kExpired, now, to_currency(h.coupon.amount_off), h.seller, c);
          },
          [&](ConsumerId c) { host().hold(c, false); });
    }
  }

  void check() const override {
    for (std::size_t s = 0; s < counts_.size(); ++s) {
      std::uint64_t held = 0;
      for (const CouponShard* shard : shards_) {
        shard->wallets.for_each_live(
            [&](ConsumerId, const HeldCoupon& h) { held += h.seller == s ? 1 : 0; });
      }
      const Counts& c = counts_[s];
      if (c.issued != c.redeemed + c.expired + held) {
        throw InvariantViolation(
            "seller \"" + host().offers().seller_names[s] + "\": " + std::to_string(c.issued) +
            " coupons issued != " + std::to_string(c.redeemed) + " redeemed + " +
            std::to_string(c.expired) + " expired + " + std::to_string(held) + " still held");
      }
    }
  }

 private:
  enum Event : std::size_t { kIssued, kRedeemed, kExpired };
  struct Counts {
    std::uint64_t issued = 0, redeemed = 0, expired = 0;
  };

  /// The lines coupon h may discount: those its promotion may (exclusive groups) in its category.
  std::span<const std::size_t> eligible(const HeldCoupon& h, OrderSettlement& order) {
    lines_.clear();
    const Catalog& catalog = host().catalog();
    for (std::size_t r : order.lines_for(static_cast<std::size_t>(h.promotion))) {
      if (h.coupon.covers(catalog.category[order.record(r).product])) lines_.push_back(r);
    }
    return lines_;
  }
  /// The consumer's coupon of the order's seller worth most on its eligible lines as they are now
  /// (SIZE_MAX: none worth anything), and its value.
  std::size_t best(std::span<const Wallets::Entry> wallet, OrderSettlement& order, Money& value) {
    std::size_t best = SIZE_MAX;
    value = 0;
    for (std::size_t k = 0; k < wallet.size(); ++k) {
      const HeldCoupon& h = wallet[k].held;
      if (!h.usable(order.seller(), order.time()) ||
          order.blocked(static_cast<std::size_t>(h.promotion)))
        continue;
      const Money v = h.coupon.value_on(order.remaining(eligible(h, order)));
      if (v > value) {
        value = v;
        best = k;
      }
    }
    return best;
  }

  std::vector<CouponShard*> shards_;
  std::vector<Counts> counts_;  // per seller
  std::vector<std::size_t> lines_;
  const std::size_t issued_ = book_counter("coupons_issued");
  const std::size_t redeemed_ = book_counter("coupons_redeemed");
  const std::size_t expired_ = book_counter("coupons_expired");
  const std::size_t discounts_ = book_counter("coupon_discounts");
};

}  // namespace

MechanicInfo coupon_wallet_mechanic() {
  return {kCouponMechanic,
          "coupon wallets: coupons issued to consumers, redeemed at checkout, dropped at expiry",
          [] { return std::make_unique<CouponWallet>(); },
          {command_name(coupon_command())}};
}

}  // namespace marketsim
