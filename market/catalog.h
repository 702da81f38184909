#pragma once
// The products of a market, stored as arrays indexed by product id.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/money.h"

namespace marketsim {

using ProductId = std::uint32_t;
using Units = std::int64_t;

struct Catalog {
  std::size_t dimensions = 0;
  std::vector<std::string> category_names;
  std::vector<double> category_quality_mean;  // the prior mean of quality beliefs, per category
  std::vector<std::uint16_t> category;        // per product
  std::vector<Money> list_price;              // per product, cents
  std::vector<Money> unit_cost;               // per product, cents
  std::vector<float> attributes;              // per product, `dimensions` floats (phi_j)
  std::vector<double> quality;                // per product, true quality q_j

  std::size_t size() const { return list_price.size(); }
  const float* attributes_of(ProductId j) const { return attributes.data() + j * dimensions; }
};

}  // namespace marketsim
