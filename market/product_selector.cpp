#include "market/product_selector.h"

namespace marketsim {

std::vector<char> select_products(const Json& selector, const Catalog& catalog) {
  std::vector<char> chosen(catalog.size(), 0);
  if (selector.is_string()) {  // "all"
    std::fill(chosen.begin(), chosen.end(), 1);
  } else if (selector.contains("ids")) {
    for (const auto& id : selector["ids"]) chosen.at(id.get<std::size_t>()) = 1;
  } else if (selector.contains("categories")) {
    for (const auto& name : selector["categories"]) {
      for (std::size_t c = 0; c < catalog.category_names.size(); ++c) {
        if (catalog.category_names[c] != name.get<std::string>()) continue;
        for (std::size_t j = 0; j < catalog.size(); ++j) {
          if (catalog.category[j] == c) chosen[j] = 1;
        }
      }
    }
  } else {
    const auto every = selector["every"].get<std::size_t>();
    const auto offset = selector.value("offset", std::size_t{0});
    for (std::size_t j = offset; j < catalog.size(); j += every) chosen[j] = 1;
  }
  return chosen;
}

}  // namespace marketsim
