// Pricing "gallego_van_ryzin": the optimal dynamic price of one product with finite stock over a
// finite selling season (Gallego and van Ryzin 1994, "Optimal dynamic pricing of inventories with
// stochastic demand over finite horizons", Management Science 40(8)), for demand that is Poisson
// with an intensity exponential in price,
//     λ(p) = rate_at_list x exp(-alpha x (p - list))   units a day, p in currency units.
// With x = λ* t, λ* = λ(1/alpha) and t the days left in the season, the expected revenue to go with
// n units is J*(n, t) = ln( Σ_{i=0..n} x^i / i! ) / alpha, and the optimal price is
//     p*(n, t) = J*(n, t) - J*(n - 1, t) + 1/alpha.
// Every window is priced at p*(on hand at its start, end - window start): the shorter the
// windows, the closer the policy is to the continuous one (engine.window_days). Offers not
// selected, with no stock, or after the season are at list price. The seller states its demand
// model (`alpha`, `rate_at_list`): the strategy never sees consumers.
#include <algorithm>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <vector>

#include "market/product_selector.h"
#include "strategies/registry.h"

namespace marketsim {
namespace {

/// ln(x^n / n!) for x > 0 (Boost's lgamma: std::lgamma writes the global signgam).
double log_term(double log_x, Units n) {
  const auto k = static_cast<double>(n);
  return k * log_x - boost::math::lgamma(k + 1.0);
}

class GallegoVanRyzin final : public PricingStrategy {
 public:
  GallegoVanRyzin(std::vector<char> products, double alpha, double rate_at_list, double end)
      : products_(std::move(products)), alpha_(alpha), rate_(rate_at_list), end_(end) {}

  void set_prices(const MarketContext& ctx, std::span<Money> prices) override {
    const double t = end_ - ctx.window_start;
    for (std::size_t k = 0; k < prices.size(); ++k) {
      const ProductId j = ctx.product(k);
      const Money list = ctx.catalog.list_price[j];
      const OfferId o = ctx.first_offer() + static_cast<OfferId>(k);
      const Units n = ctx.on_hand.empty() ? 0 : ctx.on_hand[o];
      if (!products_[j] || n <= 0 || t <= 0.0) {
        prices[k] = list;
        continue;
      }
      // λ* = λ(1/alpha); x = λ* t.
      const double log_x = std::log(rate_) + alpha_ * to_currency(list) - 1.0 + std::log(t);
      const double p = (marginal(log_x, n) + 1.0) / alpha_;
      prices[k] = std::max<Money>(1, std::llround(p * 100.0));
    }
  }

  /// alpha x (J*(n, t) - J*(n - 1, t)) = ln(1 + x^n/n! / Σ_{i<n} x^i/i!), summed in log space
  /// over the terms that matter (beyond x + 40 sqrt(x) + 40 they are below e^-300 of the sum),
  /// scaled by the largest, the term of i = floor(x) (the terms rise while i <= x).
  static double marginal(double log_x, Units n) {
    const double x = std::exp(log_x);
    const auto last = static_cast<Units>(std::min<double>(static_cast<double>(n - 1), std::ceil(x + 40.0 * std::sqrt(x) + 40.0)));
    const double peak = log_term(log_x, std::min(last, static_cast<Units>(x)));
    double sum = 0.0, term = 0.0;  // term: ln(x^i / i!), from i = 0
    for (Units i = 0; i <= last; ++i) {
      sum += std::exp(term - peak);
      term += log_x - std::log(static_cast<double>(i + 1));
    }
    const double log_rest = peak + std::log(sum);  // ln Σ_{i<n} x^i / i!
    return std::log1p(std::exp(log_term(log_x, n) - log_rest));
  }

 private:
  std::vector<char> products_;
  double alpha_;
  double rate_;
  double end_;
};

}  // namespace

void register_gallego_van_ryzin() {
  pricing_registry().add({
      "gallego_van_ryzin",
      "The optimal dynamic price of a finite stock over a finite season for exponential demand "
      "(Gallego and van Ryzin 1994): p*(n, t) = J*(n, t) - J*(n - 1, t) + 1/alpha, from the stock on hand n and "
      "the days left t.",
      {
          {.name = "alpha", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1e6,
           .description = "demand's price sensitivity, per currency unit: λ(p) ∝ exp(-alpha p)", .min_exclusive = true},
          {.name = "rate_at_list", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1e12,
           .description = "demand at the list price, units a day (the seller's estimate)", .min_exclusive = true},
          {.name = "end", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1e6,
           .description = "the season's end, in days from the start: what is unsold then is worth nothing",
           .min_exclusive = true},
          {.name = "products", .type = ParamType::kProductSelector, .default_value = "all",
           .description = "which products are priced by the policy (the others stay at list)"},
      },
      [](const Json& p, const BuildContext& ctx) {
        return std::make_unique<GallegoVanRyzin>(select_products(p["products"], ctx.catalog), p["alpha"].get<double>(),
                                                 p["rate_at_list"].get<double>(), p["end"].get<double>());
      },
      examples_from(R"([{"alpha": 0.1, "rate_at_list": 0.5, "end": 14, "requires": {"arm": {"replenishment": {"name": "none", "initial": 20}}}}])"),
  });
}

}  // namespace marketsim
