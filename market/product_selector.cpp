#include "market/product_selector.h"

#include <string_view>
#include <unordered_map>

namespace marketsim {

std::vector<char> select_products(const Json& selector, const Catalog& catalog) {
  std::vector<char> chosen(catalog.size(), 0);
  if (selector.is_string()) {  // "all"
    std::fill(chosen.begin(), chosen.end(), 1);
  } else if (selector.contains("ids")) {
    for (const auto& id : selector["ids"]) chosen.at(id.get<std::size_t>()) = 1;
  } else if (selector.contains("categories")) {
    // The listed categories as flags first (a name may be listed any number of times), then one
    // pass over the products.
    std::unordered_map<std::string_view, std::size_t> index;
    for (std::size_t c = 0; c < catalog.category_names.size(); ++c) index.emplace(catalog.category_names[c], c);
    std::vector<char> listed(catalog.category_names.size(), 0);
    for (const auto& name : selector["categories"]) {
      const auto it = index.find(name.get_ref<const std::string&>());
      if (it != index.end()) listed[it->second] = 1;
    }
    for (std::size_t j = 0; j < catalog.size(); ++j) chosen[j] = listed[catalog.category[j]];
  } else {
    const auto every = selector["every"].get<std::size_t>();
    const auto offset = selector.value("offset", std::size_t{0});
    for (std::size_t j = offset; j < catalog.size(); j += every) chosen[j] = 1;
  }
  return chosen;
}

}  // namespace marketsim
