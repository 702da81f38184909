#pragma once
// Calendar dates: day numbers (days since 1970-01-01, proleptic Gregorian) and "YYYY-MM-DD" text.
// A scenario's start_date, the dates transactions.csv writes and the transaction-log reader's
// days all go through these.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace marketsim {

/// The day number of a valid civil date, or empty (e.g. February 30).
std::optional<std::int64_t> civil_day(int year, unsigned month, unsigned day);
/// "YYYY-MM-DD" of a day number.
std::string civil_date_text(std::int64_t day_number);
/// The day number of exactly "YYYY-MM-DD" (a valid date), or empty.
std::optional<std::int64_t> parse_iso_date(std::string_view text);
/// 0 = Monday ... 6 = Sunday.
int weekday(std::int64_t day_number);

}  // namespace marketsim
