#include "sim/dates.h"

#include <chrono>
#include <cstdio>

namespace marketsim {

std::optional<std::int64_t> civil_day(int year, unsigned month, unsigned day) {
  const std::chrono::year_month_day ymd{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
  if (!ymd.ok()) return {};
  return static_cast<std::int64_t>(std::chrono::sys_days(ymd).time_since_epoch().count());
}

std::string civil_date_text(std::int64_t day_number) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days(std::chrono::days(day_number))};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

std::optional<std::int64_t> parse_iso_date(std::string_view s) {
  const auto digits = [&](std::size_t at, std::size_t n) -> int {
    int v = 0;
    for (std::size_t k = at; k < at + n; ++k) {
      if (s[k] < '0' || s[k] > '9') return -1;
      v = v * 10 + (s[k] - '0');
    }
    return v;
  };
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return {};
  const int year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
  if (year < 0 || month < 0 || day < 0) return {};
  return civil_day(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

int weekday(std::int64_t day_number) {
  // 1970-01-01 was a Thursday (3 with Monday = 0).
  const std::int64_t w = (day_number + 3) % 7;
  return static_cast<int>(w < 0 ? w + 7 : w);
}

}  // namespace marketsim
