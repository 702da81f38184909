// /market/catalog_file and segments' taste_mean: a scenario that holds a fitted market. The
// products of the file are the catalog, byte for byte; each category's count comes from the
// file; bad files are one-line errors naming the file, the line and the column; a segment's
// tastes centre on its taste_mean.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cli_harness.h"
#include "market/market.h"
#include "scenarios/scenario.h"
#include "sim/error.h"
#include "sim/money.h"

using namespace marketsim;
namespace fs = std::filesystem;

namespace {

const std::string kCatalog =
    "id,category,list_price,cost,quality,phi_1,phi_2\n"
    "0,mugs,4.95,2.1,0.5,0.25,-1\n"
    "1,mugs,12.5,6,0,0,0.5\n"
    "2,\"candles, scented\",2.1,0.84,-0.25,1.5,2\n";

std::string scenario(const std::string& categories, const std::string& segment_extra = "") {
  return R"({"name": "fitted", "horizon_days": 5, "replications": 1,
    "market": {"latent_dimensions": 2, "catalog_file": "catalog.csv",
      "categories": )" + categories + R"(,
      "segments": [{"name": "all", "consumers": 4000)" + segment_extra + R"(}]},
    "arms": [{"name": "a", "baseline": true, "recommendation": {"name": "random", "slots": 2}}]})";
}

const std::string kCategories = R"([{"name": "mugs"}, {"name": "candles, scented"}])";

std::string error_of(const std::string& file) {
  try {
    load_scenario(file);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("a catalog file gives the products one by one, relative to the scenario's folder", "[catalog_file]") {
  const testing::TempDir dir("catalog");
  dir.write("catalog.csv", kCatalog);
  const Scenario sc = load_scenario(dir.write("s.json", scenario(kCategories)));
  REQUIRE(sc.market.categories.size() == 2);
  CHECK(sc.market.categories[0].products == 2);
  CHECK(sc.market.categories[1].products == 1);
  const Market m = build_market(sc.market, sc.seed, 0);
  REQUIRE(m.catalog.size() == 3);
  CHECK(m.catalog.list_price == std::vector<Money>{495, 1250, 210});
  CHECK(m.catalog.unit_cost == std::vector<Money>{210, 600, 84});
  CHECK(m.catalog.quality == std::vector<double>{0.5, 0.0, -0.25});
  CHECK(m.catalog.category == std::vector<std::uint16_t>{0, 0, 1});
  CHECK(m.catalog.attributes == std::vector<float>{0.25f, -1.0f, 0.0f, 0.5f, 1.5f, 2.0f});
  // The same in every replication (nothing is drawn).
  CHECK(build_market(sc.market, sc.seed, 3).catalog.attributes == m.catalog.attributes);
  // A count that agrees with the file is allowed; one that does not is refused.
  CHECK(load_scenario(dir.write("agree.json", scenario(R"([{"name": "mugs", "products": 2}, {"name": "candles, scented"}])")))
            .market.products() == 3);
  CHECK_THAT(error_of(dir.write("disagree.json", scenario(R"([{"name": "mugs", "products": 5}, {"name": "candles, scented"}])"))),
             Catch::Contains("/market/categories/0/products: 5 where /market/catalog_file has 2 products of \"mugs\""));
}

TEST_CASE("a bad catalog file is a one-line error naming the file, the line and the column", "[catalog_file]") {
  const testing::TempDir dir("catalog");
  const std::string s = dir.write("s.json", scenario(kCategories));
  const std::string catalog = (dir.path / "catalog.csv").string();
  const auto with = [&](const std::string& text) {
    dir.write("catalog.csv", text);
    return error_of(s);
  };
  CHECK_THAT(with("id,category,list_price,cost,quality,phi_1\n0,mugs,1,1,0,0\n"),
             Catch::Contains(catalog + ": line 1: expected the header id,category,list_price,cost,quality,phi_1,phi_2"));
  CHECK_THAT(with("id,category,list_price,cost,quality,phi_1,phi_2\n1,mugs,1,1,0,0,0\n"),
             Catch::Contains(catalog + ": line 2: column \"id\": expected 0"));
  CHECK_THAT(with("id,category,list_price,cost,quality,phi_1,phi_2\n0,cups,1,1,0,0,0\n"),
             Catch::Contains("line 2: column \"category\": \"cups\" is not a category of /market/categories"));
  CHECK_THAT(with("id,category,list_price,cost,quality,phi_1,phi_2\n0,\"candles, scented\",1,1,0,0,0\n1,mugs,1,1,0,0,0\n"),
             Catch::Contains("line 3: column \"category\": \"mugs\" after a later category"));
  CHECK_THAT(with("id,category,list_price,cost,quality,phi_1,phi_2\n0,mugs,0,1,0,0,0\n"),
             Catch::Contains("line 2: column \"list_price\": expected a number > 0"));
  CHECK_THAT(with("id,category,list_price,cost,quality,phi_1,phi_2\n0,mugs,1,1,0,x,0\n"),
             Catch::Contains("line 2: column \"phi_1\": expected a number, got \"x\""));
  CHECK_THAT(with("id,category,list_price,cost,quality,phi_1,phi_2\n0,mugs,1,1,0,0,0\n"),
             Catch::Contains("category \"candles, scented\" has no product in the file"));
  fs::remove(catalog);
  CHECK_THAT(error_of(s), Catch::Contains(catalog + ": /: cannot open the catalog file"));
  // Without a catalog file a category's count is required.
  const std::string plain = dir.write("plain.json", R"({"name": "p", "horizon_days": 5, "market": {"categories": [{"name": "x"}],
    "segments": [{"name": "all", "consumers": 10}]}, "arms": [{"name": "a", "baseline": true}]})");
  CHECK_THAT(error_of(plain), Catch::Contains("/market/categories/0/products: required"));
  for (const std::string& e : {with("id,category,list_price,cost,quality,phi_1,phi_2\n0,mugs,0,1,0,0,0\n"), error_of(plain)}) {
    CHECK(e.find('\n') == std::string::npos);
  }
}

TEST_CASE("a segment's tastes centre on its taste_mean", "[catalog_file]") {
  const testing::TempDir dir("catalog");
  dir.write("catalog.csv", kCatalog);
  const Scenario sc = load_scenario(dir.write("s.json", scenario(kCategories, R"(, "taste_mean": [0.8, -0.4])")));
  const Population pop = build_population(sc.market, sc.seed, 0);
  double mean[2] = {0, 0};
  for (std::size_t i = 0; i < 4000; ++i) {
    for (std::size_t k = 0; k < 2; ++k) mean[k] += pop.taste[i * 2 + k] / 4000.0;
  }
  // 4,000 draws of sd 1: the sample mean's standard error is 0.016; 0.08 is 5 of them.
  CHECK(mean[0] == Approx(0.8).margin(0.08));
  CHECK(mean[1] == Approx(-0.4).margin(0.08));
  CHECK_THAT(error_of(dir.write("short.json", scenario(kCategories, R"(, "taste_mean": [0.8])"))),
             Catch::Contains("/market/segments/0/taste_mean: expected 2 numbers (latent_dimensions), got 1"));
}
