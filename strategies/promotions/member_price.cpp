// Promotions "member_price" and "member_day": a share off the selected products for members only,
// i.e. consumers whose membership tier (the run's `membership` module) is at least `min_tier`
// (MemberPricing: the mechanic "member_prices", mechanics/member_prices.cpp). A member sees and pays the member price
// where it is deeper than the discount everyone sees; anyone else, and anyone held out of the
// promotion, sees the ordinary price. Without the membership module nobody qualifies. The member
// price enters the utility through the price only (no deal tag). "scale_depth" scales the depth.
//   member_price  during [start, end);
//   member_day    on member days only: the days listed in `days`, or every `every` days from
//                 `first_day` (a member-only event).
#include <algorithm>

#include "market/product_selector.h"
#include "strategies/promotions/member_pricing.h"
#include "strategies/registry.h"
#include "strategies/shared.h"

namespace marketsim {
namespace {

class MemberPrice final : public WindowedPromotion, public MemberPricing, public ScalableDepth {
 public:
  MemberPrice(std::vector<char> products, double depth, int min_tier, PromotionWindow window, std::vector<Day> days,
              Day every, Day first_day)
      : WindowedPromotion(window),
        products_(std::move(products)),
        depth_(depth),
        min_tier_(min_tier),
        days_(std::move(days)),
        every_(every),
        first_day_(first_day) {}

  bool offers(const MarketContext& ctx, std::span<const Money> prices, std::span<Money> discounts) override {
    if (!window().contains(ctx.window_start) || !member_day(day_of(ctx.window_start))) return false;
    for (std::size_t k = 0; k < prices.size(); ++k) {
      discounts[k] = products_[ctx.product(k)] ? discount_of(prices[k], depth_) : 0;
    }
    return true;
  }
  int min_tier() const override { return min_tier_; }
  std::vector<std::string> mechanics() const override { return {kMemberPricesMechanic}; }
  void scale(double factor) override { depth_ = std::min(1.0, depth_ * factor); }

 private:
  bool member_day(Day d) const {
    if (!days_.empty()) return std::binary_search(days_.begin(), days_.end(), d);
    if (every_ <= 0) return true;
    return d >= first_day_ && (d - first_day_) % every_ == 0;
  }

  std::vector<char> products_;
  double depth_;
  int min_tier_;
  std::vector<Day> days_;  // sorted; empty: every_ decides
  Day every_;              // 0 with no days: every day (member_price)
  Day first_day_;
};

ParamSchema common(bool dated) {
  ParamSchema s = {
      {.name = "products", .type = ParamType::kProductSelector, .default_value = "all",
       .description = "which products have a member price"},
      {.name = "depth", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1.0,
       .description = "the member discount as a fraction of the price", .min_exclusive = true},
      {.name = "min_tier", .type = ParamType::kInteger, .default_value = 1, .min = 1, .max = 255,
       .description = "the lowest membership tier that qualifies (1: any member)"},
  };
  if (dated) {
    s.push_back({.name = "days", .type = ParamType::kIntegerList, .default_value = Json::array(), .min = 0,
                 .max = 1000000, .description = "the member days (give days, or every)"});
    s.push_back({.name = "every", .type = ParamType::kInteger, .default_value = 0, .min = 0, .max = 1000000,
                 .description = "without days: a member day every this many days"});
    s.push_back({.name = "first_day", .type = ParamType::kInteger, .default_value = 0, .min = 0, .max = 1000000,
                 .description = "with every: the first member day"});
    return s;
  }
  return with_window(std::move(s), "first day of the member price (inclusive)", "end of the member price (exclusive)");
}

}  // namespace

void register_member_price() {
  promotion_registry().add({
      "member_price",
      "A share off the selected products for members of at least min_tier (the membership module's "
      "tiers) during [start, end).",
      common(false),
      [](const Json& p, const BuildContext& ctx) {
        const PromotionWindow window = parse_window(p);
        return std::make_unique<MemberPrice>(select_products(p["products"], ctx.catalog), p["depth"].get<double>(),
                                             p["min_tier"].get<int>(), window, std::vector<Day>{}, 0, 0);
      },
      examples_from(R"([{"depth": 0.15, "min_tier": 1, "start": 2, "end": 14, "requires": {"behaviours": [{"name": "membership", "thresholds": [20, 80], "rates": [2, 3, 4], "window_days": 28, "period_days": 7}]}}])"),
  });
  promotion_registry().add({
      "member_day",
      "Member days: a share off the selected products for members of at least min_tier on the listed "
      "days (or every k days).",
      common(true),
      [](const Json& p, const BuildContext& ctx) {
        std::vector<Day> days = p["days"].get<std::vector<Day>>();
        const Day every = p["every"].get<Day>();
        if (days.empty() == (every == 0)) throw ParamError("days", "give either days or every (> 0)");
        std::sort(days.begin(), days.end());
        return std::make_unique<MemberPrice>(select_products(p["products"], ctx.catalog), p["depth"].get<double>(),
                                             p["min_tier"].get<int>(), PromotionWindow{}, std::move(days), every,
                                             p["first_day"].get<Day>());
      },
      examples_from(R"([{"products": {"categories": ["a"]}, "depth": 0.2, "every": 7, "first_day": 3, "requires": {"behaviours": [{"name": "membership", "thresholds": [20, 80], "rates": [2, 3, 4], "window_days": 28, "period_days": 7}]}}])"),
  });
}

}  // namespace marketsim
