// Recommendation "popular_plus_random" (REFERENCE_MARKET.md): the seller's offers with the most
// units sold over the previous window_days days (fewer at the start; ties to the lower id), then
// distinct offers of the seller drawn uniformly from the rest.
#include <algorithm>
#include <numeric>

#include "strategies/registry.h"

namespace marketsim {
namespace {

class PopularPlusRandom final : public Recommender {
 public:
  PopularPlusRandom(std::size_t popular, std::size_t random, Day window_days)
      : popular_(popular), random_(random), window_days_(window_days) {}

  std::size_t slots() const override { return popular_ + random_; }

  LogNeeds needs() const override { return LogNeeds{.lookback_days = window_days_}; }

  void prepare(const MarketContext& ctx) override {
    first_ = ctx.first_offer();
    count_ = ctx.offer_count();
    if (ctx.day == prepared_day_) return;  // popularity only changes at day boundaries
    prepared_day_ = ctx.day;
    totals_.assign(count_, 0);
    for (Day d = std::max<Day>(0, ctx.day - window_days_); d < ctx.day; ++d) {
      const auto units = ctx.log.units_on(d).subspan(first_, count_);
      for (std::size_t k = 0; k < count_; ++k) totals_[k] += units[k];
    }
    order_.resize(count_);
    std::iota(order_.begin(), order_.end(), OfferId{0});
    std::partial_sort(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(popular_),
                      order_.end(), [&](OfferId a, OfferId b) {
                        return totals_[a] != totals_[b] ? totals_[a] > totals_[b] : a < b;
                      });
    top_.resize(popular_);
    for (std::size_t k = 0; k < popular_; ++k) top_[k] = first_ + order_[k];
  }

  void recommend(ConsumerId, CounterRng& rng, ShownSet& shown) const override {
    for (OfferId o : top_) shown.push(o);
    shown.add_uniform(random_, first_, count_, rng);
  }

 private:
  std::size_t popular_;
  std::size_t random_;
  Day window_days_;
  OfferId first_ = 0;
  std::size_t count_ = 0;
  Day prepared_day_ = -1;
  std::vector<std::uint64_t> totals_;
  std::vector<OfferId> order_;  // local offer ids
  std::vector<OfferId> top_;    // global offer ids
};

}  // namespace

void register_popular_plus_random() {
  recommender_registry().add({
      "popular_plus_random",
      "The best sellers of the trailing window, then distinct uniformly random other products.",
      {
          {.name = "popular", .type = ParamType::kInteger, .default_value = 5, .min = 0, .max = 32,
           .description = "slots filled with the best sellers"},
          {.name = "random", .type = ParamType::kInteger, .default_value = 5, .min = 0, .max = 32,
           .description = "slots filled uniformly from the other products"},
          {.name = "window_days", .type = ParamType::kInteger, .default_value = 7, .min = 1,
           .max = 365, .description = "days of sales that popularity counts"},
      },
      [](const Json& p, const BuildContext& ctx) {
        const auto popular = p["popular"].get<std::size_t>();
        const auto random = p["random"].get<std::size_t>();
        if (popular + random > ctx.offer_count()) {
          throw ParamError("random", "popular + random exceeds the number of products the seller offers");
        }
        return std::make_unique<PopularPlusRandom>(popular, random, p["window_days"].get<Day>());
      },
      examples_from(R"([{"popular": 4, "random": 4, "window_days": 5}])"),
  });
}

}  // namespace marketsim
