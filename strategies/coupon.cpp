// Promotion "coupon": on each occasion, a coupon of `value` off an order of at least `min_spend`
// (optionally of one category), valid `expiry_days`, for every targeted consumer (all, a random
// share, or lapsed buyers: strategies/targeting.h), each costing `cost` to distribute. The
// budget (a shared parameter: strategies/campaign.h) pays distribution costs and redeemed coupons;
// a coupon it cannot cover is not issued. A monitoring rule may scale the value of later coupons.
#include <algorithm>

#include "strategies/registry.h"
#include "strategies/targeting.h"

namespace marketsim {
namespace {

class CouponPromotion final : public PromotionStrategy {
 public:
  CouponPromotion(Targeting targeting, Coupon coupon, Day expiry_days, Money cost)
      : targeting_(std::move(targeting)), coupon_(coupon), expiry_days_(expiry_days), cost_(cost) {}

  bool offers(const MarketContext&, std::span<const Money>, std::span<Money>) override { return false; }
  bool scalable() const override { return true; }
  void scale(double factor) override {
    if (coupon_.amount_off > 0) {
      coupon_.amount_off = std::max<Money>(1, std::llround(static_cast<double>(coupon_.amount_off) * factor));
    }
    coupon_.percent_off = std::min(1.0, coupon_.percent_off * factor);
  }
  void observe(const WindowRecords& w) override { targeting_.observe(w); }

  void act(const MarketContext& ctx, CommandSink& commands) override {
    if (!targeting_.occasion(ctx)) return;
    Coupon c = coupon_;
    c.expires = ctx.window_start + static_cast<Time>(expiry_days_);
    targeting_.each(ctx.day, [&](ConsumerId consumer) { commands.issue_coupon(consumer, c, cost_); });
  }

 private:
  Targeting targeting_;
  Coupon coupon_;
  Day expiry_days_;
  Money cost_;
};

}  // namespace

void register_coupon() {
  std::vector<ParamSpec> params = {
      {.name = "value", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1e9,
       .description = "money off an order, currency units", .min_exclusive = true},
      {.name = "min_spend", .type = ParamType::kNumber, .default_value = 0.0, .min = 0.0, .max = 1e9,
       .description = "eligible order subtotal needed, currency units"},
      {.name = "expiry_days", .type = ParamType::kInteger, .default_value = 14, .min = 1, .max = 100000,
       .description = "days a coupon stays valid after it is issued"},
      {.name = "category", .type = ParamType::kString, .default_value = "",
       .description = "the category whose products it covers (empty: every category)"},
      {.name = "cost", .type = ParamType::kNumber, .default_value = 0.0, .min = 0.0, .max = 1e6,
       .description = "cost of distributing one coupon, currency units"},
  };
  for (ParamSpec& p : Targeting::params()) params.push_back(std::move(p));
  promotion_registry().add({
      "coupon",
      "Coupons (money off an order above a minimum spend, valid some days) for all consumers, a "
      "random share or lapsed buyers, once or every N days.",
      std::move(params),
      [](const Json& p, const BuildContext& ctx) {
        Coupon coupon;
        coupon.amount_off = to_cents(p["value"].get<double>());
        coupon.min_spend = to_cents(p["min_spend"].get<double>());
        if (coupon.amount_off <= 0) throw ParamError("value", "must be at least one cent");
        const std::string category = p["category"].get<std::string>();
        if (!category.empty()) {
          const auto& names = ctx.catalog.category_names;
          const auto it = std::find(names.begin(), names.end(), category);
          if (it == names.end()) throw ParamError("category", "\"" + category + "\" is not a category of the market");
          coupon.category = static_cast<std::uint32_t>(it - names.begin());
        }
        return std::make_unique<CouponPromotion>(Targeting(p, ctx), coupon, p["expiry_days"].get<Day>(),
                                                 to_cents(p["cost"].get<double>()));
      },
  });
}

}  // namespace marketsim
