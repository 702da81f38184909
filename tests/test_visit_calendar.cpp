// The visit calendar: a ring of window buckets plus an overflow list. Every visit filed for a
// window comes back from that window exactly once, however far ahead it was filed.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <stdexcept>
#include <vector>

#include "sim/rng.h"
#include "sim/visit_calendar.h"

using namespace marketsim;

namespace {

constexpr std::size_t kPerDay = 1440;              // one-minute windows
constexpr std::size_t kThreeYears = 3 * 365 * kPerDay;

std::vector<std::uint32_t> sorted(std::vector<std::uint32_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("a visit inside the ring's current turn comes back from its window exactly once",
          "[visit_calendar]") {
  VisitCalendar cal(24, 24 * 30);  // hourly windows for 30 days: 720 windows, one turn
  REQUIRE(cal.windows() == 720);
  CHECK(cal.schedule(1, 0.0));
  CHECK(cal.schedule(2, 0.5 / 24));
  CHECK(cal.schedule(3, 5.5 / 24));
  CHECK(cal.schedule(4, 5.9 / 24));
  CHECK(cal.schedule(5, 29.99));
  CHECK(cal.window_of(5.5 / 24) == 5);
  CHECK(cal.window_of(29.99) == 719);
  for (std::size_t w = 0; w < cal.windows(); ++w) {
    const auto due = sorted(cal.take(w));
    INFO("window " << w);
    if (w == 0) {
      CHECK(due == std::vector<std::uint32_t>{1, 2});
    } else if (w == 5) {
      CHECK(due == std::vector<std::uint32_t>{3, 4});
    } else if (w == 719) {
      CHECK(due == std::vector<std::uint32_t>{5});
    } else {
      CHECK(due.empty());
    }
  }
}

TEST_CASE("visits days and months ahead over a three-year horizon of one-minute windows come "
          "back from their windows exactly once",
          "[visit_calendar]") {
  // 1440 windows a day for 3 years: 1,576,800 windows, so the ring (kMaxRing windows, under
  // three days) turns hundreds of times and most visits wait in the overflow. Entities are filed
  // minutes, hours, days and months ahead, and refiled from the window that hands them over (as
  // the engine does); each take(w) must hand over exactly the entities filed for window w.
  VisitCalendar cal(kPerDay, kThreeYears);
  REQUIRE(cal.windows() == kThreeYears);
  const double horizon = static_cast<double>(kThreeYears) / static_cast<double>(kPerDay);
  REQUIRE(horizon == 1095.0);
  CounterRng rng(stream_key(11, 0, 0, Purpose::kTest));
  // A gap in days: minutes, hours, a few days, or months (up to a year).
  const auto gap = [&rng] {
    switch (rng.below(4)) {
      case 0:
        return static_cast<double>(1 + rng.below(60)) / kPerDay;
      case 1:
        return static_cast<double>(1 + rng.below(48)) / 24.0;
      case 2:
        return 1.0 + 10.0 * rng.uniform();
      default:
        return 30.0 + 335.0 * rng.uniform();
    }
  };
  std::multimap<std::size_t, std::uint32_t> expected;  // window -> entities filed for it
  std::size_t filed = 0, dropped = 0;
  const auto file = [&](std::uint32_t id, double t) {
    if (cal.schedule(id, t)) {
      expected.emplace(cal.window_of(t), id);
      ++filed;
    } else {
      CHECK(t >= horizon);  // only visits past the horizon are dropped
      ++dropped;
    }
  };
  constexpr std::uint32_t kEntities = 3000;
  for (std::uint32_t id = 0; id < kEntities; ++id) file(id, gap() - 1.0 / kPerDay);
  // A few fixed far-ahead visits: exactly one year, the last window, and months ahead.
  file(kEntities, 365.0);
  file(kEntities + 1, horizon - 0.5 / kPerDay);
  file(kEntities + 2, 200.25);

  std::size_t handed = 0;
  for (std::size_t w = 0; w < cal.windows(); ++w) {
    const auto due = sorted(cal.take(w));
    std::vector<std::uint32_t> want;
    const auto [lo, hi] = expected.equal_range(w);
    for (auto it = lo; it != hi; ++it) want.push_back(it->second);
    expected.erase(lo, hi);
    std::sort(want.begin(), want.end());
    if (due != want) {
      INFO("window " << w << ": " << due.size() << " handed over, " << want.size() << " filed");
      REQUIRE(due == want);
    }
    handed += due.size();
    // Refile each from just after its window (never a window already taken).
    for (std::uint32_t id : due) {
      if (id >= kEntities) continue;
      const double t = (static_cast<double>(w) + 1.5) / kPerDay + gap();
      REQUIRE((t >= horizon || cal.window_of(t) > w));
      file(id, t);
    }
  }
  CHECK(expected.empty());
  CHECK(handed == filed);
  CHECK(filed > 10 * kEntities);  // the entities were refiled many times each
  CHECK(dropped == kEntities);     // each refiled entity ran past the horizon once, in the end
  // The fixed ones were handed over in their windows (already checked against `expected`).
  CHECK(cal.window_of(horizon - 0.5 / kPerDay) == kThreeYears - 1);
  CHECK(cal.window_of(365.0) == 365 * kPerDay);
}

TEST_CASE("times at or past the horizon, negative, NaN and infinite are dropped",
          "[visit_calendar]") {
  VisitCalendar cal(kPerDay, 10 * kPerDay);  // 10 days of one-minute windows
  const double inf = std::numeric_limits<double>::infinity();
  CHECK_FALSE(cal.schedule(1, 10.0));
  CHECK_FALSE(cal.schedule(2, 10.5));
  CHECK_FALSE(cal.schedule(3, 1e300));
  CHECK_FALSE(cal.schedule(4, -1e-9));
  CHECK_FALSE(cal.schedule(5, -3.0));
  CHECK_FALSE(cal.schedule(6, std::numeric_limits<double>::quiet_NaN()));
  CHECK_FALSE(cal.schedule(7, inf));
  CHECK_FALSE(cal.schedule(8, -inf));
  CHECK_FALSE(cal.within(10.0));
  CHECK_FALSE(cal.within(std::numeric_limits<double>::quiet_NaN()));
  CHECK_FALSE(cal.within(inf));
  CHECK_FALSE(cal.within(-1e-300));
  CHECK(cal.within(0.0));
  CHECK(cal.within(std::nextafter(10.0, 0.0)));
  // Kept: the first and the last instant of the horizon.
  CHECK(cal.schedule(9, 0.0));
  const double last = std::nextafter(10.0, 0.0);
  CHECK(cal.schedule(10, last));
  REQUIRE(cal.window_of(last) == cal.windows() - 1);
  // Nothing dropped ever comes back; the kept ones come back in their windows.
  std::vector<std::uint32_t> all;
  for (std::size_t w = 0; w < cal.windows(); ++w) {
    const auto due = cal.take(w);
    if (w == 0) CHECK(due == std::vector<std::uint32_t>{9});
    if (w == cal.windows() - 1) CHECK(due == std::vector<std::uint32_t>{10});
    all.insert(all.end(), due.begin(), due.end());
  }
  CHECK(sorted(all) == std::vector<std::uint32_t>{9, 10});
}

TEST_CASE("the calendar never holds more than kMaxRing window buckets", "[visit_calendar]") {
  // Three years of one-minute windows cost no more than kMaxRing buckets; a short horizon costs
  // one bucket per window; a long calendar still hands every visit over.
  CHECK(VisitCalendar(kPerDay, kThreeYears).buckets() == VisitCalendar::kMaxRing);
  CHECK(VisitCalendar(kPerDay, VisitCalendar::kMaxRing + 1).buckets() == VisitCalendar::kMaxRing);
  CHECK(VisitCalendar(1, 30).buckets() == 30);
  VisitCalendar cal(kPerDay, kThreeYears);
  for (std::uint32_t d = 0; d < 1095; ++d) REQUIRE(cal.schedule(d, d + 0.5));
  std::size_t handed = 0;
  for (std::size_t w = 0; w < cal.windows(); ++w) handed += cal.take(w).size();
  CHECK(handed == 1095);
  CHECK(cal.buckets() == VisitCalendar::kMaxRing);
}

TEST_CASE("windows are taken in order and nothing is filed in a window already taken",
          "[visit_calendar]") {
  VisitCalendar cal(kPerDay, 43200);
  REQUIRE(cal.schedule(1, 10.5 / kPerDay));
  (void)cal.take(0);
  CHECK_THROWS_AS(cal.take(20), std::logic_error);  // window 1 was not taken
  CHECK_THROWS_AS(cal.take(0), std::logic_error);   // window 0 again
  for (std::size_t w = 1; w < 10; ++w) CHECK(cal.take(w).empty());
  CHECK(cal.take(10) == std::vector<std::uint32_t>{1});
  CHECK_THROWS_AS(cal.schedule(2, 5.5 / kPerDay), std::logic_error);  // window 5 is gone
  CHECK(cal.schedule(3, 11.5 / kPerDay));                              // window 11 is not
}
