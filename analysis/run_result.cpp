// A run's result as JSON and back, losslessly. Rows are arrays (a stored replication holds
// thousands of daily rows; keys per row would double its size); doubles stay doubles, NaN
// included, so the binary encoding chosen by the caller (CBOR: experiments/result_store.cpp)
// must keep them.
#include "analysis/run_result.h"

#include "sim/error.h"

namespace marketsim {
namespace {

/// A field of `j`, or an Error naming it.
const Json& field(const Json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end()) throw Error(std::string("stored run result: missing \"") + name + "\"");
  return *it;
}

/// Element k of array `j` (a row), or an Error naming the row kind.
const Json& item(const Json& j, std::size_t k, const char* row) {
  if (!j.is_array() || k >= j.size()) throw Error(std::string("stored run result: malformed ") + row + " row");
  return j[k];
}

std::vector<double> doubles(const Json& j) {
  if (!j.is_array()) throw Error("stored run result: expected a list of numbers");
  std::vector<double> out;
  out.reserve(j.size());
  for (const Json& v : j) {
    if (!v.is_number()) throw Error("stored run result: expected a number");
    out.push_back(v.get<double>());
  }
  return out;
}

Json numbers(const std::vector<double>& v) {
  Json out = Json::array();
  for (double x : v) out.push_back(x);  // NaN stays a number_float NaN
  return out;
}

}  // namespace

Json run_result_json(const RunResult& r) {
  Json daily = Json::array();
  for (const DailyRow& d : r.daily) daily.push_back(Json::array({d.day, d.warmup, numbers(d.values), numbers(d.gauges)}));
  Json cohorts = Json::array();
  for (const CohortRow& c : r.cohorts) cohorts.push_back(Json::array({c.period, c.cohort, c.size, c.offset, c.buyers}));
  Json seller_totals = Json::array();
  for (const auto& s : r.seller_totals) seller_totals.push_back(numbers(s));
  Json seller_daily = Json::array();
  for (const SellerDailyRow& d : r.seller_daily) {
    seller_daily.push_back(Json::array({d.day, d.warmup, d.seller, numbers(d.values)}));
  }
  Json breakdown = Json::array();
  for (const BreakdownRow& b : r.breakdown) breakdown.push_back(Json::array({b.seller, b.category, b.segment, numbers(b.values)}));
  Json monitor = Json::array();
  for (const MonitorRow& m : r.monitor) {
    monitor.push_back(Json::array({m.day, m.warmup, m.seller, m.promotion, m.rule, m.metric, m.value, m.action}));
  }
  Json events = Json::array();
  for (const EventDayRow& e : r.events) events.push_back(Json::array({e.day, e.warmup, e.event, e.count, e.value_sum}));
  const auto pairs = [](const std::vector<std::pair<std::int64_t, std::uint64_t>>& v) {
    Json out = Json::array();
    for (const auto& [value, count] : v) out.push_back(Json::array({value, count}));
    return out;
  };
  return Json{{"arm", r.arm},
              {"replication", r.replication},
              {"orders", Json{{"order_value", pairs(r.orders.order_value)}, {"basket_units", pairs(r.orders.basket_units)}}},
              {"product_groups", [&] {
                 Json out = Json::array();
                 for (const ProductGroupRow& g : r.product_groups) out.push_back(Json::array({g.seller, g.category, g.offers, g.stockout_days}));
                 return out;
               }()},
              {"funnel", [&] {
                 Json out = Json::array();
                 for (const FunnelRow& f : r.funnel) out.push_back(Json::array({f.slot, f.impressions, f.clicks, f.lines, f.units, f.revenue}));
                 return out;
               }()},
              {"funnel_clicks", r.funnel_clicks},
              {"group_prices", [&] {
                 Json out = Json::array();
                 for (const GroupPriceRow& g : r.group_prices) {
                   out.push_back(Json::array({g.day, g.warmup, g.seller, g.category, g.price_index, g.paid_index}));
                 }
                 return out;
               }()},
              {"stock_alerts", [&] {
                 Json out = Json::array();
                 for (const StockAlertRow& a : r.stock_alerts) {
                   out.push_back(Json::array({a.day, a.warmup, a.seller, a.warehouse, a.product, a.short_units,
                                              a.lost_units, a.backordered_units, a.waiting_units, a.stock, a.safety_stock}));
                 }
                 return out;
               }()},
              {"group_names", r.group_names},
              {"group_days", [&] {
                 Json out = Json::array();
                 for (const GroupDayRow& g : r.group_days) {
                   out.push_back(Json::array({g.day, g.group, g.consumers, g.sum[0], g.sum[1], g.sum[2], g.sum_squares[0],
                                              g.sum_squares[1], g.sum_squares[2], g.sum_products[0], g.sum_products[1]}));
                 }
                 return out;
               }()},
              {"offline", [&] {
                 Json names = Json::array();
                 std::vector<double> values;
                 for (const auto& [name, value] : r.offline) {
                   names.push_back(name);
                   values.push_back(value);
                 }
                 return Json{{"names", names}, {"values", numbers(values)}};
               }()},
              {"transactions", [&] {
                 Json out = Json::array();
                 for (const TransactionLine& t : r.transactions) {
                   out.push_back(Json::array({t.time, t.consumer, t.product, t.seller, t.quantity, t.unit_paid, t.order_discount}));
                 }
                 return out;
               }()},
              {"totals", numbers(r.totals)},
              {"daily", daily},
              {"gauge_names", r.gauge_names},
              {"cohorts", cohorts},
              {"seller_totals", seller_totals},
              {"seller_daily", seller_daily},
              {"breakdown", breakdown},
              {"monitor", monitor},
              {"event_names", r.event_names},
              {"events", events},
              {"visits", r.visits_simulated},
              {"candidate_visits", r.candidate_visits},
              {"shards", r.shards},
              {"column_bytes_per_consumer", r.column_bytes_per_consumer},
              {"measured", Json{{"simulation_seconds", r.timings.simulation_seconds},
                                {"market_seconds", r.timings.market_seconds},
                                {"visit_seconds", r.timings.visit_seconds},
                                {"commit_seconds", r.timings.commit_seconds},
                                {"training_seconds", r.timings.training_seconds}}}};
}

RunResult run_result_from_json(const Json& j) {
  if (!j.is_object()) throw Error("stored run result: expected an object");
  try {
    RunResult r;
    r.arm = field(j, "arm").get<std::size_t>();
    r.replication = field(j, "replication").get<std::uint64_t>();
    r.totals = doubles(field(j, "totals"));
    {
      const Json& offline = field(j, "offline");
      const auto names = field(offline, "names").get<std::vector<std::string>>();
      const std::vector<double> values = doubles(field(offline, "values"));
      if (names.size() != values.size()) throw Error("stored run result: offline names and values differ in length");
      for (std::size_t k = 0; k < names.size(); ++k) r.offline.emplace_back(names[k], values[k]);
    }
    if (j.contains("transactions")) {  // (absent from units stored before it existed: none recorded)
      for (const Json& t : j["transactions"]) {
        r.transactions.push_back(TransactionLine{item(t, 0, "transactions").get<double>(), item(t, 1, "transactions").get<std::uint32_t>(),
                                                 item(t, 2, "transactions").get<std::uint32_t>(), item(t, 3, "transactions").get<std::uint32_t>(),
                                                 item(t, 4, "transactions").get<std::uint32_t>(), item(t, 5, "transactions").get<std::int64_t>(),
                                                 item(t, 6, "transactions").get<std::int64_t>()});
      }
    }
    for (const Json& d : field(j, "daily")) {
      r.daily.push_back(DailyRow{item(d, 0, "daily").get<Day>(), item(d, 1, "daily").get<bool>(),
                                 doubles(item(d, 2, "daily")), doubles(item(d, 3, "daily"))});
    }
    r.gauge_names = field(j, "gauge_names").get<std::vector<std::string>>();
    for (const Json& c : field(j, "cohorts")) {
      r.cohorts.push_back(CohortRow{item(c, 0, "cohort").get<std::string>(), item(c, 1, "cohort").get<int>(),
                                    item(c, 2, "cohort").get<std::uint64_t>(), item(c, 3, "cohort").get<int>(),
                                    item(c, 4, "cohort").get<std::uint64_t>()});
    }
    for (const Json& s : field(j, "seller_totals")) r.seller_totals.push_back(doubles(s));
    for (const Json& d : field(j, "seller_daily")) {
      r.seller_daily.push_back(SellerDailyRow{item(d, 0, "seller_daily").get<Day>(), item(d, 1, "seller_daily").get<bool>(),
                                              item(d, 2, "seller_daily").get<std::uint32_t>(),
                                              doubles(item(d, 3, "seller_daily"))});
    }
    for (const Json& b : field(j, "breakdown")) {
      r.breakdown.push_back(BreakdownRow{item(b, 0, "breakdown").get<std::uint32_t>(),
                                         item(b, 1, "breakdown").get<std::uint32_t>(),
                                         item(b, 2, "breakdown").get<std::uint32_t>(), doubles(item(b, 3, "breakdown"))});
    }
    for (const Json& m : field(j, "monitor")) {
      r.monitor.push_back(MonitorRow{item(m, 0, "monitor").get<Day>(), item(m, 1, "monitor").get<bool>(),
                                     item(m, 2, "monitor").get<std::uint32_t>(), item(m, 3, "monitor").get<std::uint32_t>(),
                                     item(m, 4, "monitor").get<std::uint32_t>(), item(m, 5, "monitor").get<std::string>(),
                                     item(m, 6, "monitor").get<double>(), item(m, 7, "monitor").get<std::string>()});
    }
    r.event_names = field(j, "event_names").get<std::vector<std::string>>();
    for (const Json& e : field(j, "events")) {
      r.events.push_back(EventDayRow{item(e, 0, "event").get<Day>(), item(e, 1, "event").get<bool>(),
                                     item(e, 2, "event").get<std::uint32_t>(), item(e, 3, "event").get<std::uint64_t>(),
                                     item(e, 4, "event").get<double>()});
    }
    const Json& orders = field(j, "orders");
    for (const auto& [name, to] : {std::pair{"order_value", &r.orders.order_value}, std::pair{"basket_units", &r.orders.basket_units}}) {
      for (const Json& p : field(orders, name)) {
        to->emplace_back(item(p, 0, name).get<std::int64_t>(), item(p, 1, name).get<std::uint64_t>());
      }
    }
    for (const Json& g : field(j, "product_groups")) {
      r.product_groups.push_back(ProductGroupRow{item(g, 0, "product_groups").get<std::uint32_t>(),
                                                 item(g, 1, "product_groups").get<std::uint32_t>(),
                                                 item(g, 2, "product_groups").get<std::uint64_t>(),
                                                 item(g, 3, "product_groups").get<std::uint64_t>()});
    }
    for (const Json& f : field(j, "funnel")) {
      r.funnel.push_back(FunnelRow{item(f, 0, "funnel").get<std::uint32_t>(), item(f, 1, "funnel").get<std::uint64_t>(),
                                   item(f, 2, "funnel").get<std::uint64_t>(), item(f, 3, "funnel").get<std::uint64_t>(),
                                   item(f, 4, "funnel").get<std::uint64_t>(), item(f, 5, "funnel").get<double>()});
    }
    r.funnel_clicks = field(j, "funnel_clicks").get<bool>();
    for (const Json& g : field(j, "group_prices")) {
      r.group_prices.push_back(GroupPriceRow{item(g, 0, "group_prices").get<Day>(), item(g, 1, "group_prices").get<bool>(),
                                             item(g, 2, "group_prices").get<std::uint32_t>(),
                                             item(g, 3, "group_prices").get<std::uint32_t>(),
                                             item(g, 4, "group_prices").get<double>(), item(g, 5, "group_prices").get<double>()});
    }
    for (const Json& a : field(j, "stock_alerts")) {
      r.stock_alerts.push_back(StockAlertRow{item(a, 0, "stock_alerts").get<Day>(), item(a, 1, "stock_alerts").get<bool>(),
                                             item(a, 2, "stock_alerts").get<std::uint32_t>(),
                                             item(a, 3, "stock_alerts").get<std::uint32_t>(),
                                             item(a, 4, "stock_alerts").get<std::uint32_t>(),
                                             item(a, 5, "stock_alerts").get<std::int64_t>(),
                                             item(a, 6, "stock_alerts").get<std::int64_t>(),
                                             item(a, 7, "stock_alerts").get<std::int64_t>(),
                                             item(a, 8, "stock_alerts").get<std::int64_t>(),
                                             item(a, 9, "stock_alerts").get<std::int64_t>(),
                                             item(a, 10, "stock_alerts").get<std::int64_t>()});
    }
    r.group_names = field(j, "group_names").get<std::vector<std::string>>();
    for (const Json& g : field(j, "group_days")) {
      GroupDayRow row{item(g, 0, "group_days").get<Day>(), item(g, 1, "group_days").get<std::uint32_t>(),
                      item(g, 2, "group_days").get<std::uint64_t>(), {}, {}, {}};
      for (std::size_t m = 0; m < 3; ++m) {
        row.sum[m] = item(g, 3 + m, "group_days").get<double>();
        row.sum_squares[m] = item(g, 6 + m, "group_days").get<double>();
      }
      for (std::size_t m = 0; m < 2; ++m) row.sum_products[m] = item(g, 9 + m, "group_days").get<double>();
      r.group_days.push_back(row);
    }
    r.visits_simulated = field(j, "visits").get<std::uint64_t>();
    r.candidate_visits = field(j, "candidate_visits").get<std::uint64_t>();
    r.shards = field(j, "shards").get<std::size_t>();
    r.column_bytes_per_consumer = field(j, "column_bytes_per_consumer").get<std::size_t>();
    const Json& measured = field(j, "measured");
    r.timings.simulation_seconds = field(measured, "simulation_seconds").get<double>();
    r.timings.market_seconds = field(measured, "market_seconds").get<double>();
    r.timings.visit_seconds = field(measured, "visit_seconds").get<double>();
    r.timings.commit_seconds = field(measured, "commit_seconds").get<double>();
    r.timings.training_seconds = measured.value("training_seconds", 0.0);
    return r;
  } catch (const Json::exception& e) {  // a value of the wrong type
    throw Error(std::string("stored run result: ") + e.what());
  }
}

}  // namespace marketsim
