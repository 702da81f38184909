#include "strategies/shared.h"

#include <algorithm>
#include <limits>

#include "sim/error.h"

namespace marketsim {

ParamSchema with_window(ParamSchema params, std::string start_description, std::string end_description) {
  params.push_back({.name = "start", .type = ParamType::kNumber, .default_value = 0.0, .min = 0.0,
                    .description = std::move(start_description)});
  params.push_back({.name = "end", .type = ParamType::kNumber, .default_value = 1.0e9, .min = 0.0,
                    .description = std::move(end_description)});
  return params;
}

PromotionWindow parse_window(const Json& p) {
  const PromotionWindow w{p["start"].get<double>(), p["end"].get<double>()};
  if (!(w.end > w.start)) throw ParamError("end", "must be greater than start");
  return w;
}

ParamSchema with_price_bounds(ParamSchema params, double min_factor_default, double max_factor_default,
                              std::string floor_demand_description) {
  const ParamSchema bounds = {
      {.name = "min_factor", .type = ParamType::kNumber, .default_value = min_factor_default, .min = 0.0, .max = 1.0,
       .description = "lowest price as a share of list", .min_exclusive = true},
      {.name = "max_factor", .type = ParamType::kNumber, .default_value = max_factor_default, .min = 1.0,
       .max = 100.0, .description = "highest price as a share of list"},
      {.name = "max_step", .type = ParamType::kNumber, .default_value = 0.1, .min = 0.0, .max = 10.0,
       .description = "most a price moves from one window to the next, as a share", .min_exclusive = true},
      {.name = "window_days", .type = ParamType::kInteger, .default_value = 7, .min = 1, .max = 365,
       .description = "days of demand history in the mean"},
      {.name = "floor_demand", .type = ParamType::kNumber, .default_value = 0.1, .min = 0.0, .max = 1e9,
       .description = std::move(floor_demand_description), .min_exclusive = true},
  };
  params.insert(params.end(), bounds.begin(), bounds.end());
  return params;
}

PriceBounds PriceBounds::parse(const Json& p) {
  return {p["min_factor"].get<double>(), p["max_factor"].get<double>(), p["max_step"].get<double>(),
          p["window_days"].get<Day>(), p["floor_demand"].get<double>()};
}

Day PriceBounds::history_from(const MarketContext& ctx) const {
  return std::max<Day>(std::max<Day>(0, ctx.log.first_day()), ctx.day - window_days);
}

double PriceBounds::mean_demand(const MarketContext& ctx, OfferId o, Day from) const {
  double demand = 0.0;
  for (Day d = from; d < ctx.day; ++d) demand += ctx.log.demand(d, o);
  return std::max(floor_demand, demand / static_cast<double>(ctx.day - from));
}

std::vector<std::vector<OfferId>> rival_offers(const BuildContext& ctx) {
  const OfferId first = ctx.offers.begin(ctx.seller);
  std::vector<std::vector<OfferId>> rivals(ctx.offers.count(ctx.seller));
  std::vector<std::vector<OfferId>> by_product(ctx.catalog.size());
  for (OfferId o = 0; o < ctx.offers.size(); ++o) {
    if (ctx.offers.seller[o] != ctx.seller) by_product[ctx.offers.product[o]].push_back(o);
  }
  for (std::size_t k = 0; k < rivals.size(); ++k) rivals[k] = by_product[ctx.offers.product[first + k]];
  return rivals;
}

Money lowest_rival_price(const MarketContext& ctx, std::span<const OfferId> rivals) {
  Money rival = std::numeric_limits<Money>::max();
  for (OfferId r : rivals) rival = std::min(rival, ctx.log.price(ctx.day - 1, r));
  return rival;
}

}  // namespace marketsim
