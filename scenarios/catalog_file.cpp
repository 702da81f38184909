#include "scenarios/catalog_file.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>

#include "sim/csv.h"
#include "sim/error.h"
#include "sim/text.h"

namespace marketsim {

std::shared_ptr<const ProductTable> read_product_table(const std::string& file, const std::vector<CategorySpec>& categories,
                                                       std::size_t dimensions, std::vector<std::int64_t>& counts) {
  std::error_code status;
  if (std::filesystem::exists(file, status) && !std::filesystem::is_regular_file(file, status)) {
    throw ScenarioError(file, "", "cannot open the catalog file (not a regular file)");
  }
  CsvReader csv(read_whole_file(file, "catalog file"), file);
  std::vector<std::string_view> fields;
  if (!csv.next(fields)) csv.fail(1, "the file is empty (expected the header id,category,list_price,cost,quality,phi_1,...)");
  std::vector<std::string> header = {"id", "category", "list_price", "cost", "quality"};
  for (std::size_t k = 1; k <= dimensions; ++k) header.push_back("phi_" + std::to_string(k));
  if (fields.size() != header.size() || !std::equal(header.begin(), header.end(), fields.begin())) {
    std::string expected;
    for (const std::string& h : header) expected += (expected.empty() ? "" : ",") + h;
    csv.fail(csv.line(), "expected the header " + expected + " (latent_dimensions = " + std::to_string(dimensions) + ")");
  }
  std::map<std::string, std::uint16_t, std::less<>> category_index;
  for (std::size_t c = 0; c < categories.size(); ++c) category_index.emplace(categories[c].name, static_cast<std::uint16_t>(c));
  auto table = std::make_shared<ProductTable>();
  counts.assign(categories.size(), 0);
  std::size_t current = 0;
  while (csv.next(fields)) {
    const std::size_t line = csv.line();
    if (fields.size() != header.size()) {
      csv.fail(line, std::to_string(fields.size()) + " fields where the header has " + std::to_string(header.size()));
    }
    const auto number = [&](std::size_t k) {
      const std::string_view text = trim(fields[k]);
      double v = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || end != text.data() + text.size() || text.empty() || !std::isfinite(v)) {
        csv.fail(line, "column " + json_quoted(header[k]) + ": expected a number, got " + json_quoted(std::string(text)));
      }
      return v;
    };
    const std::size_t j = table->category.size();
    const double id = number(0);
    if (id != static_cast<double>(j)) {
      csv.fail(line, "column \"id\": expected " + std::to_string(j) + " (ids count from 0 in order)");
    }
    const auto it = category_index.find(trim(fields[1]));
    if (it == category_index.end()) {
      csv.fail(line, "column \"category\": " + json_quoted(std::string(trim(fields[1]))) + " is not a category of /market/categories");
    }
    if (it->second < current) {
      csv.fail(line, "column \"category\": " + json_quoted(it->first) +
                         " after a later category (rows are grouped by category in the scenario's category order)");
    }
    current = it->second;
    const double price = number(2), cost = number(3), quality = number(4);
    if (price <= 0) csv.fail(line, "column \"list_price\": expected a number > 0");
    if (cost < 0) csv.fail(line, "column \"cost\": expected a number >= 0");
    table->category.push_back(it->second);
    table->list_price.push_back(price);
    table->cost.push_back(cost);
    table->quality.push_back(quality);
    for (std::size_t k = 0; k < dimensions; ++k) table->attributes.push_back(static_cast<float>(number(5 + k)));
    ++counts[it->second];
    if (table->category.size() > 10000000) csv.fail(line, "at most 10,000,000 products");
  }
  for (std::size_t c = 0; c < categories.size(); ++c) {
    if (counts[c] == 0) csv.fail(csv.line(), "category " + json_quoted(categories[c].name) + " has no product in the file");
  }
  return table;
}

}  // namespace marketsim
