#pragma once
// /market/catalog_file: a scenario's products given one by one (a fitted catalog) instead of
// drawn from the categories' distributions. The file is CSV (RFC 4180, sim/csv.h) with the header
//   id,category,list_price,cost,quality,phi_1,...,phi_D
// (D = /market/latent_dimensions) and one row per product: ids 0, 1, 2, ... in order; category a
// name of /market/categories, the rows grouped by category in the scenario's category order
// (every category at least one product); list_price > 0 and cost >= 0 in currency units; quality
// and the attributes phi finite numbers. Anything else is a one-line ScenarioError naming the
// file, the line and the column.
#include <memory>
#include <string>
#include <vector>

#include "market/market_spec.h"

namespace marketsim {

/// Reads the table; returns it with each category's product count in `counts` (scenario order).
std::shared_ptr<const ProductTable> read_product_table(const std::string& file, const std::vector<CategorySpec>& categories,
                                                       std::size_t dimensions, std::vector<std::int64_t>& counts);

}  // namespace marketsim
