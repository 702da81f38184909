// Output "products.csv": per product group (a seller's offers of one category) of every run, what
// it sold and what it could not: units, revenue, gross profit and lost sales (the breakdown's
// cells summed over segments) and its stock-outs (offer-days with nothing on hand at a measured
// day's end, and their share of the group's offer-days).
#include <sstream>

#include "analysis/output_registry.h"
#include "analysis/outputs/csv.h"
#include "sim/text.h"

namespace marketsim {

void register_products_output() {
  add_output({"products.csv",
              "one row per arm x replication x seller x category: offers, units, revenue, gross profit, lost sales, "
              "stock-out days and their share",
              [](const OutputContext& o) {
                std::vector<std::size_t> take;  // metric columns, summed over the seller x category x segment cells
                for (const char* name : {"units", "revenue", "gross_profit", "lost_sales"}) take.push_back(metric_index(name));
                const MarketSpec& ms = o.scenario.market;
                const double days = static_cast<double>(o.scenario.horizon_days - o.scenario.warmup_days);
                std::ostringstream out;
                out << "arm,replication,seller,category,offers,units,revenue,gross_profit,lost_sales,stockout_days,"
                       "stockout_share\n";
                for (const RunResult& r : o.result.runs) {
                  const std::string arm = csv_field(o.scenario.arms[r.arm].name);
                  for (const ProductGroupRow& g : r.product_groups) {
                    std::vector<double> sums(take.size(), 0.0);
                    for (const BreakdownRow& b : r.breakdown) {
                      if (b.dims() != kBreakdownCell || b.seller != g.seller || b.category != g.category) continue;
                      for (std::size_t k = 0; k < take.size(); ++k) sums[k] += b.values[take[k]];
                    }
                    out << arm << "," << r.replication << "," << csv_field(ms.sellers[g.seller].name) << ","
                        << csv_field(ms.categories[g.category].name) << "," << g.offers;
                    for (const double v : sums) out << "," << csv::number(v);
                    const double offer_days = static_cast<double>(g.offers) * days;
                    out << "," << g.stockout_days << ","
                        << csv::number(offer_days > 0 ? static_cast<double>(g.stockout_days) / offer_days : 0.0) << "\n";
                  }
                }
                return out.str();
              },
              Json::parse(R"({})")});
}

}  // namespace marketsim
