// Output "stockouts.csv": the planner's stock alerts. One row per arm x replication x seller x
// warehouse x product x day on which something happened to the offer's stock: consumers asked for
// units that were not on hand (units_short: the units lost at once under lost sales plus the units
// back-ordered), units were lost (units_lost: stock-outs under lost sales, and back-ordered units
// cancelled that day), units were back-ordered, back-ordered units were waiting at the day's end,
// or the units on hand at the day's end were below the safety stock the replenishment policy
// planned (below_safety_stock 1, so that summing it counts the days below safety stock;
// safety_stock 0 when the policy plans none). Days without any of these have no row. Warm-up days
// are written, flagged. `warehouse` is "main": a seller has one stock point. `product` is the
// product's id (the catalogue's index). Rows by arm, replication, seller, product and day.
//
// In the default set: it is cheap to write (the runs collect the alerts whatever is written,
// RunResult::stock_alerts, 64 bytes an alert day; writing it adds no measurable time), and
// report.html's Stock section reads it, so `marketsim report DIR` must find it in DIR to give the
// page --report gave. It is the set's largest file where stock runs out often (1.8 of
// summer-sale.json's 2.9 MB at full size); `--outputs` leaves it out.
#include <algorithm>
#include <sstream>
#include <tuple>

#include "analysis/output_registry.h"
#include "analysis/outputs/csv.h"
#include "sim/text.h"

namespace marketsim {

void register_stockouts_output() {
  add_output({"stockouts.csv",
              "one row per arm x replication x seller x warehouse x product x day with a stock alert: units short, "
              "lost, back-ordered and waiting, stock on hand, safety stock and whether stock ended below it",
              [](const OutputContext& o) {
                const MarketSpec& ms = o.scenario.market;
                std::ostringstream out;
                out << "arm,replication,seller,warehouse,product,day,warmup,units_short,units_lost,units_backordered,"
                       "units_waiting,stock,safety_stock,below_safety_stock\n";
                std::vector<const RunResult*> runs;
                for (const RunResult& r : o.result.runs) runs.push_back(&r);
                std::stable_sort(runs.begin(), runs.end(), [](const RunResult* a, const RunResult* b) {
                  return std::tie(a->arm, a->replication) < std::tie(b->arm, b->replication);
                });
                for (const RunResult* r : runs) {
                  const std::string arm = csv_field(o.scenario.arms[r->arm].name);
                  for (const StockAlertRow& a : r->stock_alerts) {
                    const SellerSpec& seller = ms.sellers[a.seller];
                    const std::string warehouse = a.warehouse < seller.warehouses.size() ? seller.warehouses[a.warehouse].name : "main";
                    out << arm << "," << r->replication << "," << csv_field(seller.name) << "," << csv_field(warehouse) << ","
                        << a.product << "," << a.day << "," << (a.warmup ? 1 : 0) << "," << a.short_units << ","
                        << a.lost_units << "," << a.backordered_units << "," << a.waiting_units << "," << a.stock << ","
                        << a.safety_stock << "," << (a.below_safety_stock() ? 1 : 0) << "\n";
                  }
                }
                return out.str();
              },
              // Three units per offer and no restocking: stock runs out within the tiny market's days.
              Json::parse(R"({"arm": {"replenishment": {"name": "none", "initial": 3}}})")});
}

}  // namespace marketsim
