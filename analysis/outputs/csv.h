#pragma once
// What the CSV outputs share: numbers written so they read back to the same double, the metric
// columns, and a seller's shares of the marketplace.
#include <charconv>
#include <cmath>
#include <string>
#include <vector>

#include "analysis/metric.h"

namespace marketsim::csv {

/// The shortest text that reads back to the same double (std::to_chars); "" for NaN (CSV NA).
inline std::string number(double v) {
  if (!std::isfinite(v)) return "";
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, ec == std::errc() ? end : buf);
}

/// ",name,name,...": the metric columns (all of metric_list(), or those at `columns`).
inline std::string metric_header(const std::vector<std::size_t>* columns = nullptr) {
  std::string h;
  const auto& list = metric_list();
  for (std::size_t k = 0; k < (columns ? columns->size() : list.size()); ++k) {
    h += ',';
    h += list[columns ? (*columns)[k] : k].name;
  }
  return h;
}

/// ",v,v,...": one row's metric values.
inline std::string metric_fields(const std::vector<double>& v) {
  std::string s;
  for (double x : v) {
    s += ',';
    s += number(x);
  }
  return s;
}

/// A seller's share of the marketplace's value of metric column m (NaN when that is 0).
inline double seller_share(const std::vector<double>& seller_values, const std::vector<double>& market_values,
                           std::size_t m) {
  const double total = market_values[m];
  return total != 0.0 && std::isfinite(total) ? seller_values[m] / total : std::nan("");
}

/// The share columns that follow the metrics in sellers.csv and sellers_daily.csv.
inline constexpr const char* kShareHeader = ",unit_share,revenue_share";
inline std::string share_fields(const std::vector<double>& seller_values, const std::vector<double>& market_values) {
  const std::size_t units = metric_index("units"), revenue = metric_index("revenue");
  std::string out(1, ',');  // appended, not concatenated: GCC 12 warns (-Wrestrict) on "," + s + ...
  out += number(seller_share(seller_values, market_values, units));
  out += ',';
  out += number(seller_share(seller_values, market_values, revenue));
  return out;
}

}  // namespace marketsim::csv
