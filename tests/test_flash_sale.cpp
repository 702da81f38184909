// The "flash_sale" promotion (strategies/promotions/flash_sale.cpp): a capped sale sells at most its
// allocation per product at the sale price (exactly the allocation where demand exceeds it) and
// ends for a product once sold out; sale prices only inside the sale; featured slots raise the
// sale's sales and change nothing before the sale starts; the same bytes on 1 and 2 threads;
// one-line errors. The market is scenarios/threshold-sale.json at 6,000 shoppers.
#include <tbb/global_control.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "experiments/experiment.h"
#include "experiments/run_unit.h"
#include "engine/simulation.h"
#include "fingerprint.h"
#include "scenarios/scenario.h"
#include "sim/error.h"

using namespace marketsim;

namespace {

const std::string kScenario = MARKETSIM_SOURCE_DIR "/scenarios/threshold-sale.json";

Scenario with(const std::string& promotions, std::vector<std::string> extra = {}) {
  std::vector<std::string> o = {"/market/segments/0/consumers=6000", "/replications=1",
                                "/arms/1/promotions=" + promotions};
  o.insert(o.end(), extra.begin(), extra.end());
  return load_scenario(kScenario, o);
}

struct LineRecorder : RunObserver {
  std::vector<LineRecord> lines;
  void on_window(const WindowRecords& w) override { lines.insert(lines.end(), w.lines.begin(), w.lines.end()); }
};

std::vector<LineRecord> lines_of(const Scenario& sc) {
  ArmRun run(sc, 1);
  LineRecorder rec;
  run.subscribe(rec);
  run.run();
  return rec.lines;
}

constexpr const char* kSale =
    "[{\"name\": \"flash_sale\", \"products\": {\"every\": 10, \"offset\": 0}, \"depth\": 0.5, \"start\": 14, "
    "\"duration\": 3";

void expect_error(const std::string& promotion, const std::string& pointer, const std::string& words) {
  INFO("promotion: " << promotion << "; expected at " << pointer);
  try {
    (void)with("[" + promotion + "]");
    FAIL("accepted");
  } catch (const ScenarioError& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(e.pointer() == pointer);
    CHECK(what.find('\n') == std::string::npos);
    CHECK(what.rfind(kScenario + ": " + pointer + ": ", 0) == 0);
    CHECK_THAT(what, Catch::Contains(words));
  }
}

}  // namespace

TEST_CASE("a capped flash sale sells at most its allocation per product at the sale price", "[flash_sale]") {
  const std::vector<LineRecord> lines = lines_of(with(std::string(kSale) + ", \"cap\": 12}]"));
  std::map<ProductId, std::uint64_t> at_sale;
  std::map<ProductId, Day> sold_out_day;
  std::uint64_t lost_to_cap = 0;
  for (const LineRecord& l : lines) {
    if (l.unit_discount > 0) {
      CHECK(l.time >= 14);
      CHECK(l.time < 17);
      CHECK(l.product % 10 == 0);
      CHECK(l.promotion == 0);
      at_sale[l.product] += l.quantity;
      if (at_sale[l.product] == 12) sold_out_day[l.product] = day_of(l.time);
      lost_to_cap += l.lost;
    }
  }
  REQUIRE_FALSE(at_sale.empty());
  std::size_t reached = 0;
  for (const auto& [j, units] : at_sale) {
    INFO("product " << j);
    CHECK(units <= 12);
    reached += units == 12;
  }
  CHECK(reached >= 3);  // popular products sell out their allocation
  // Once sold out, the product is at list price from the next day (window) on.
  for (const LineRecord& l : lines) {
    const auto it = sold_out_day.find(l.product);
    if (it != sold_out_day.end() && day_of(l.time) > it->second && l.quantity > 0) CHECK(l.unit_discount == 0);
  }
  // Without the cap, the same sale sells more units at the sale price.
  std::uint64_t uncapped = 0;
  for (const LineRecord& l : lines_of(with(std::string(kSale) + "}]"))) uncapped += l.unit_discount > 0 ? l.quantity : 0;
  std::uint64_t capped = 0;
  for (const auto& [j, units] : at_sale) capped += units;
  CHECK(uncapped > capped);
}

TEST_CASE("featured slots raise the sale's sales and change nothing before the sale", "[flash_sale]") {
  const std::vector<LineRecord> plain = lines_of(with(std::string(kSale) + "}]"));
  const std::vector<LineRecord> featured = lines_of(with(std::string(kSale) + ", \"featured\": 3}]"));
  const auto before = [](const std::vector<LineRecord>& v) {
    std::vector<std::tuple<Time, ConsumerId, OfferId, std::uint32_t>> out;
    for (const LineRecord& l : v) {
      if (l.time < 14) out.emplace_back(l.time, l.consumer, l.offer, l.quantity);
    }
    return out;
  };
  CHECK(before(plain) == before(featured));  // featured draws come from a stream of their own
  // Demand for the sale's products during the sale: units sold and units lost to stock-outs (the
  // featured products sell out of stock: replenishment does not foresee the banner).
  const auto sale_units = [](const std::vector<LineRecord>& v) {
    double u = 0;
    for (const LineRecord& l : v) {
      if (l.product % 10 == 0 && l.time >= 14 && l.time < 17) u += l.quantity + l.lost;
    }
    return u;
  };
  const double a = sale_units(plain), b = sale_units(featured);
  // Unit counts of a few thousand: a Poisson z of the difference above 3.09 (99.9%, one-sided).
  INFO("sale demand without featured slots " << a << ", with 3: " << b);
  REQUIRE(a > 500);
  CHECK((b - a) / std::sqrt(a + b) > 3.09);
}

TEST_CASE("a flash sale with caps and featured slots gives the same bytes on 1 and 2 threads", "[flash_sale][determinism]") {
  const auto run = [](int threads, const std::string& shard) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    return marketsim::testing::fingerprint(
        run_experiment(with(std::string(kSale) + ", \"cap\": 10, \"featured\": 2}]", {"/replications=2", "/engine/shard_size=" + shard})));
  };
  const std::string one = run(1, "65536");
  CHECK(run(2, "65536") == one);
  CHECK(run(2, "1000") == one);
}

TEST_CASE("bad flash sale parameters are one-line errors naming the key", "[flash_sale][errors]") {
  expect_error("{\"name\": \"flash_sale\", \"depth\": 0.5, \"start\": 1}", "/arms/1/promotions/0/duration", "duration");
  expect_error("{\"name\": \"flash_sale\", \"depth\": 0, \"start\": 1, \"duration\": 1}", "/arms/1/promotions/0/depth",
               "depth");
  expect_error("{\"name\": \"flash_sale\", \"depth\": 0.5, \"start\": 1, \"duration\": 0}",
               "/arms/1/promotions/0/duration", "duration");
  expect_error("{\"name\": \"flash_sale\", \"depth\": 0.5, \"start\": 1, \"duration\": 1, \"cap\": 0}",
               "/arms/1/promotions/0/cap", "cap");
  expect_error("{\"name\": \"flash_sale\", \"depth\": 0.5, \"start\": 1, \"duration\": 1, \"featured\": 17}",
               "/arms/1/promotions/0/featured", "featured");
}
