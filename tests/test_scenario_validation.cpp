// Scenario validation tests: one test case per rule of the loader (scenarios/scenario.cpp) and of
// the generic validator (sim/params.cpp). Each checks the exception type, the exact JSON pointer and
// that the one-line message names the file and what is allowed.
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "scenarios/scenario.h"
#include "sim/error.h"

using namespace marketsim;

namespace {

const std::string kFile = "validation-test.json";

/// A small valid scenario: 1 category of 50 products, 1 segment of 200 consumers, 5 days, one
/// baseline arm with every strategy left at its default.
Json base_document() {
  Json category = {{"name", "widgets"}, {"products", 50}};
  Json segment = {{"name", "shoppers"}, {"consumers", 200}};
  Json market = {{"latent_dimensions", 4},
                 {"categories", Json::array({category})},
                 {"segments", Json::array({segment})}};
  Json arm = {{"name", "control"}, {"baseline", true}};
  return Json{{"name", "validation-base"},
              {"horizon_days", 5},
              {"market", market},
              {"arms", Json::array({arm})}};
}

/// The base document with one percent_off promotion on its arm.
Json with_promotion(const Json& promotion) {
  Json doc = base_document();
  doc["arms"][0]["promotions"] = Json::array({promotion});
  return doc;
}

/// A valid percent_off promotion (10% off everything on days 1-3).
Json percent_off() {
  return Json{{"name", "percent_off"}, {"depth", 0.1}, {"start", 1}, {"end", 3}};
}

/// The base document with two sellers whose products overlap: "north" offers every second product
/// (25 offers), "south" every product of "widgets" (50 offers). Its arm lists both under
/// "sellers" with every strategy left at its default.
Json two_sellers() {
  Json doc = base_document();
  const Json widgets = Json{{"categories", Json::array({"widgets"})}};
  doc["market"]["sellers"] = Json::array({Json{{"name", "north"}, {"products", Json{{"every", 2}}}},
                                          Json{{"name", "south"}, {"products", widgets}}});
  doc["arms"][0]["sellers"] = Json::array({Json{{"name", "north"}}, Json{{"name", "south"}}});
  return doc;
}

/// The base document with /market/behaviours set to `modules`.
Json with_behaviours(const Json& modules) {
  Json doc = base_document();
  doc["market"]["behaviours"] = modules;
  return doc;
}

struct Caught {
  bool thrown = false;
  bool unknown_strategy = false;
  std::string file;
  std::string pointer;
  std::string what;
};

Caught catch_scenario_error(const std::function<void()>& action) {
  Caught c;
  try {
    action();
  } catch (const UnknownStrategy& e) {
    c = Caught{true, true, e.file(), e.pointer(), e.what()};
  } catch (const ScenarioError& e) {
    c = Caught{true, false, e.file(), e.pointer(), e.what()};
  }
  return c;
}

void check_caught(const Caught& c, const std::string& file, const std::string& pointer,
                  std::initializer_list<std::string> words) {
  REQUIRE(c.thrown);
  CHECK(c.file == file);
  CHECK(c.pointer == pointer);
  CHECK_THAT(c.what, Catch::Contains(file));
  CHECK_THAT(c.what, Catch::Contains((pointer.empty() ? std::string("/") : pointer) + ": "));
  for (const auto& w : words) CHECK_THAT(c.what, Catch::Contains(w));
}

/// parse_scenario(doc) must throw a ScenarioError (and not UnknownStrategy) at `pointer` whose
/// message contains the file name and every one of `words`.
void check_rejected(const Json& doc, const std::string& pointer,
                    std::initializer_list<std::string> words) {
  INFO("document: " << doc.dump());
  CHECK_THROWS_AS(parse_scenario(doc, kFile), ScenarioError);
  const Caught c = catch_scenario_error([&] { (void)parse_scenario(doc, kFile); });
  CHECK_FALSE(c.unknown_strategy);
  check_caught(c, kFile, pointer, words);
}

/// parse_scenario(doc) must throw UnknownStrategy at `pointer` listing the valid names.
void check_unknown_strategy(const Json& doc, const std::string& pointer,
                            std::initializer_list<std::string> words) {
  INFO("document: " << doc.dump());
  CHECK_THROWS_AS(parse_scenario(doc, kFile), UnknownStrategy);
  const Caught c = catch_scenario_error([&] { (void)parse_scenario(doc, kFile); });
  CHECK(c.unknown_strategy);
  check_caught(c, kFile, pointer, words);
  CHECK_THAT(c.what, Catch::Contains("Valid values are"));
}

/// apply_override(doc, assignment) must throw a ScenarioError at `pointer`.
void check_override_rejected(const std::string& assignment, const std::string& pointer,
                             std::initializer_list<std::string> words) {
  INFO("assignment: " << assignment);
  Json doc = base_document();
  CHECK_THROWS_AS(apply_override(doc, assignment, kFile), ScenarioError);
  Json again = base_document();
  const Caught c = catch_scenario_error([&] { apply_override(again, assignment, kFile); });
  CHECK_FALSE(c.unknown_strategy);
  check_caught(c, kFile, pointer, words);
}

/// A file in the temporary directory, removed when the object goes out of scope.
class TempFile {
 public:
  explicit TempFile(const std::string& contents) {
    std::random_device rd;
    path_ = (std::filesystem::temp_directory_path() /
             ("marketsim-validation-" + std::to_string(rd()) + ".json"))
                .string();
    std::ofstream out(path_, std::ios::binary);
    out << contents;
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Valid documents.

TEST_CASE("validation: the base document parses and defaults are filled in", "[validation]") {
  const Scenario sc = parse_scenario(base_document(), kFile);
  CHECK(sc.file == kFile);
  CHECK(sc.name == "validation-base");
  CHECK(sc.replications == 10);
  CHECK(sc.seed == 1);
  CHECK(sc.horizon_days == 5);
  CHECK(sc.warmup_days == 0);
  CHECK(sc.windows_per_day == 1);
  CHECK(sc.shard_size == 65536);
  CHECK(sc.market.products() == 50);
  CHECK(sc.market.consumers() == 200);
  REQUIRE(sc.arms.size() == 1);
  CHECK(sc.baseline == 0);
  CHECK(sc.arms[0].baseline);
  REQUIRE(sc.arms[0].sellers.size() == 1);
  CHECK(sc.arms[0].sellers[0].pricing.name == "fixed");
  CHECK(sc.arms[0].sellers[0].pricing.params["price_factor"] == 1.0);
  CHECK(sc.arms[0].sellers[0].promotions.empty());
  CHECK(sc.arms[0].sellers[0].recommendation.name == "popular_plus_random");
  CHECK(sc.arms[0].sellers[0].replenishment.front().policy.name == "order_up_to");
  REQUIRE(sc.market.sellers.size() == 1);
  CHECK(sc.market.sellers[0].name == "shop");
  CHECK(sc.market.behaviours.empty());
  CHECK(sc.resolved["engine"]["window_days"] == 1.0);
  CHECK(sc.resolved["engine"]["shard_size"] == 65536);
  CHECK(sc.resolved["replications"] == 10);
  CHECK(sc.resolved["description"] == "");
  CHECK(sc.resolved["market"]["browse_slots"] == 0);
  CHECK(sc.resolved["market"]["categories"][0]["price_min"] == 5.0);
  CHECK(sc.resolved["market"]["segments"][0]["visit_rate"] == 0.2);
  CHECK(sc.resolved["market"]["behaviours"] == Json::array());
  CHECK(!sc.resolved["market"].contains("learning"));
  CHECK(sc.resolved["market"]["sellers"][0]["name"] == "shop");
  CHECK(sc.resolved["market"]["sellers"][0]["products"] == "all");
  CHECK(sc.resolved["arms"][0]["sellers"][0]["name"] == "shop");
  CHECK(sc.resolved["arms"][0]["sellers"][0]["pricing"]["name"] == "fixed");
  CHECK(sc.resolved["arms"][0]["sellers"][0]["recommendation"]["popular"] == 5);
  CHECK(sc.resolved["arms"][0]["sellers"][0]["replenishment"]["forecast_days"] == 7);

  // The resolved document is itself a valid scenario that resolves to itself.
  const Scenario again = parse_scenario(sc.resolved, kFile);
  CHECK(again.resolved == sc.resolved);
}

TEST_CASE("validation: the shipped scenarios load", "[validation]") {
  const std::string dir = std::string(MARKETSIM_SOURCE_DIR) + "/scenarios/";
  Scenario reference;
  REQUIRE_NOTHROW(reference = load_scenario(dir + "reference-market.json"));
  CHECK(reference.name == "reference-market");
  CHECK(reference.market.products() == 1000);
  CHECK(reference.market.consumers() == 1000000);
  REQUIRE(reference.arms.size() == 1);
  CHECK(reference.arms[0].sellers[0].promotions.size() == 1);

  Scenario summer;
  REQUIRE_NOTHROW(summer = load_scenario(dir + "summer-sale.json"));
  CHECK(summer.name == "summer-sale");
  CHECK(summer.arms.size() == 3);
  CHECK(summer.baseline == 0);
  CHECK(summer.warmup_days == 14);
  REQUIRE(summer.market.behaviours.size() == 2);
  CHECK(summer.market.behaviours[0].name == "quality_learning");
  CHECK(summer.market.behaviours[1].name == "reference_price");

  // Overrides are applied before validation.
  Scenario overridden;
  REQUIRE_NOTHROW(overridden = load_scenario(dir + "reference-market.json",
                                             {"/replications=3", "/name=renamed"}));
  CHECK(overridden.replications == 3);
  CHECK(overridden.name == "renamed");
}

// ---------------------------------------------------------------------------------------------
// Unknown keys.

TEST_CASE("validation: unknown top-level key", "[validation]") {
  Json doc = base_document();
  doc["bogus"] = 1;
  check_rejected(doc, "/bogus", {"unknown key \"bogus\"", "allowed keys", "\"horizon_days\""});
}

TEST_CASE("validation: unknown keys are escaped in the pointer (RFC 6901)", "[validation]") {
  Json doc = base_document();
  doc["a/b~c"] = 1;
  check_rejected(doc, "/a~1b~0c", {"unknown key \"a/b~c\"", "allowed keys"});
}

TEST_CASE("validation: unknown key in /market", "[validation]") {
  Json doc = base_document();
  doc["market"]["bogus"] = 1;
  check_rejected(doc, "/market/bogus", {"unknown key", "\"browse_slots\""});
}

TEST_CASE("validation: unknown key in a category", "[validation]") {
  Json doc = base_document();
  doc["market"]["categories"][0]["bogus"] = 1;
  check_rejected(doc, "/market/categories/0/bogus", {"unknown key", "\"price_min\""});
}

TEST_CASE("validation: unknown key in a segment", "[validation]") {
  Json doc = base_document();
  doc["market"]["segments"][0]["bogus"] = 1;
  check_rejected(doc, "/market/segments/0/bogus", {"unknown key", "\"visit_rate\""});
}

TEST_CASE("validation: unknown key in /engine", "[validation]") {
  Json doc = base_document();
  doc["engine"] = Json{{"window_days", 1}, {"bogus", 1}};
  check_rejected(doc, "/engine/bogus", {"unknown key", "\"window_days\"", "\"shard_size\""});
}

TEST_CASE("validation: unknown key in /market/learning and its parts", "[validation]") {
  Json doc = base_document();
  doc["market"]["learning"] = Json{{"quality", Json{{"enabled", true}, {"bogus", 1}}}};
  check_rejected(doc, "/market/learning/quality/bogus", {"unknown key", "\"memory\""});

  Json doc2 = base_document();
  doc2["market"]["learning"] = Json{{"bogus", Json::object()}};
  check_rejected(doc2, "/market/learning/bogus", {"unknown key", "\"reference_price\""});
}

TEST_CASE("validation: unknown key in an arm", "[validation]") {
  Json doc = base_document();
  doc["arms"][0]["bogus"] = 1;
  check_rejected(doc, "/arms/0/bogus", {"unknown key", "\"replenishment\""});
}

TEST_CASE("validation: unknown key in a strategy's parameters", "[validation]") {
  Json doc = base_document();
  doc["arms"][0]["pricing"] = Json{{"name", "fixed"}, {"bogus", 1}};
  check_rejected(doc, "/arms/0/pricing/bogus", {"unknown key", "\"price_factor\""});

  Json promo = percent_off();
  promo["bogus"] = 1;
  check_rejected(with_promotion(promo), "/arms/0/promotions/0/bogus",
                 {"unknown key", "\"depth\""});

  // A promotion without parameters of its own allows only those every promotion shares.
  Json doc3 = with_promotion(Json{{"name", "none"}, {"depth", 0.5}});
  check_rejected(doc3, "/arms/0/promotions/0/depth",
                 {"unknown key", "allowed keys: \"budget\", \"daily_cap\", \"pacing\", \"campaign_start\""});
}

// ---------------------------------------------------------------------------------------------
// Missing required keys.

TEST_CASE("validation: name is required", "[validation]") {
  Json doc = base_document();
  doc.erase("name");
  check_rejected(doc, "/name", {"required key is missing", "string"});
}

TEST_CASE("validation: horizon_days is required", "[validation]") {
  Json doc = base_document();
  doc.erase("horizon_days");
  check_rejected(doc, "/horizon_days", {"required key is missing", "integer in [1, 3650]"});
}

TEST_CASE("validation: market is required", "[validation]") {
  Json doc = base_document();
  doc.erase("market");
  check_rejected(doc, "/market", {"required key is missing", "object"});
}

TEST_CASE("validation: arms is required", "[validation]") {
  Json doc = base_document();
  doc.erase("arms");
  check_rejected(doc, "/arms", {"required key is missing", "list of objects"});
}

TEST_CASE("validation: a category's products is required", "[validation]") {
  Json doc = base_document();
  doc["market"]["categories"][0].erase("products");
  check_rejected(doc, "/market/categories/0/products", {"required key is missing", "integer"});
}

TEST_CASE("validation: a segment's consumers is required", "[validation]") {
  Json doc = base_document();
  doc["market"]["segments"][0].erase("consumers");
  check_rejected(doc, "/market/segments/0/consumers", {"required key is missing", "integer"});
}

TEST_CASE("validation: percent_off depth is required", "[validation]") {
  Json promo = percent_off();
  promo.erase("depth");
  check_rejected(with_promotion(promo), "/arms/0/promotions/0/depth",
                 {"required key is missing", "number in (0, 1]"});
}

TEST_CASE("validation: a strategy object needs a name", "[validation]") {
  Json doc = base_document();
  doc["arms"][0]["pricing"] = Json{{"price_factor", 1.0}};
  check_rejected(doc, "/arms/0/pricing/name", {"strategy name is missing", "Valid values are",
                                               "\"fixed\""});
}

// ---------------------------------------------------------------------------------------------
// Wrong types.

TEST_CASE("validation: a string where an integer is expected", "[validation]") {
  Json doc = base_document();
  doc["replications"] = "10";
  check_rejected(doc, "/replications", {"expected integer", "got a string"});
}

TEST_CASE("validation: a fractional number where an integer is expected", "[validation]") {
  Json doc = base_document();
  doc["horizon_days"] = 2.5;
  check_rejected(doc, "/horizon_days", {"expected integer in [1, 3650]", "got a number"});

  // A whole number written as a float is an integer.
  Json whole = base_document();
  whole["horizon_days"] = 5.0;
  CHECK_NOTHROW(parse_scenario(whole, kFile));
}

TEST_CASE("validation: a number where a boolean is expected", "[validation]") {
  Json doc = base_document();
  doc["arms"][0]["baseline"] = 1;
  check_rejected(doc, "/arms/0/baseline", {"expected boolean", "got an integer"});
}

TEST_CASE("validation: an object where a list is expected", "[validation]") {
  Json doc = base_document();
  doc["market"]["categories"] = Json{{"name", "widgets"}, {"products", 50}};
  check_rejected(doc, "/market/categories", {"expected list of objects", "got an object"});
}

TEST_CASE("validation: a string where a strategy object is expected", "[validation]") {
  Json doc = base_document();
  doc["arms"][0]["pricing"] = "fixed";
  check_rejected(doc, "/arms/0/pricing", {"expected object", "got a string"});
}

TEST_CASE("validation: a list element that is not an object", "[validation]") {
  Json doc = base_document();
  doc["arms"].push_back("second");
  check_rejected(doc, "/arms/1", {"expected an object", "got a string"});
}

TEST_CASE("validation: a document that is not an object", "[validation]") {
  check_rejected(Json::array({1, 2}), "", {"expected an object", "got a list"});
}

// ---------------------------------------------------------------------------------------------
// Out-of-range values.

TEST_CASE("validation: replications must be at least 1", "[validation]") {
  Json doc = base_document();
  doc["replications"] = 0;
  check_rejected(doc, "/replications", {"out of range", "integer in [1, 100000]"});
}

TEST_CASE("validation: horizon_days must be at least 1", "[validation]") {
  Json doc = base_document();
  doc["horizon_days"] = 0;
  check_rejected(doc, "/horizon_days", {"out of range", "integer in [1, 3650]"});
}

TEST_CASE("validation: visit_rate must be greater than 0 (exclusive minimum)", "[validation]") {
  Json doc = base_document();
  doc["market"]["segments"][0]["visit_rate"] = 0;
  check_rejected(doc, "/market/segments/0/visit_rate", {"out of range", "number in (0, 1000]"});
}

TEST_CASE("validation: percent_off depth must be above 0 and at most 1", "[validation]") {
  Json promo = percent_off();
  promo["depth"] = 1.5;
  check_rejected(with_promotion(promo), "/arms/0/promotions/0/depth",
                 {"value 1.5 is out of range", "number in (0, 1]"});
}

TEST_CASE("validation: prices must be positive", "[validation]") {
  Json doc = base_document();
  doc["market"]["categories"][0]["price_min"] = -1;
  check_rejected(doc, "/market/categories/0/price_min", {"out of range", "number in (0, 1e+09]"});
}

TEST_CASE("validation: price_max must be at least price_min", "[validation]") {
  Json doc = base_document();
  doc["market"]["categories"][0]["price_min"] = 20;
  doc["market"]["categories"][0]["price_max"] = 10;
  check_rejected(doc, "/market/categories/0/price_max", {"must be >= price_min"});
}

TEST_CASE("validation: warmup_days must be less than horizon_days", "[validation]") {
  Json doc = base_document();
  doc["warmup_days"] = 5;
  check_rejected(doc, "/warmup_days", {"must be less than horizon_days (5)"});
}

TEST_CASE("validation: horizons up to ten years", "[validation]") {
  Json doc = base_document();
  doc["horizon_days"] = 3651;
  check_rejected(doc, "/horizon_days", {"out of range", "[1, 3650]"});

  Json ok = base_document();
  ok["horizon_days"] = 3650;
  CHECK_NOTHROW(parse_scenario(ok, kFile));
}

TEST_CASE("validation: 1 / window_days must be a whole number", "[validation]") {
  Json doc = base_document();
  doc["engine"] = Json{{"window_days", 0.3}};
  check_rejected(doc, "/engine/window_days", {"whole number", "0.25"});

  Json ok = base_document();
  ok["engine"] = Json{{"window_days", 0.25}};
  CHECK(parse_scenario(ok, kFile).windows_per_day == 4);
}

TEST_CASE("validation: window_days must give a usable number of windows per day",
          "[validation]") {
  // 1 / 1e-300 rounds to 1e300, which passes the whole-number test; the loader then casts it to
  // std::size_t (undefined behaviour; windows_per_day came out 0). It must be rejected.
  Json doc = base_document();
  doc["engine"] = Json{{"window_days", 1e-300}};
  check_rejected(doc, "/engine/window_days", {});
}

TEST_CASE("validation: window_days must be greater than 0", "[validation]") {
  Json doc = base_document();
  doc["engine"] = Json{{"window_days", 0}};
  check_rejected(doc, "/engine/window_days", {"out of range", "number in (0, 1]"});
}

TEST_CASE("validation: quality memory must be from 1 to 64", "[validation]") {
  Json doc = base_document();
  doc["market"]["learning"] = Json{{"quality", Json{{"memory", 65}}}};
  check_rejected(doc, "/market/learning/quality/memory",
                 {"value 65 is out of range", "integer in [1, 64]"});
}

TEST_CASE("validation: a promotion budget must be representable in cents", "[validation]") {
  // "budget" has no maximum: 1e300 is accepted and to_cents() overflows (llround of 1e302), so the
  // budget becomes a garbage (negative) amount. It must be rejected at its pointer.
  Json promo = percent_off();
  promo["budget"] = 1e300;
  check_rejected(with_promotion(promo), "/arms/0/promotions/0/budget", {"allowed"});

  Json ok = percent_off();
  ok["budget"] = 1000;
  CHECK_NOTHROW(parse_scenario(with_promotion(ok), kFile));
}

TEST_CASE("validation: at most 10,000,000 products in all", "[validation]") {
  Json doc = base_document();
  doc["market"]["categories"].push_back(Json{{"name", "bulk"}, {"products", 10000000}});
  check_rejected(doc, "/market/categories", {"at most 10,000,000 products"});
}

TEST_CASE("validation: at most 4,294,967,295 consumers in all", "[validation]") {
  Json doc = base_document();
  doc["market"]["segments"].push_back(
      Json{{"name", "everyone"}, {"consumers", std::int64_t{4294967295}}});
  check_rejected(doc, "/market/segments", {"at most 4,294,967,295 consumers"});
}

// ---------------------------------------------------------------------------------------------
// Unknown strategy names.

TEST_CASE("validation: unknown pricing strategy", "[validation]") {
  Json doc = base_document();
  doc["arms"][0]["pricing"] = Json{{"name", "dynamic"}};
  check_unknown_strategy(doc, "/arms/0/pricing/name",
                         {"unknown pricing strategy \"dynamic\"", "\"fixed\""});
}

TEST_CASE("validation: unknown promotion strategy", "[validation]") {
  check_unknown_strategy(with_promotion(Json{{"name", "buy_ten_get_nine"}}), "/arms/0/promotions/0/name",
                         {"unknown promotion strategy \"buy_ten_get_nine\"", "\"percent_off\"", "\"none\""});
}

TEST_CASE("validation: unknown recommendation strategy", "[validation]") {
  Json doc = base_document();
  doc["arms"][0]["recommendation"] = Json{{"name", "collaborative"}};
  check_unknown_strategy(doc, "/arms/0/recommendation/name",
                         {"unknown recommendation strategy", "\"random\"",
                          "\"popular_plus_random\""});
}

TEST_CASE("validation: unknown replenishment strategy", "[validation]") {
  Json doc = base_document();
  doc["arms"][0]["replenishment"] = Json{{"name", "just_in_time"}};
  check_unknown_strategy(doc, "/arms/0/replenishment/name",
                         {"unknown replenishment strategy", "\"order_up_to\"", "\"s_S\""});
}

// ---------------------------------------------------------------------------------------------
// Arms and names.

TEST_CASE("validation: exactly one baseline arm is required (none)", "[validation]") {
  Json doc = base_document();
  doc["arms"][0]["baseline"] = false;
  check_rejected(doc, "/arms", {"no arm has \"baseline\": true", "exactly one"});
}

TEST_CASE("validation: exactly one baseline arm is required (two)", "[validation]") {
  Json doc = base_document();
  doc["arms"].push_back(Json{{"name", "treatment"}, {"baseline", true}});
  check_rejected(doc, "/arms/1/baseline", {"more than one arm", "exactly one"});
}

TEST_CASE("validation: at least one arm is required", "[validation]") {
  Json doc = base_document();
  doc["arms"] = Json::array();
  check_rejected(doc, "/arms", {"at least one arm"});
}

TEST_CASE("validation: arm names must be unique", "[validation]") {
  Json doc = base_document();
  doc["arms"].push_back(Json{{"name", "control"}});
  check_rejected(doc, "/arms/1/name", {"non-empty and unique"});
}

TEST_CASE("validation: arm names must be non-empty", "[validation]") {
  Json doc = base_document();
  doc["arms"][0]["name"] = "";
  check_rejected(doc, "/arms/0/name", {"non-empty and unique"});
}

TEST_CASE("validation: category names must be unique", "[validation]") {
  Json doc = base_document();
  doc["market"]["categories"].push_back(Json{{"name", "widgets"}, {"products", 10}});
  check_rejected(doc, "/market/categories/1/name", {"duplicate category name \"widgets\""});
}

TEST_CASE("validation: segment names must be unique", "[validation]") {
  Json doc = base_document();
  doc["market"]["segments"].push_back(Json{{"name", "shoppers"}, {"consumers", 10}});
  check_rejected(doc, "/market/segments/1/name", {"duplicate segment name \"shoppers\""});
}

TEST_CASE("validation: at least one category is required", "[validation]") {
  Json doc = base_document();
  doc["market"]["categories"] = Json::array();
  check_rejected(doc, "/market/categories", {"at least one category"});
}

TEST_CASE("validation: at least one segment is required", "[validation]") {
  Json doc = base_document();
  doc["market"]["segments"] = Json::array();
  check_rejected(doc, "/market/segments", {"at least one segment"});
}

// ---------------------------------------------------------------------------------------------
// Product selectors.

TEST_CASE("validation: selector with an unknown category name", "[validation]") {
  Json promo = percent_off();
  promo["products"] = Json{{"categories", Json::array({"gadgets"})}};
  check_rejected(with_promotion(promo), "/arms/0/promotions/0/products/categories/0",
                 {"unknown category \"gadgets\"", "Valid values are", "\"widgets\""});
}

TEST_CASE("validation: selector with a product id out of range", "[validation]") {
  Json promo = percent_off();
  promo["products"] = Json{{"ids", Json::array({0, 50})}};
  check_rejected(with_promotion(promo), "/arms/0/promotions/0/products/ids/1",
                 {"product id 50 does not exist", "allowed: 0 to 49"});

  Json negative = percent_off();
  negative["products"] = Json{{"ids", Json::array({-1})}};
  check_rejected(with_promotion(negative), "/arms/0/promotions/0/products/ids/0",
                 {"does not exist", "allowed: 0 to 49"});
}

TEST_CASE("validation: selector every must be at least 1", "[validation]") {
  Json promo = percent_off();
  promo["products"] = Json{{"every", 0}};
  check_rejected(with_promotion(promo), "/arms/0/promotions/0/products/every",
                 {"integer >= 1"});
}

TEST_CASE("validation: selector offset must be less than every", "[validation]") {
  Json promo = percent_off();
  promo["products"] = Json{{"every", 3}, {"offset", 3}};
  check_rejected(with_promotion(promo), "/arms/0/promotions/0/products/offset",
                 {"integer in [0, every - 1]"});
}

TEST_CASE("validation: selector with an unknown key", "[validation]") {
  Json promo = percent_off();
  promo["products"] = Json{{"bogus", 1}};
  check_rejected(with_promotion(promo), "/arms/0/promotions/0/products/bogus",
                 {"unknown key", "\"all\"", "\"every\""});

  Json extra = percent_off();
  extra["products"] = Json{{"every", 2}, {"step", 1}};
  check_rejected(with_promotion(extra), "/arms/0/promotions/0/products/step",
                 {"unknown key", "\"offset\""});
}

TEST_CASE("validation: selector string other than \"all\"", "[validation]") {
  Json promo = percent_off();
  promo["products"] = "some";
  check_rejected(with_promotion(promo), "/arms/0/promotions/0/products",
                 {"unknown product selector \"some\"", "\"all\""});
}

// ---------------------------------------------------------------------------------------------
// Cross-parameter checks in strategy factories.

TEST_CASE("validation: s_S needs S greater than s", "[validation]") {
  Json doc = base_document();
  doc["arms"][0]["replenishment"] = Json{{"name", "s_S"}, {"s", 10}, {"S", 10}};
  check_rejected(doc, "/arms/0/replenishment/S", {"must be greater than s"});

  Json ok = base_document();
  ok["arms"][0]["replenishment"] = Json{{"name", "s_S"}, {"s", 10}, {"S", 11}};
  CHECK_NOTHROW(parse_scenario(ok, kFile));
}

TEST_CASE("validation: percent_off needs end greater than start", "[validation]") {
  Json promo = percent_off();
  promo["start"] = 3;
  promo["end"] = 3;
  check_rejected(with_promotion(promo), "/arms/0/promotions/0/end",
                 {"must be greater than start"});
}

TEST_CASE("validation: popular + random must not exceed the product count", "[validation]") {
  Json doc = base_document();
  doc["arms"][0]["recommendation"] =
      Json{{"name", "popular_plus_random"}, {"popular", 30}, {"random", 21}};
  check_rejected(doc, "/arms/0/recommendation/random", {"exceeds the number of products"});
}

TEST_CASE("validation: random recommender slots must not exceed the product count",
          "[validation]") {
  Json doc = base_document();
  doc["market"]["categories"][0]["products"] = 20;
  doc["arms"][0]["recommendation"] = Json{{"name", "random"}, {"slots", 21}};
  check_rejected(doc, "/arms/0/recommendation/slots", {"exceeds the number of products"});
}

TEST_CASE("validation: recommendation slots + browse_slots at most 255", "[validation]") {
  // ShownSet::kCapacity: slot indices and the browsed marker are bytes.
  Json doc = base_document();
  doc["market"]["categories"][0]["products"] = 400;
  doc["market"]["browse_slots"] = 200;
  doc["arms"][0]["recommendation"] =
      Json{{"name", "popular_plus_random"}, {"popular", 30}, {"random", 26}};
  check_rejected(doc, "/arms/0/recommendation", {"= 256 offers shown per visit", "at most 255"});

  Json ok = doc;
  ok["arms"][0]["recommendation"]["random"] = 25;
  CHECK_NOTHROW(parse_scenario(ok, kFile));
}

TEST_CASE("validation: recommendation slots + browse_slots at most the product count",
          "[validation]") {
  Json doc = base_document();
  doc["market"]["browse_slots"] = 1;
  doc["arms"][0]["recommendation"] =
      Json{{"name", "popular_plus_random"}, {"popular", 25}, {"random", 25}};
  check_rejected(doc, "/arms/0/recommendation", {"at most the number of offers"});
}

// ---------------------------------------------------------------------------------------------
// --set overrides.

TEST_CASE("validation: --set needs an '=' sign", "[validation]") {
  check_override_rejected("/replications", "/replications", {"/json/pointer=value"});
}

TEST_CASE("validation: --set needs a pointer starting with '/'", "[validation]") {
  check_override_rejected("replications=3", "replications=3", {"/json/pointer=value"});
}

TEST_CASE("validation: --set into a missing parent", "[validation]") {
  check_override_rejected("/nowhere/key=1", "/nowhere/key",
                          {"no object or list at /nowhere"});
  check_override_rejected("/name/key=1", "/name/key", {"no object or list at /name"});
}

TEST_CASE("validation: --set with a list index out of range", "[validation]") {
  check_override_rejected("/arms/1={\"name\": \"x\"}", "/arms/1",
                          {"index out of range", "the list has 1 items"});
  check_override_rejected("/arms/-={\"name\": \"x\"}", "/arms/-", {"must be a plain number"});
}

TEST_CASE("validation: --set with an invalid JSON pointer", "[validation]") {
  check_override_rejected("/a~2=1", "/a~2", {"not a valid JSON pointer"});
}

TEST_CASE("validation: --set with a list index that is not a plain number", "[validation]") {
  // strtoul accepts "+0", " 0" and "01" but JSON pointers do not: these must be rejected as bad
  // input (ScenarioError), not escape as a nlohmann::json exception.
  check_override_rejected("/arms/+0={\"name\": \"x\"}", "/arms/+0", {"list index"});
  check_override_rejected("/arms/00={\"name\": \"x\"}", "/arms/00", {"list index"});
  check_override_rejected("/arms/0x={\"name\": \"x\"}", "/arms/0x", {"list index"});
}

TEST_CASE("validation: --set values are validated like the file", "[validation]") {
  Json doc = base_document();
  REQUIRE_NOTHROW(apply_override(doc, "/replications=0", kFile));
  CHECK(doc["replications"] == 0);
  check_rejected(doc, "/replications", {"out of range", "integer in [1, 100000]"});

  // A bare word becomes a string.
  Json doc2 = base_document();
  REQUIRE_NOTHROW(apply_override(doc2, "/horizon_days=five", kFile));
  check_rejected(doc2, "/horizon_days", {"expected integer", "got a string"});

  // The same through load_scenario: the error names the scenario file.
  const std::string path =
      std::string(MARKETSIM_SOURCE_DIR) + "/scenarios/reference-market.json";
  const Caught c = catch_scenario_error([&] { (void)load_scenario(path, {"/replications=0"}); });
  check_caught(c, path, "/replications", {"integer in [1, 100000]"});
  const Caught c2 =
      catch_scenario_error([&] { (void)load_scenario(path, {"/market/bogus/x=1"}); });
  check_caught(c2, path, "/market/bogus/x", {"no object or list at /market/bogus"});
}

// ---------------------------------------------------------------------------------------------
// Files.

TEST_CASE("validation: invalid JSON text", "[validation]") {
  const TempFile file("{ \"name\": \"broken\", \"horizon_days\": }");
  CHECK_THROWS_AS(load_scenario(file.path()), ScenarioError);
  const Caught c = catch_scenario_error([&] { (void)load_scenario(file.path()); });
  CHECK_FALSE(c.unknown_strategy);
  check_caught(c, file.path(), "", {"invalid JSON"});

  // Comments are allowed.
  const TempFile commented("// a comment\n" + base_document().dump());
  CHECK_NOTHROW(load_scenario(commented.path()));
}

TEST_CASE("validation: missing scenario file", "[validation]") {
  const std::string path = (std::filesystem::temp_directory_path() /
                            "marketsim-validation-does-not-exist.json")
                               .string();
  CHECK_THROWS_AS(load_scenario(path), ScenarioError);
  const Caught c = catch_scenario_error([&] { (void)load_scenario(path); });
  check_caught(c, path, "", {"cannot open the scenario file"});
}

// ---------------------------------------------------------------------------------------------
// Sellers (/market/sellers).

TEST_CASE("validation: at least one seller is required", "[validation]") {
  Json doc = base_document();
  doc["market"]["sellers"] = Json::array();
  check_rejected(doc, "/market/sellers", {"at least one seller"});
}

TEST_CASE("validation: at most 64 sellers", "[validation]") {
  Json doc = base_document();
  Json ok = base_document();
  ok["arms"][0]["sellers"] = Json::array();
  for (int i = 0; i < 65; ++i) {
    std::string name = "s";  // not "s" + ...: GCC 12 warns falsely (-Wrestrict) on that
    name += std::to_string(i);
    doc["market"]["sellers"].push_back(Json{{"name", name}});
    if (i == 64) break;
    ok["market"]["sellers"].push_back(Json{{"name", name}});
    ok["arms"][0]["sellers"].push_back(
        Json{{"name", name}, {"recommendation", Json{{"name", "random"}, {"slots", 0}}}});
  }
  check_rejected(doc, "/market/sellers", {"at most 64 sellers"});

  // 64 sellers, each recommending nothing (so the slots stay within 64), are accepted.
  const Scenario sc = parse_scenario(ok, kFile);
  CHECK(sc.market.sellers.size() == 64);
  CHECK(sc.arms[0].sellers.size() == 64);
}

TEST_CASE("validation: unknown key in a seller", "[validation]") {
  Json doc = base_document();
  doc["market"]["sellers"] = Json::array({Json{{"name", "shop"}, {"bogus", 1}}});
  check_rejected(doc, "/market/sellers/0/bogus",
                 {"unknown key \"bogus\"", "allowed keys", "\"products\"", "\"holding_cost\""});
}

TEST_CASE("validation: a seller's name is required", "[validation]") {
  Json doc = base_document();
  doc["market"]["sellers"] = Json::array({Json{{"products", "all"}}});
  check_rejected(doc, "/market/sellers/0/name", {"required key is missing", "string"});
}

TEST_CASE("validation: seller names must be non-empty", "[validation]") {
  Json doc = base_document();
  doc["market"]["sellers"] = Json::array({Json{{"name", ""}}});
  check_rejected(doc, "/market/sellers/0/name", {"seller names must be non-empty and unique"});
}

TEST_CASE("validation: seller names must be unique", "[validation]") {
  Json doc = two_sellers();
  doc["market"]["sellers"][1]["name"] = "north";
  check_rejected(doc, "/market/sellers/1/name", {"seller names must be non-empty and unique"});
}

TEST_CASE("validation: a seller's products must be a product selector", "[validation]") {
  Json doc = base_document();
  doc["market"]["sellers"] = Json::array({Json{{"name", "shop"}, {"products", 5}}});
  check_rejected(doc, "/market/sellers/0/products",
                 {"expected a product selector, got an integer", "\"all\"", "{\"ids\""});

  Json list = base_document();
  list["market"]["sellers"] = Json::array({Json{{"name", "shop"}, {"products", {1, 2}}}});
  check_rejected(list, "/market/sellers/0/products",
                 {"expected a product selector, got a list", "\"all\""});

  Json word = base_document();
  word["market"]["sellers"] = Json::array({Json{{"name", "shop"}, {"products", "some"}}});
  check_rejected(word, "/market/sellers/0/products",
                 {"unknown product selector \"some\"", "\"all\""});

  // {"ids": []} is rejected by the selector itself.
  Json no_ids = base_document();
  no_ids["market"]["sellers"] =
      Json::array({Json{{"name", "shop"}, {"products", Json{{"ids", Json::array()}}}}});
  check_rejected(no_ids, "/market/sellers/0/products/ids", {"non-empty list of product ids"});
}

TEST_CASE("validation: a seller's products with an unknown category", "[validation]") {
  Json doc = two_sellers();
  doc["market"]["sellers"][1]["products"] = Json{{"categories", Json::array({"gadgets"})}};
  check_rejected(doc, "/market/sellers/1/products/categories/0",
                 {"unknown category \"gadgets\"", "Valid values are", "\"widgets\""});
}

TEST_CASE("validation: a seller's products with a product id out of range", "[validation]") {
  Json doc = base_document();
  doc["market"]["sellers"] =
      Json::array({Json{{"name", "shop"}, {"products", Json{{"ids", Json::array({3, 50})}}}}});
  check_rejected(doc, "/market/sellers/0/products/ids/1",
                 {"product id 50 does not exist", "allowed: 0 to 49"});
}

TEST_CASE("validation: a seller's products must select at least one product", "[validation]") {
  // A valid selector that picks nothing: every 100th product from offset 60 of 50 products.
  Json doc = base_document();
  doc["market"]["sellers"] =
      Json::array({Json{{"name", "shop"}, {"products", Json{{"every", 100}, {"offset", 60}}}}});
  check_rejected(doc, "/market/sellers/0/products",
                 {"selects no product", "a seller offers at least one"});

  Json ok = base_document();
  ok["market"]["sellers"] =
      Json::array({Json{{"name", "shop"}, {"products", Json{{"every", 100}, {"offset", 49}}}}});
  ok["arms"][0]["recommendation"] = Json{{"name", "random"}, {"slots", 1}};
  CHECK_NOTHROW(parse_scenario(ok, kFile));
}

TEST_CASE("validation: holding_cost must be a number from 0 to 1e6", "[validation]") {
  Json doc = base_document();
  doc["market"]["sellers"] = Json::array({Json{{"name", "shop"}, {"holding_cost", -0.5}}});
  check_rejected(doc, "/market/sellers/0/holding_cost",
                 {"value -0.5 is out of range", "number in [0, 1e+06]"});

  Json high = base_document();
  high["market"]["sellers"] = Json::array({Json{{"name", "shop"}, {"holding_cost", 2e6}}});
  check_rejected(high, "/market/sellers/0/holding_cost", {"out of range", "number in [0, 1e+06]"});

  Json text = base_document();
  text["market"]["sellers"] = Json::array({Json{{"name", "shop"}, {"holding_cost", "0.1"}}});
  check_rejected(text, "/market/sellers/0/holding_cost",
                 {"expected number in [0, 1e+06]", "got a string"});

  Json ok = base_document();
  ok["market"]["sellers"] = Json::array({Json{{"name", "shop"}, {"holding_cost", 0.05}}});
  CHECK(parse_scenario(ok, kFile).market.sellers[0].holding_cost == 0.05);
}

TEST_CASE("validation: order_cost must be a number from 0 to 1e9", "[validation]") {
  Json doc = base_document();
  doc["market"]["sellers"] = Json::array({Json{{"name", "shop"}, {"order_cost", -1}}});
  check_rejected(doc, "/market/sellers/0/order_cost",
                 {"value -1 is out of range", "number in [0, 1e+09]"});

  Json high = base_document();
  high["market"]["sellers"] = Json::array({Json{{"name", "shop"}, {"order_cost", 2e9}}});
  check_rejected(high, "/market/sellers/0/order_cost", {"out of range", "number in [0, 1e+09]"});

  Json flag = base_document();
  flag["market"]["sellers"] = Json::array({Json{{"name", "shop"}, {"order_cost", true}}});
  check_rejected(flag, "/market/sellers/0/order_cost",
                 {"expected number in [0, 1e+09]", "got a boolean"});

  Json ok = base_document();
  ok["market"]["sellers"] = Json::array({Json{{"name", "shop"}, {"order_cost", 25}}});
  CHECK(parse_scenario(ok, kFile).market.sellers[0].order_cost == 25.0);
}

// ---------------------------------------------------------------------------------------------
// Behaviour modules (/market/behaviours).

TEST_CASE("validation: a behaviour module must be an object", "[validation]") {
  check_rejected(with_behaviours(Json::array({"quality_learning"})), "/market/behaviours/0",
                 {"expected an object", "got a string"});
}

TEST_CASE("validation: a behaviour module needs a name", "[validation]") {
  check_rejected(with_behaviours(Json::array({Json{{"memory", 4}}})), "/market/behaviours/0/name",
                 {"behaviour module name is missing", "Valid values are", "\"quality_learning\"",
                  "\"reference_price\""});
  check_rejected(with_behaviours(Json::array({Json{{"name", 5}}})), "/market/behaviours/0/name",
                 {"expected a behaviour module name (a string)", "Valid values are"});
}

TEST_CASE("validation: unknown behaviour module", "[validation]") {
  check_unknown_strategy(
      with_behaviours(Json::array({Json{{"name", "herding"}}})), "/market/behaviours/0/name",
      {"unknown behaviour module \"herding\"", "\"quality_learning\"", "\"reference_price\""});
}

TEST_CASE("validation: unknown key in a behaviour module's parameters", "[validation]") {
  const Json module = Json{{"name", "quality_learning"}, {"bogus", 1}};
  check_rejected(with_behaviours(Json::array({module})), "/market/behaviours/0/bogus",
                 {"unknown key \"bogus\"", "allowed keys", "\"prior_sd\"", "\"memory\""});

  // "enabled" belongs to the deprecated switches only.
  const Json switch_key = Json{{"name", "reference_price"}, {"enabled", true}};
  check_rejected(with_behaviours(Json::array({switch_key})), "/market/behaviours/0/enabled",
                 {"unknown key \"enabled\"", "\"loss_aversion\""});
}

TEST_CASE("validation: quality_learning prior_sd must be greater than 0", "[validation]") {
  const Json module = Json{{"name", "quality_learning"}, {"prior_sd", 0}};
  check_rejected(with_behaviours(Json::array({module})), "/market/behaviours/0/prior_sd",
                 {"value 0 is out of range", "number in (0, 100]"});
}

TEST_CASE("validation: quality_learning module memory must be from 1 to 64", "[validation]") {
  const Json zero = Json{{"name", "quality_learning"}, {"memory", 0}};
  check_rejected(with_behaviours(Json::array({zero})), "/market/behaviours/0/memory",
                 {"value 0 is out of range", "integer in [1, 64]"});

  const Json big = Json{{"name", "quality_learning"}, {"memory", 65}};
  check_rejected(with_behaviours(Json::array({big})), "/market/behaviours/0/memory",
                 {"value 65 is out of range", "integer in [1, 64]"});

  const Json ok = Json{{"name", "quality_learning"}, {"memory", 64}};
  CHECK_NOTHROW(parse_scenario(with_behaviours(Json::array({ok})), kFile));
}

TEST_CASE("validation: quality_learning observation_sd must be greater than 0", "[validation]") {
  const Json module = Json{{"name", "quality_learning"}, {"observation_sd", -1}};
  check_rejected(with_behaviours(Json::array({module})), "/market/behaviours/0/observation_sd",
                 {"value -1 is out of range", "number in (0, 100]"});
}

TEST_CASE("validation: reference_price loss_aversion must be at least 1", "[validation]") {
  const Json module = Json{{"name", "reference_price"}, {"loss_aversion", 0.5}};
  check_rejected(with_behaviours(Json::array({module})), "/market/behaviours/0/loss_aversion",
                 {"value 0.5 is out of range", "number in [1, 100]"});
}

TEST_CASE("validation: reference_price adaptation must be at most 1", "[validation]") {
  const Json module = Json{{"name", "reference_price"}, {"adaptation", 1.5}};
  check_rejected(with_behaviours(Json::array({module})), "/market/behaviours/0/adaptation",
                 {"value 1.5 is out of range", "number in [0, 1]"});
}

TEST_CASE("validation: a behaviour module listed twice", "[validation]") {
  const Json modules =
      Json::array({Json{{"name", "quality_learning"}}, Json{{"name", "reference_price"}},
                   Json{{"name", "quality_learning"}, {"memory", 4}}});
  check_rejected(with_behaviours(modules), "/market/behaviours/2/name",
                 {"behaviour module \"quality_learning\" is configured twice",
                  "also at /market/behaviours/0/name", "each module may appear once"});
}

TEST_CASE("validation: a behaviour module in both /market/learning and /market/behaviours",
          "[validation]") {
  Json doc = with_behaviours(Json::array({Json{{"name", "quality_learning"}}}));
  doc["market"]["learning"] = Json{{"quality", Json{{"enabled", true}}}};
  check_rejected(doc, "/market/behaviours/0/name",
                 {"behaviour module \"quality_learning\" is configured twice",
                  "also at /market/learning/quality"});

  Json doc2 = with_behaviours(Json::array({Json{{"name", "reference_price"}}}));
  doc2["market"]["learning"] = Json{{"reference_price", Json{{"enabled", true}}}};
  check_rejected(doc2, "/market/behaviours/0/name",
                 {"behaviour module \"reference_price\" is configured twice",
                  "also at /market/learning/reference_price"});
}

TEST_CASE("validation: the deprecated /market/learning switches become behaviour modules",
          "[validation]") {
  Json doc = base_document();
  doc["market"]["learning"] = Json{{"quality", Json{{"enabled", true}, {"memory", 4}}}};
  const Scenario sc = parse_scenario(doc, kFile);
  REQUIRE(sc.market.behaviours.size() == 1);
  CHECK(sc.market.behaviours[0].name == "quality_learning");
  CHECK(sc.market.behaviours[0].params["memory"] == 4);
  CHECK(sc.market.behaviours[0].params["prior_sd"] == 1.0);
  CHECK(!sc.market.behaviours[0].params.contains("enabled"));
  CHECK(!sc.resolved["market"].contains("learning"));
  REQUIRE(sc.resolved["market"]["behaviours"].size() == 1);
  CHECK(sc.resolved["market"]["behaviours"][0]["name"] == "quality_learning");
  CHECK(sc.resolved["market"]["behaviours"][0]["memory"] == 4);
  CHECK(parse_scenario(sc.resolved, kFile).resolved == sc.resolved);

  // The switches come first, then /market/behaviours in order.
  Json both = with_behaviours(Json::array({Json{{"name", "quality_learning"}}}));
  both["market"]["learning"] = Json{{"reference_price", Json{{"enabled", true}}}};
  const Scenario sc2 = parse_scenario(both, kFile);
  REQUIRE(sc2.market.behaviours.size() == 2);
  CHECK(sc2.market.behaviours[0].name == "reference_price");
  CHECK(sc2.market.behaviours[1].name == "quality_learning");
  CHECK(sc2.resolved["market"]["behaviours"][0]["name"] == "reference_price");
}

TEST_CASE("validation: /market/learning with enabled false adds no module", "[validation]") {
  Json doc = base_document();
  doc["market"]["learning"] = Json{{"quality", Json{{"enabled", false}, {"memory", 4}}},
                                   {"reference_price", Json::object()}};
  const Scenario sc = parse_scenario(doc, kFile);
  CHECK(sc.market.behaviours.empty());
  CHECK(sc.resolved["market"]["behaviours"] == Json::array());
  CHECK(!sc.resolved["market"].contains("learning"));
}

// ---------------------------------------------------------------------------------------------
// Each seller's strategies in an arm (/arms/N/sellers).

TEST_CASE("validation: two sellers with their own strategies parse", "[validation]") {
  Json doc = two_sellers();
  // Listed in the other order than in the market: strategies follow the market's order.
  doc["arms"][0]["sellers"] =
      Json::array({Json{{"name", "south"},
                        {"replenishment", Json{{"name", "s_S"}, {"s", 10}, {"S", 20}}},
                        {"promotions", Json::array({percent_off()})}},
                   Json{{"name", "north"},
                        {"pricing", Json{{"name", "fixed"}, {"price_factor", 0.9}}},
                        {"recommendation", Json{{"name", "random"}, {"slots", 3}}}}});
  const Scenario sc = parse_scenario(doc, kFile);
  REQUIRE(sc.market.sellers.size() == 2);
  CHECK(sc.market.sellers[0].name == "north");
  CHECK(sc.market.sellers[1].name == "south");
  REQUIRE(sc.arms.size() == 1);
  REQUIRE(sc.arms[0].sellers.size() == 2);
  const SellerStrategySpec& north = sc.arms[0].sellers[0];
  const SellerStrategySpec& south = sc.arms[0].sellers[1];
  CHECK(north.pricing.params["price_factor"] == 0.9);
  CHECK(north.recommendation.name == "random");
  CHECK(north.replenishment.front().policy.name == "order_up_to");
  CHECK(north.promotions.empty());
  CHECK(south.pricing.params["price_factor"] == 1.0);
  CHECK(south.recommendation.name == "popular_plus_random");
  CHECK(south.replenishment.front().policy.name == "s_S");
  CHECK(south.promotions.size() == 1);
  CHECK(sc.resolved["arms"][0]["sellers"][0]["name"] == "north");
  CHECK(sc.resolved["arms"][0]["sellers"][1]["name"] == "south");
  CHECK(parse_scenario(sc.resolved, kFile).resolved == sc.resolved);
}

TEST_CASE("validation: an arm names an unknown seller", "[validation]") {
  Json doc = two_sellers();
  doc["arms"][0]["sellers"][1]["name"] = "east";
  check_rejected(doc, "/arms/0/sellers/1/name",
                 {"unknown seller \"east\"", "Valid values are", "\"north\", \"south\""});
}

TEST_CASE("validation: an arm lists a seller twice", "[validation]") {
  Json doc = two_sellers();
  doc["arms"][0]["sellers"].push_back(Json{{"name", "north"}});
  check_rejected(doc, "/arms/0/sellers/2/name", {"seller \"north\" is listed twice"});
}

TEST_CASE("validation: an arm must give every market seller its strategies", "[validation]") {
  Json doc = two_sellers();
  doc["arms"][0]["sellers"].erase(0);
  check_rejected(doc, "/arms/0/sellers", {"seller \"north\" has no strategies in this arm"});

  // Also with one seller: an empty list leaves it without strategies.
  Json one = base_document();
  one["arms"][0]["sellers"] = Json::array();
  check_rejected(one, "/arms/0/sellers", {"seller \"shop\" has no strategies in this arm"});
}

TEST_CASE("validation: strategies either on the arm or under sellers, not both", "[validation]") {
  Json doc = two_sellers();
  doc["arms"][0]["pricing"] = Json{{"name", "fixed"}};
  check_rejected(doc, "/arms/0/pricing", {"either on the arm or under \"sellers\", not both"});

  Json one = base_document();
  one["arms"][0]["sellers"] = Json::array({Json{{"name", "shop"}}});
  one["arms"][0]["promotions"] = Json::array();
  check_rejected(one, "/arms/0/promotions", {"either on the arm or under \"sellers\""});
}

TEST_CASE("validation: with several sellers an arm needs \"sellers\"", "[validation]") {
  Json doc = two_sellers();
  doc["arms"].push_back(Json{{"name", "treatment"}});
  check_rejected(doc, "/arms/1",
                 {"the market has 2 sellers", "give each its strategies under \"sellers\""});
}

TEST_CASE("validation: recommendation slots over all sellers + browse_slots at most 255",
          "[validation]") {
  // 200 browse slots + 28 (north) + 28 (south) = 256.
  Json doc = two_sellers();
  doc["market"]["categories"][0]["products"] = 600;
  doc["market"]["browse_slots"] = 200;
  doc["arms"][0]["sellers"][0]["recommendation"] =
      Json{{"name", "popular_plus_random"}, {"popular", 28}, {"random", 0}};
  doc["arms"][0]["sellers"][1]["recommendation"] =
      Json{{"name", "popular_plus_random"}, {"popular", 27}, {"random", 1}};
  check_rejected(doc, "/arms/0/sellers/1/recommendation", {"= 256 offers shown per visit", "at most 255"});

  Json ok = doc;
  ok["arms"][0]["sellers"][1]["recommendation"]["random"] = 0;
  CHECK_NOTHROW(parse_scenario(ok, kFile));
}

TEST_CASE("validation: recommendation slots over all sellers + browse_slots at most the offers",
          "[validation]") {
  // Two sellers of two products each: 4 offers; 1 browse slot + 2 + 2 = 5.
  Json doc = base_document();
  doc["market"]["browse_slots"] = 1;
  doc["market"]["sellers"] =
      Json::array({Json{{"name", "a"}, {"products", Json{{"ids", Json::array({0, 1})}}}},
                   Json{{"name", "b"}, {"products", Json{{"ids", Json::array({1, 2})}}}}});
  const Json two_random = Json{{"name", "random"}, {"slots", 2}};
  doc["arms"][0]["sellers"] = Json::array({Json{{"name", "a"}, {"recommendation", two_random}},
                                           Json{{"name", "b"}, {"recommendation", two_random}}});
  check_rejected(doc, "/arms/0/sellers/1/recommendation",
                 {"recommendation and featured slots (4 up to this seller) + browse_slots (1) = 5",
                  "at most the number of offers (4)"});

  Json ok = doc;
  ok["market"]["browse_slots"] = 0;
  CHECK_NOTHROW(parse_scenario(ok, kFile));
}

// ---------------------------------------------------------------------------------------------
// Market sampling (/market_sampling).

TEST_CASE("validation: market_sampling must be per_replication or shared", "[validation]") {
  Json doc = base_document();
  doc["market_sampling"] = "per_arm";
  check_rejected(doc, "/market_sampling",
                 {"value \"per_arm\" is not allowed", "one of \"per_replication\", \"shared\""});

  Json number = base_document();
  number["market_sampling"] = 1;
  check_rejected(number, "/market_sampling",
                 {"expected one of \"per_replication\", \"shared\"", "got an integer"});
}

TEST_CASE("validation: market_sampling defaults to per_replication", "[validation]") {
  const Scenario sc = parse_scenario(base_document(), kFile);
  CHECK(sc.market.sampling == MarketSampling::kPerReplication);
  CHECK(sc.resolved["market_sampling"] == "per_replication");

  Json shared = base_document();
  shared["market_sampling"] = "shared";
  const Scenario sc2 = parse_scenario(shared, kFile);
  CHECK(sc2.market.sampling == MarketSampling::kShared);
  CHECK(sc2.resolved["market_sampling"] == "shared");

  Json explicit_default = base_document();
  explicit_default["market_sampling"] = "per_replication";
  CHECK(parse_scenario(explicit_default, kFile).market.sampling == MarketSampling::kPerReplication);
}
