#pragma once
// The marketplace of offers. An offer is (seller, product): the same product sold by two sellers
// is two offers with the same attributes and their own price, stock and promotions. Offers are
// numbered seller by seller, each seller's in product order, so a seller's offers are the
// contiguous range [begin(s), end(s)). With one seller selling every product, offer j is
// product j (today's single shop).
#include <cstdint>
#include <string>
#include <vector>

#include "market/catalog.h"

namespace marketsim {

using OfferId = std::uint32_t;
using SellerId = std::uint16_t;

struct Offers {
  std::vector<std::string> seller_names;
  std::vector<OfferId> seller_begin;  // per seller, then the total: offers of s are [s, s + 1)
  std::vector<ProductId> product;     // per offer
  std::vector<SellerId> seller;       // per offer

  std::size_t size() const { return product.size(); }
  std::size_t sellers() const { return seller_names.size(); }
  OfferId begin(SellerId s) const { return seller_begin[s]; }
  OfferId end(SellerId s) const { return seller_begin[s + 1u]; }
  std::size_t count(SellerId s) const { return end(s) - begin(s); }
};

}  // namespace marketsim
