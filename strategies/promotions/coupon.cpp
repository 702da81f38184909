// Promotion "coupon": on each occasion, a coupon of `value` off (or `percent` of the eligible
// subtotal off, at most `max_value`) an order of at least `min_spend` (optionally of one
// category), valid `expiry_days`, for every targeted consumer (all, a random share or count,
// lapsed buyers, segments, K-means clusters or the highest predicted uplift after a randomised
// pilot: strategies/targeting.h), each costing `cost` to distribute, at most `limit` coupons over
// the run. The budget (a shared parameter: strategies/campaign.h) pays distribution costs and
// redeemed coupons; a coupon it cannot cover is not issued. A monitoring rule may scale the value
// (or percent) of later coupons.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

#include "strategies/promotions/coupons.h"
#include "strategies/registry.h"
#include "strategies/targeting.h"

namespace marketsim {
namespace {

class CouponPromotion final : public PromotionStrategy, public ScalableDepth {
 public:
  CouponPromotion(Targeting targeting, Coupon coupon, Day expiry_days, Money cost, std::optional<std::uint64_t> limit)
      : targeting_(std::move(targeting)), coupon_(coupon), expiry_days_(expiry_days), cost_(cost), limit_(limit) {}

  bool offers(const MarketContext&, std::span<const Money>, std::span<Money>) override { return false; }
  std::vector<std::string> mechanics() const override { return {kCouponMechanic}; }
  void scale(double factor) override {
    if (coupon_.amount_off > 0) {
      coupon_.amount_off = std::max<Money>(1, std::llround(static_cast<double>(coupon_.amount_off) * factor));
    }
    coupon_.percent_off = std::min(1.0, coupon_.percent_off * factor);
  }
  void observe(const WindowRecords& w) override { targeting_.observe(w); }
  /// Coupons held at once, per consumer, at most: an occasion's share of consumers times the
  /// occasions whose coupons can be alive together (those within the expiry), capped by the limit;
  /// 64 bytes each in a wallet (the coupon mechanic's HeldCoupon with its consumer).
  double bytes_per_consumer_outside_columns() const override {
    constexpr double kCouponBytes = 64.0;
    const double alive = targeting_.every() > 0
                             ? std::ceil(static_cast<double>(std::max<Day>(expiry_days_, 1)) / static_cast<double>(targeting_.every()))
                             : 1.0;
    double per_consumer = targeting_.occasion_share_bound() * alive;
    if (limit_ && targeting_.consumers() > 0) {
      per_consumer = std::min(per_consumer, static_cast<double>(*limit_) / static_cast<double>(targeting_.consumers()));
    }
    return kCouponBytes * per_consumer;
  }
  /// Event "model_fitted": a learned targeting rule fitted its models (value: the day).
  std::vector<std::string> event_names() const override { return {"model_fitted"}; }

  void act(const MarketContext& ctx, CommandSink& commands) override {
    if (limit_ && issued_ >= *limit_) return;
    if (!targeting_.occasion(ctx)) return;
    Coupon c = coupon_;
    c.expires = ctx.window_start + static_cast<Time>(expiry_days_);
    const bool was_fitted = targeting_.fitted();
    Targeting::Selection s = targeting_.select(ctx.day);
    if (!was_fitted && targeting_.fitted()) events().emit(0, ctx.window_start, static_cast<double>(ctx.day));
    if (limit_ && s.consumers.size() > *limit_ - issued_) {
      // The limit cuts this occasion short: the best-ranked consumers, or a random subset.
      const std::size_t left = *limit_ - issued_;
      if (s.ranked) {
        s.consumers.resize(left);
      } else {
        s.consumers = targeting_.subset(ctx.day, s.consumers, left, Targeting::kLimit);
      }
    }
    for (ConsumerId consumer : s.consumers) issue_coupon(commands, consumer, c, cost_);
    issued_ += s.consumers.size();
    targeting_.addressed(ctx.day, s.consumers);
  }

 private:
  Targeting targeting_;
  Coupon coupon_;
  Day expiry_days_;
  Money cost_;
  std::optional<std::uint64_t> limit_;
  std::uint64_t issued_ = 0;  // coupon commands issued so far
};

}  // namespace

void register_coupon() {
  std::vector<ParamSpec> params = {
      {.name = "value", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1e9,
       .description = "money off an order, currency units (give value or percent)", .min_exclusive = true,
       .optional = true},
      {.name = "percent", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1.0,
       .description = "share of the eligible subtotal off, in (0, 1] (give value or percent)", .min_exclusive = true,
       .optional = true},
      {.name = "max_value", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1e9,
       .description = "with percent: the most a coupon takes off, currency units (absent: no cap)",
       .min_exclusive = true, .optional = true},
      {.name = "min_spend", .type = ParamType::kNumber, .default_value = 0.0, .min = 0.0, .max = 1e9,
       .description = "eligible order subtotal needed, currency units"},
      {.name = "expiry_days", .type = ParamType::kInteger, .default_value = 14, .min = 1, .max = 100000,
       .description = "days a coupon stays valid after it is issued"},
      {.name = "category", .type = ParamType::kString, .default_value = "",
       .description = "the category whose products it covers (empty: every category)"},
      {.name = "cost", .type = ParamType::kNumber, .default_value = 0.0, .min = 0.0, .max = 1e6,
       .description = "cost of distributing one coupon, currency units"},
      {.name = "limit", .type = ParamType::kInteger, .default_value = nullptr, .min = 1, .max = 1e15,
       .description = "most coupons it issues over the run (absent: no limit)", .optional = true},
  };
  for (ParamSpec& p : Targeting::params()) params.push_back(std::move(p));
  promotion_registry().add({
      "coupon",
      "Coupons (money or a percentage off an order above a minimum spend, valid some days) for all "
      "consumers, a random share or count, lapsed buyers, segments, K-means clusters or the highest "
      "predicted uplift after a randomised pilot, once or every N days, up to an issuance limit.",
      std::move(params),
      [](const Json& p, const BuildContext& ctx) {
        Coupon coupon;
        if (p.contains("value") && p.contains("percent")) throw ParamError("percent", "give value or percent, not both");
        if (!p.contains("value") && !p.contains("percent")) throw ParamError("value", "is required (or give percent)");
        if (p.contains("value")) {
          if (p.contains("max_value")) throw ParamError("max_value", "applies only with percent");
          coupon.amount_off = to_cents(p["value"].get<double>());
          if (coupon.amount_off <= 0) throw ParamError("value", "must be at least one cent");
        } else {
          coupon.percent_off = p["percent"].get<double>();
          if (p.contains("max_value")) {
            coupon.max_off = to_cents(p["max_value"].get<double>());
            if (coupon.max_off <= 0) throw ParamError("max_value", "must be at least one cent");
          }
        }
        coupon.min_spend = to_cents(p["min_spend"].get<double>());
        const std::string category = p["category"].get<std::string>();
        if (!category.empty()) {
          const auto& names = ctx.catalog.category_names;
          const auto it = std::find(names.begin(), names.end(), category);
          if (it == names.end()) throw ParamError("category", "\"" + category + "\" is not a category of the market");
          coupon.category = static_cast<std::uint32_t>(it - names.begin());
        }
        std::optional<std::uint64_t> limit;
        if (p.contains("limit")) limit = p["limit"].get<std::uint64_t>();
        return std::make_unique<CouponPromotion>(Targeting(p, ctx), coupon, p["expiry_days"].get<Day>(),
                                                 to_cents(p["cost"].get<double>()), limit);
      },
      examples_from(R"([{"value": 5, "min_spend": 20, "expiry_days": 7, "to": "random", "share": 0.3, "day": 2, "every": 7, "limit": 800, "cost": 0.05}, {"percent": 0.15, "max_value": 8, "category": "b", "to": "segment", "segments": ["bargain"], "day": 1, "holdout": 0.2}])"),
  });
}

}  // namespace marketsim
