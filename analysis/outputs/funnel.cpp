// Output "funnel.csv": per arm, replication and slot, the measured days' impressions, clicks and
// the order lines sold from an offer shown there (LineRecord::slot). A slot is a placed position
// of the visit's shown offers (0 = the first: the sellers' recommendation slots, then featured
// slots, then the mechanics' offers of the consumer's own) or "browsed" (organic browsing). Clicks
// need a module that models them (the clicks behaviour): without one, clicks, ctr and conversion
// are empty, not equal to impressions.
#include <limits>
#include <sstream>

#include "analysis/output_registry.h"
#include "analysis/outputs/csv.h"
#include "market/records.h"
#include "sim/text.h"

namespace marketsim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double ratio(std::uint64_t num, std::uint64_t den) {
  return den > 0 ? static_cast<double>(num) / static_cast<double>(den) : kNaN;
}

}  // namespace

void register_funnel_output() {
  add_output({"funnel.csv",
              "one row per arm x replication x slot (a placed position 0, 1, ... or browsed): impressions, clicks "
              "(empty without the clicks module), orders (lines sold), units, revenue, ctr, conversion, "
              "orders_per_impression",
              [](const OutputContext& o) {
                std::ostringstream out;
                out << "arm,replication,slot,impressions,clicks,orders,units,revenue,ctr,conversion,"
                       "orders_per_impression\n";
                for (const RunResult& r : o.result.runs) {
                  const std::string arm = csv_field(o.scenario.arms[r.arm].name);
                  for (const FunnelRow& f : r.funnel) {
                    out << arm << "," << r.replication << ","
                        << (f.slot == kBrowsedSlot ? std::string("browsed") : std::to_string(f.slot)) << ","
                        << f.impressions << "," << (r.funnel_clicks ? std::to_string(f.clicks) : std::string()) << ","
                        << f.lines << "," << f.units << "," << csv::number(f.revenue) << ","
                        << csv::number(r.funnel_clicks ? ratio(f.clicks, f.impressions) : kNaN) << ","
                        << csv::number(r.funnel_clicks ? ratio(f.lines, f.clicks) : kNaN) << ","
                        << csv::number(ratio(f.lines, f.impressions)) << "\n";
                  }
                }
                return out.str();
              },
              Json::parse(R"({})")});
}

}  // namespace marketsim
