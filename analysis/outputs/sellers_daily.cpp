// Output "sellers_daily.csv": each seller's day per arm x replication, with its shares.
#include <sstream>

#include "analysis/output_registry.h"
#include "analysis/outputs/csv.h"
#include "sim/text.h"

namespace marketsim {

void register_sellers_daily_output() {
  add_output({"sellers_daily.csv", "one row per arm x replication x day x seller: its books' metrics and shares",
              [](const OutputContext& o) {
                std::ostringstream out;
                out << "arm,replication,day,warmup,seller" << csv::metric_header() << csv::kShareHeader << "\n";
                for (const RunResult& r : o.result.runs) {
                  const std::string arm = csv_field(o.scenario.arms[r.arm].name);
                  const std::size_t sellers = r.seller_totals.size();
                  for (std::size_t k = 0; k < r.seller_daily.size() && sellers > 0; ++k) {
                    const SellerDailyRow& d = r.seller_daily[k];
                    const DailyRow& market = r.daily[k / sellers];
                    out << arm << "," << r.replication << "," << d.day << "," << (d.warmup ? 1 : 0) << ","
                        << csv_field(o.scenario.market.sellers[d.seller].name) << csv::metric_fields(d.values)
                        << csv::share_fields(d.values, market.values) << "\n";
                  }
                }
                return out.str();
              },
              Json::parse(R"({})")});
}

}  // namespace marketsim
