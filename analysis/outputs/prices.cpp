// Output "prices.csv": price paths per arm, day and product group (a seller's offers of one
// category): the group's shelf prices at the day's end (before promotions) and its prices after
// per-item promotions, each as an index (summed over the group's offers, divided by their list
// prices' sum: 1 = list price), as the mean over replications with its 95% CI.
#include <map>
#include <sstream>
#include <tuple>

#include "analysis/output_registry.h"
#include "analysis/outputs/csv.h"
#include "analysis/statistics.h"
#include "sim/text.h"

namespace marketsim {

void register_prices_output() {
  add_output({"prices.csv",
              "one row per arm x day x seller x category: the price index (shelf price / list price, before "
              "promotions) and the paid index (after per-item promotions) at the day's end, mean over "
              "replications with 95% CIs",
              [](const OutputContext& o) {
                const MarketSpec& ms = o.scenario.market;
                std::ostringstream out;
                out << "arm,day,warmup,seller,category,price_index,price_index_ci_low,price_index_ci_high,paid_index,"
                       "paid_index_ci_low,paid_index_ci_high\n";
                for (std::size_t a = 0; a < o.scenario.arms.size(); ++a) {
                  // (day, seller, category) -> per replication, the two indices.
                  std::map<std::tuple<Day, std::uint32_t, std::uint32_t>, std::pair<std::vector<double>, std::vector<double>>> rows;
                  std::map<Day, bool> warmup;
                  for (const RunResult& r : o.result.runs) {
                    if (r.arm != a) continue;
                    for (const GroupPriceRow& g : r.group_prices) {
                      auto& [price, paid] = rows[{g.day, g.seller, g.category}];
                      price.push_back(g.price_index);
                      paid.push_back(g.paid_index);
                      warmup[g.day] = g.warmup;
                    }
                  }
                  const std::string arm = csv_field(o.scenario.arms[a].name);
                  for (const auto& [key, values] : rows) {
                    const auto& [day, seller, category] = key;
                    const Interval p = mean_interval(values.first), q = mean_interval(values.second);
                    out << arm << "," << day << "," << (warmup[day] ? 1 : 0) << ","
                        << csv_field(ms.sellers[seller].name) << "," << csv_field(ms.categories[category].name) << ","
                        << csv::number(p.mean) << "," << csv::number(p.low) << "," << csv::number(p.high) << ","
                        << csv::number(q.mean) << "," << csv::number(q.low) << "," << csv::number(q.high) << "\n";
                  }
                }
                return out.str();
              },
              Json::parse(R"({})")});
}

}  // namespace marketsim
