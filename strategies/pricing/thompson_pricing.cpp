// Pricing "thompson": demand learning by Thompson sampling over a price ladder (MODEL.md
// "Strategies": pricing, demand-learning experimentation). Each selected offer learns on its own.
// Rung k of the ladder is the price list x ladder[k]; the offer's demand (units sold + sales lost
// to stock-outs, per day) at rung k is Poisson with an unknown rate λ_k. At the start of every
// period of `period_days` days the offer credits the period just ended to its rung (the demand the
// platform log recorded, and the days), draws λ̃_k from each rung's Gamma posterior and prices the
// period at the rung with the highest (price - unit cost) x λ̃_k ("profit") or price x λ̃_k
// ("revenue"). Every rung's prior is Gamma with the offer's mean daily demand so far (at any rung)
// as its mean, worth `prior_days` days: demand flat in price until observed otherwise, so dearer
// rungs look good until tried. Before any observation the offer is priced at the rung nearest list.
// Unselected offers are at list price. Draws come from the strategy's streams keyed by (seed,
// replication, seller, offer) and the period, so the thread count never changes a price.
#include <algorithm>
#include <boost/random/gamma_distribution.hpp>
#include <cmath>
#include <span>
#include <vector>

#include "market/product_selector.h"
#include "sim/rng.h"
#include "strategies/registry.h"

namespace marketsim {
namespace {

struct Rung {
  double units = 0.0;  // demand observed at this rung
  double days = 0.0;   // days priced at this rung
};

class ThompsonPricing final : public PricingStrategy {
 public:
  ThompsonPricing(const BuildContext& ctx, std::vector<double> ladder, std::vector<char> products, bool profit,
                  double prior_days, Day period)
      : ladder_(std::move(ladder)),
        products_(std::move(products)),
        profit_(profit),
        prior_days_(prior_days),
        period_(period),
        keys_(ctx.seed, ctx.replication, Purpose::kStrategy,
              (static_cast<std::uint64_t>(ctx.seller) << 32) ^ name_hash("pricing.thompson")) {}

  LogNeeds needs() const override { return {.lookback_days = period_}; }

  void set_prices(const MarketContext& ctx, std::span<Money> prices) override {
    const std::size_t n = prices.size();
    if (current_.size() != n) {
      current_.assign(n, -1);
      rungs_.assign(n * ladder_.size(), Rung{});
    }
    if (ctx.day != decided_ && ctx.day % period_ == 0) {
      const Day from = std::max<Day>(std::max<Day>(0, ctx.log.first_day()), period_start_);
      for (std::size_t k = 0; k < n; ++k) {
        const ProductId j = ctx.product(k);
        if (!products_[j]) continue;
        const OfferId o = ctx.first_offer() + static_cast<OfferId>(k);
        if (current_[k] >= 0 && ctx.day > period_start_) {  // credit the period just ended
          Rung& r = rungs_[k * ladder_.size() + static_cast<std::size_t>(current_[k])];
          for (Day d = from; d < ctx.day; ++d) r.units += ctx.log.demand(d, o);
          r.days += static_cast<double>(ctx.day - period_start_);
        }
        current_[k] = choose(ctx, k, o);
      }
      period_start_ = ctx.day;
      decided_ = ctx.day;
    }
    for (std::size_t k = 0; k < n; ++k) {
      const ProductId j = ctx.product(k);
      const Money list = ctx.catalog.list_price[j];
      prices[k] = products_[j] && current_[k] >= 0
                      ? std::max<Money>(1, std::llround(static_cast<double>(list) * ladder_[static_cast<std::size_t>(current_[k])]))
                      : list;
    }
  }

 private:
  int choose(const MarketContext& ctx, std::size_t k, OfferId o) const {
    const std::span<const Rung> rungs(rungs_.data() + k * ladder_.size(), ladder_.size());
    double units = 0.0, days = 0.0;
    for (const Rung& r : rungs) units += r.units, days += r.days;
    if (days == 0.0) {  // nothing observed yet: the rung nearest the list price
      std::size_t nearest = 0;
      for (std::size_t r = 1; r < ladder_.size(); ++r) {
        if (std::fabs(ladder_[r] - 1.0) < std::fabs(ladder_[nearest] - 1.0)) nearest = r;
      }
      return static_cast<int>(nearest);
    }
    // The prior of every rung: the offer's mean daily demand so far, at any rung, worth
    // prior_days days (demand flat in price: optimistic for the dearer rungs, which are then tried).
    const double prior_shape = std::max(1e-3, prior_days_ * units / days);
    CounterRng rng(keys_.key(o), static_cast<std::uint64_t>(ctx.day) << 24);
    const ProductId j = ctx.product(k);
    const double list = to_currency(ctx.catalog.list_price[j]);
    const double cost = profit_ ? to_currency(ctx.catalog.unit_cost[j]) : 0.0;
    int best = 0;
    double best_value = -std::numeric_limits<double>::infinity();
    for (std::size_t r = 0; r < ladder_.size(); ++r) {
      boost::random::gamma_distribution<double> gamma(prior_shape + rungs[r].units, 1.0 / (prior_days_ + rungs[r].days));
      const double value = (list * ladder_[r] - cost) * gamma(rng);
      if (value > best_value) {
        best_value = value;
        best = static_cast<int>(r);
      }
    }
    return best;
  }

  std::vector<double> ladder_;
  std::vector<char> products_;
  bool profit_;
  double prior_days_;
  Day period_;
  StreamFamily keys_;
  Day decided_ = -1;
  Day period_start_ = 0;
  std::vector<int> current_;    // per local offer: its rung this period (-1: not yet priced)
  std::vector<Rung> rungs_;     // per local offer x rung
};

}  // namespace

void register_thompson_pricing() {
  pricing_registry().add({
      "thompson",
      "Demand learning: each offer's price is a rung of a price ladder, chosen every period by Thompson "
      "sampling from Gamma-Poisson posteriors of daily demand at each rung, for the highest sampled profit "
      "(or revenue).",
      {
          {.name = "ladder", .type = ParamType::kNumberList, .default_value = Json::array({0.8, 0.9, 1.0, 1.1, 1.2}),
           .min = 0.0, .max = 100.0, .description = "the rungs, as shares of list price (2 to 64)",
           .min_exclusive = true},
          {.name = "products", .type = ParamType::kProductSelector, .default_value = "all",
           .description = "which products learn their price (the others stay at list)"},
          {.name = "objective", .type = ParamType::kString, .default_value = "profit",
           .description = "what the sampled rung maximises: (price - cost) x demand, or price x demand",
           .choices = {"profit", "revenue"}},
          {.name = "prior_days", .type = ParamType::kNumber, .default_value = 1.0, .min = 0.0, .max = 1e6,
           .description = "the prior's weight, in days of observation (its mean: the offer's mean daily demand so far)",
           .min_exclusive = true},
          {.name = "period_days", .type = ParamType::kInteger, .default_value = 1, .min = 1, .max = 365,
           .description = "days a sampled price stays before the next draw"},
      },
      [](const Json& p, const BuildContext& ctx) {
        auto ladder = p["ladder"].get<std::vector<double>>();
        if (ladder.size() < 2 || ladder.size() > 64) throw ParamError("ladder", "must have 2 to 64 rungs");
        return std::make_unique<ThompsonPricing>(ctx, std::move(ladder), select_products(p["products"], ctx.catalog),
                                                 p["objective"].get<std::string>() == "profit",
                                                 p["prior_days"].get<double>(),
                                                 p["period_days"].get<Day>());
      },
      examples_from(R"([{"ladder": [0.85, 1.0, 1.15], "objective": "profit", "prior_days": 2, "period_days": 2}])"),
  });
}

}  // namespace marketsim
