// The platform log: per-offer daily counts over a bounded lookback, exposures and per-consumer
// events only when declared, and the union of the strategies' needs.
#include <catch2/catch.hpp>
#include <stdexcept>
#include <vector>

#include "market/platform_log.h"

using namespace marketsim;

namespace {

ConsumerEvent purchase(Time t, ConsumerId c, OfferId o) {
  return ConsumerEvent{t, c, EventKind::kPurchase, 0, -1, o, 1, Money{1000}, Money{0}};
}

}  // namespace

TEST_CASE("the log keeps per-offer counts per day, each new day starting at zero",
          "[platform_log]") {
  PlatformLog log(3, LogNeeds{.lookback_days = 2});
  CHECK(log.offers() == 3);
  CHECK(log.days() == 0);
  log.begin_day(0);
  log.add_sale(1, 2);
  log.add_sale(1, 3);
  log.add_lost(2, 4);
  log.add_lost(1, 1);
  log.add_chosen(0);
  log.add_chosen(0);
  log.add_chosen(2);
  log.set_price(0, 1999);
  log.set_price(2, 500);
  CHECK(log.days() == 1);
  CHECK(log.units(0, 0) == 0);
  CHECK(log.units(0, 1) == 5);
  CHECK(log.units(0, 2) == 0);
  CHECK(log.lost(0, 1) == 1);
  CHECK(log.lost(0, 2) == 4);
  CHECK(log.demand(0, 1) == 6);
  CHECK(log.demand(0, 2) == 4);
  CHECK(log.chosen(0, 0) == 2);
  CHECK(log.chosen(0, 1) == 0);
  CHECK(log.chosen(0, 2) == 1);
  CHECK(std::vector<std::uint32_t>(log.units_on(0).begin(), log.units_on(0).end()) ==
        std::vector<std::uint32_t>{0, 5, 0});

  log.begin_day(1);
  log.add_sale(0, 7);
  // Day 1 starts from zero; day 0 is still there, unchanged.
  CHECK(log.units(1, 0) == 7);
  CHECK(log.units(1, 1) == 0);
  CHECK(log.lost(1, 2) == 0);
  CHECK(log.chosen(1, 0) == 0);
  CHECK(log.units(0, 1) == 5);
  CHECK(log.units(0, 0) == 0);
  CHECK(log.chosen(0, 0) == 2);

  // Days 2 and 3: day 3 reuses the storage of day 0 (a ring of lookback + 1 days), and still
  // starts at zero.
  log.begin_day(2);
  log.add_sale(2, 1);
  log.begin_day(3);
  CHECK(log.first_day() == 1);
  for (OfferId o = 0; o < 3; ++o) {
    CHECK(log.units(3, o) == 0);
    CHECK(log.lost(3, o) == 0);
    CHECK(log.chosen(3, o) == 0);
    CHECK(log.price(3, o) == 0);
  }
  CHECK(log.units(1, 0) == 7);
  CHECK(log.units(2, 2) == 1);
}

TEST_CASE("a day before the lookback or after the current day is out of range",
          "[platform_log]") {
  PlatformLog log(2, LogNeeds{.lookback_days = 2});
  CHECK_THROWS_AS(log.units(0, 0), std::out_of_range);  // no day opened yet
  for (Day d = 0; d <= 5; ++d) log.begin_day(d);
  CHECK(log.days() == 6);
  CHECK(log.first_day() == 3);
  // The current day 5 and the 2 complete days before it.
  CHECK_NOTHROW(log.units(3, 0));
  CHECK_NOTHROW(log.lost(4, 1));
  CHECK_NOTHROW(log.price(5, 1));
  CHECK_NOTHROW(log.units_on(3));
  // Older than the lookback, in the future, negative.
  CHECK_THROWS_AS(log.units(2, 0), std::out_of_range);
  CHECK_THROWS_AS(log.lost(0, 0), std::out_of_range);
  CHECK_THROWS_AS(log.chosen(2, 1), std::out_of_range);
  CHECK_THROWS_AS(log.demand(1, 0), std::out_of_range);
  CHECK_THROWS_AS(log.price(2, 0), std::out_of_range);
  CHECK_THROWS_AS(log.units_on(2), std::out_of_range);
  CHECK_THROWS_AS(log.units(6, 0), std::out_of_range);
  CHECK_THROWS_AS(log.units_on(7), std::out_of_range);
  CHECK_THROWS_AS(log.units(-1, 0), std::out_of_range);

  // Without a lookback, only the current day.
  PlatformLog today(1, LogNeeds{});
  today.begin_day(0);
  today.begin_day(1);
  CHECK_NOTHROW(today.units(1, 0));
  CHECK_THROWS_AS(today.units(0, 0), std::out_of_range);
  CHECK_THROWS_AS(today.units(2, 0), std::out_of_range);
}

TEST_CASE("exposures are counted per day when declared and refused otherwise", "[platform_log]") {
  PlatformLog without(2, LogNeeds{.lookback_days = 1});
  without.begin_day(0);
  CHECK_THROWS_AS(without.exposures(0, 0), std::logic_error);

  PlatformLog with(2, LogNeeds{.lookback_days = 1, .exposures = true});
  with.begin_day(0);
  with.add_exposures(1, 5);
  with.add_exposures(1, 3);
  CHECK(with.exposures(0, 0) == 0);
  CHECK(with.exposures(0, 1) == 8);
  with.begin_day(1);
  with.add_exposures(0, 2);
  CHECK(with.exposures(1, 0) == 2);
  CHECK(with.exposures(1, 1) == 0);
  CHECK(with.exposures(0, 1) == 8);
  with.begin_day(2);
  CHECK(with.exposures(2, 1) == 0);
  CHECK_THROWS_AS(with.exposures(0, 1), std::out_of_range);
}

TEST_CASE("per-consumer events are kept only when declared, and only within the lookback",
          "[platform_log]") {
  PlatformLog quiet(2, LogNeeds{.lookback_days = 3, .exposures = true});
  quiet.begin_day(0);
  quiet.add_event(purchase(0.5, 1, 0));
  CHECK(quiet.events().empty());

  PlatformLog log(2, LogNeeds{.lookback_days = 2, .consumer_events = true});
  log.begin_day(0);
  log.add_event(purchase(0.25, 1, 0));
  log.add_event(purchase(0.75, 2, 1));
  log.begin_day(1);
  log.add_event(purchase(1.5, 3, 1));
  log.begin_day(2);
  log.add_event(purchase(2.0, 4, 0));
  REQUIRE(log.events().size() == 4);
  CHECK(log.events()[0].consumer == 1);
  CHECK(log.events()[1].consumer == 2);
  CHECK(log.events()[2].consumer == 3);
  CHECK(log.events()[3].consumer == 4);
  CHECK(log.events()[3].kind == EventKind::kPurchase);
  CHECK(log.events()[3].amount == 1000);
  // Day 3 opens: day 0 is now older than the 2-day lookback and its events leave.
  log.begin_day(3);
  REQUIRE(log.events().size() == 2);
  CHECK(log.events()[0].time == 1.5);
  CHECK(log.events()[1].time == 2.0);
  log.begin_day(4);
  REQUIRE(log.events().size() == 1);
  CHECK(log.events()[0].consumer == 4);
  log.begin_day(5);
  CHECK(log.events().empty());
}

TEST_CASE("the displayed price of a day is the last one set that day", "[platform_log]") {
  PlatformLog log(2, LogNeeds{.lookback_days = 1});
  log.begin_day(0);
  CHECK(log.price(0, 0) == 0);
  log.set_price(0, 1999);
  log.set_price(0, 1499);
  log.set_price(1, 500);
  CHECK(log.price(0, 0) == 1499);
  CHECK(log.price(0, 1) == 500);
  log.begin_day(1);
  log.set_price(0, 1299);
  CHECK(log.price(1, 0) == 1299);
  CHECK(log.price(1, 1) == 0);  // not set today
  CHECK(log.price(0, 0) == 1499);
  CHECK(log.price(0, 1) == 500);
  // Day 2 takes over day 0's storage: no price is carried over.
  log.begin_day(2);
  CHECK(log.price(2, 0) == 0);
  CHECK(log.price(2, 1) == 0);
  CHECK(log.price(1, 0) == 1299);
}

TEST_CASE("merged needs take the longest lookback and every flag either side declares",
          "[platform_log]") {
  LogNeeds needs;
  needs.merge(LogNeeds{.lookback_days = 7});
  CHECK(needs.lookback_days == 7);
  CHECK_FALSE(needs.exposures);
  CHECK_FALSE(needs.consumer_events);
  CHECK_FALSE(needs.consumer_exposures);
  needs.merge(LogNeeds{.lookback_days = 3, .exposures = true});
  CHECK(needs.lookback_days == 7);
  CHECK(needs.exposures);
  CHECK_FALSE(needs.consumer_events);
  needs.merge(LogNeeds{.lookback_days = 28, .consumer_events = true});
  CHECK(needs.lookback_days == 28);
  CHECK(needs.exposures);
  CHECK(needs.consumer_events);
  CHECK_FALSE(needs.consumer_exposures);
  needs.merge(LogNeeds{});
  CHECK(needs.lookback_days == 28);
  CHECK(needs.exposures);
  CHECK(needs.consumer_events);

  // Per-consumer exposures are per-consumer events: declaring them keeps the event log.
  LogNeeds exposures;
  exposures.merge(LogNeeds{.consumer_exposures = true});
  CHECK(exposures.consumer_exposures);
  CHECK(exposures.consumer_events);
  CHECK_FALSE(exposures.exposures);
  CHECK(exposures.lookback_days == 0);
}
