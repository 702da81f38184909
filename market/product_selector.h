#pragma once
#include <vector>

#include "market/catalog.h"
#include "sim/params.h"

namespace marketsim {

/// Evaluates a validated product selector ("all", {"ids"}, {"categories"}, {"every", "offset"})
/// into one flag per product.
std::vector<char> select_products(const Json& selector, const Catalog& catalog);

}  // namespace marketsim
