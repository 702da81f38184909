#include "calibration/transaction_log.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "sim/csv.h"
#include "sim/dates.h"
#include "sim/error.h"
#include "sim/params.h"
#include "sim/text.h"

namespace marketsim {
namespace {

// ---- text ------------------------------------------------------------------------------------

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

bool all_digits(std::string_view s) { return std::all_of(s.begin(), s.end(), is_digit); }

/// Rule 2: 5 digits, then letters only.
bool is_product_code(std::string_view code) {
  if (code.size() < 5 || !all_digits(code.substr(0, 5))) return false;
  return std::all_of(code.begin() + 5, code.end(), is_letter);
}

/// "17850.0" -> "17850"; anything else as it is.
std::string_view customer_id(std::string_view s) {
  const std::size_t dot = s.find('.');
  if (dot == std::string_view::npos || dot == 0) return s;
  const std::string_view whole = s.substr(0, dot), fraction = s.substr(dot + 1);
  if (!all_digits(whole) || fraction.empty() ||
      fraction.find_first_not_of('0') != std::string_view::npos) {
    return s;
  }
  return whole;
}

// ---- numbers ---------------------------------------------------------------------------------

/// quantity x cents when both are positive and the product fits in 64 bits; 0 when either is not
/// positive (no sale); empty on overflow.
std::optional<std::int64_t> sale_cents(std::int64_t quantity, std::int64_t cents) {
  if (quantity <= 0 || cents <= 0) return 0;
  std::int64_t v = 0;
  if (__builtin_mul_overflow(quantity, cents, &v)) return {};
  return v;
}

/// An integer, optionally with a fraction of zeros ("6", "-6", "+6", "6.0").
std::optional<std::int64_t> parse_integer(std::string_view s) {
  if (s.starts_with('+')) {
    s.remove_prefix(1);
    if (s.starts_with('-')) return {};
  }
  const std::size_t dot = s.find('.');
  if (dot != std::string_view::npos) {
    const std::string_view fraction = s.substr(dot + 1);
    if (fraction.empty() || fraction.find_first_not_of('0') != std::string_view::npos) return {};
    s = s.substr(0, dot);
  }
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty() || s == "-") return {};
  return v;
}

/// A decimal price in cents, rounded half away from zero. Plain decimals ("2.55", "-0.005", "3.")
/// exactly; other forms from_chars reads ("1e-3") through a double. Empty if malformed, infinite
/// or beyond 64-bit cents.
std::optional<std::int64_t> parse_cents(std::string_view s) {
  constexpr std::int64_t kMaxUnits = std::numeric_limits<std::int64_t>::max() / 100 - 1;
  std::string_view body = s;
  bool negative = false;
  if (!body.empty() && (body.front() == '+' || body.front() == '-')) {
    negative = body.front() == '-';
    body.remove_prefix(1);
  }
  const std::size_t dot = body.find('.');
  const std::string_view whole = body.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : body.substr(dot + 1);
  if (!body.empty() && all_digits(whole) && all_digits(fraction) &&
      (!whole.empty() || !fraction.empty())) {
    std::int64_t units = 0;
    for (const char c : whole) {
      units = units * 10 + (c - '0');
      if (units > kMaxUnits) return {};
    }
    const auto digit = [&](std::size_t k) -> std::int64_t {
      return k < fraction.size() ? fraction[k] - '0' : 0;
    };
    const std::int64_t cents = units * 100 + digit(0) * 10 + digit(1) + (digit(2) >= 5 ? 1 : 0);
    return negative ? -cents : cents;
  }
  // Exponents and the like. from_chars takes no leading '+'.
  if (s.starts_with('+')) {
    s.remove_prefix(1);
    if (s.starts_with('-')) return {};
  }
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty() || !std::isfinite(v)) return {};
  const double cents = std::round(v * 100.0);  // std::round: half away from zero
  if (std::fabs(cents) > static_cast<double>(kMaxUnits) * 100.0) return {};
  return static_cast<std::int64_t>(cents);
}

// ---- dates -----------------------------------------------------------------------------------

/// Reads 1..max_digits digits at `s` (advancing it); -1 if there are none or more.
int take_number(std::string_view& s, std::size_t min_digits, std::size_t max_digits) {
  std::size_t n = 0;
  int v = 0;
  while (n < s.size() && is_digit(s[n])) {
    if (n == max_digits) return -1;
    v = v * 10 + (s[n] - '0');
    ++n;
  }
  if (n < min_digits) return -1;
  s.remove_prefix(n);
  return v;
}

bool take_char(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

/// "HH:MM[:SS]" (hours of 1 or 2 digits), exactly.
bool valid_time(std::string_view s) {
  const int hours = take_number(s, 1, 2);
  if (hours < 0 || hours > 23 || !take_char(s, ':')) return false;
  const int minutes = take_number(s, 2, 2);
  if (minutes < 0 || minutes > 59) return false;
  if (s.empty()) return true;
  if (!take_char(s, ':')) return false;
  const int seconds = take_number(s, 2, 2);
  return seconds >= 0 && seconds <= 59 && s.empty();
}

/// "YYYY-MM-DD HH:MM[:SS]" (or 'T' for the space) or "M/D/YYYY H:MM[:SS]": the date's day number.
std::optional<std::int64_t> parse_date_time(std::string_view s) {
  if (s.size() >= 11 && s[4] == '-' && (s[10] == ' ' || s[10] == 'T')) {
    if (!valid_time(s.substr(11))) return {};
    return parse_iso_date(s.substr(0, 10));
  }
  const int month = take_number(s, 1, 2);
  if (month < 0 || !take_char(s, '/')) return {};
  const int day = take_number(s, 1, 2);
  if (day < 0 || !take_char(s, '/')) return {};
  const int year = take_number(s, 4, 4);
  if (year < 0 || !take_char(s, ' ') || !valid_time(s)) return {};
  return civil_day(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

/// Interns strings as dense indices in order of first appearance.
class Interner {
 public:
  /// The index of `s`, and whether it is new.
  std::pair<std::uint32_t, bool> intern(std::string_view s, std::vector<std::string>& names) {
    const auto it = index_.find(s);
    if (it != index_.end()) return {it->second, false};
    const auto i = static_cast<std::uint32_t>(names.size());
    names.emplace_back(s);
    index_.emplace(names.back(), i);
    return {i, true};
  }
  std::optional<std::uint32_t> find(std::string_view s) const {
    const auto it = index_.find(s);
    if (it == index_.end()) return {};
    return it->second;
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> index_;
};

/// "/" + the key's pointer token (appended: GCC 12 warns falsely, -Wrestrict, on "/" + string&&).
std::string key_pointer(const std::string& key) {
  std::string pointer = "/";
  pointer += pointer_token(key);
  return pointer;
}

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

std::uint64_t pair_key(std::uint32_t customer, std::uint32_t item) {
  return (static_cast<std::uint64_t>(customer) << 32) | item;
}

}  // namespace

// ---- column map ------------------------------------------------------------------------------

ColumnMap read_column_map(const std::string& file) {
  const std::string text = read_whole_file(file, "column map");
  static constexpr const char* kAllowed =
      "allowed: invoice, item, description, quantity, date, price, customer";
  std::unordered_set<std::string> seen;
  const Json::parser_callback_t no_duplicates = [&](int depth, Json::parse_event_t event,
                                                    Json& parsed) {
    if (event == Json::parse_event_t::key && depth == 1 &&
        !seen.insert(parsed.get<std::string>()).second) {
      throw ScenarioError(file, key_pointer(parsed.get<std::string>()),
                          "duplicate key; a key may appear once");
    }
    return true;
  };
  Json doc;
  try {
    doc = Json::parse(text, no_duplicates);
  } catch (const Json::exception& e) {
    std::string what = e.what();
    const auto bracket = what.find("] ");
    if (what.starts_with("[json.exception.") && bracket != std::string::npos) {
      what.erase(0, bracket + 2);
    }
    throw ScenarioError(file, "", "invalid JSON: " + what);
  }
  if (!doc.is_object()) {
    throw ScenarioError(file, "",
                        std::string("expected an object of column names (") + kAllowed + ")");
  }
  ColumnMap map;
  const std::pair<const char*, std::string ColumnMap::*> keys[] = {
      {"invoice", &ColumnMap::invoice}, {"item", &ColumnMap::item},
      {"description", &ColumnMap::description}, {"quantity", &ColumnMap::quantity},
      {"date", &ColumnMap::date}, {"price", &ColumnMap::price},
      {"customer", &ColumnMap::customer}};
  for (const auto& [key, value] : doc.items()) {
    const std::string pointer = key_pointer(key);
    const auto known = std::find_if(std::begin(keys), std::end(keys),
                                    [&](const auto& k) { return key == k.first; });
    if (known == std::end(keys)) {
      throw ScenarioError(file, pointer, std::string("unknown key (") + kAllowed + ")");
    }
    if (!value.is_string() || value.get<std::string>().empty()) {
      throw ScenarioError(file, pointer,
                          std::string("expected a column name (a non-empty string), got ") +
                              (value.is_string() ? "\"\"" : value.type_name()));
    }
    map.*(known->second) = value.get<std::string>();
  }
  return map;
}

// ---- the log ---------------------------------------------------------------------------------

std::int32_t TransactionLog::day_of(const std::string& date) const {
  const std::optional<std::int64_t> day = parse_iso_date(date);
  if (!day) {
    throw std::invalid_argument("day_of: expected a date \"YYYY-MM-DD\", got " + json_quoted(date));
  }
  const std::optional<std::int64_t> first = parse_iso_date(first_date);
  if (!first) {
    throw std::invalid_argument(
        "day_of: first_date " + json_quoted(first_date) +
        " is not a date \"YYYY-MM-DD\" (a log without data rows has no day 0)");
  }
  return static_cast<std::int32_t>(*day - *first);
}

TransactionLog read_transaction_log(const std::string& file, const ColumnMap& map) {
  CsvReader csv(read_whole_file(file, "transaction log"), file);
  std::vector<std::string_view> fields;
  fields.reserve(16);

  // The header: each mapped column's position.
  if (!csv.next(fields)) csv.fail(1, "the file is empty; expected a header line");
  std::vector<std::string> header(fields.begin(), fields.end());
  for (std::string& name : header) name = std::string(trim(name));
  const auto column = [&](const std::string& name) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) {
      std::string names;
      for (const std::string& h : header) names += (names.empty() ? "" : ", ") + json_quoted(h);
      csv.fail(csv.line(), "column " + json_quoted(name) + " is missing from the header (it has " +
                               names + ")");
    }
    if (std::find(it + 1, header.end(), name) != header.end()) {
      csv.fail(csv.line(), "column " + json_quoted(name) + " appears twice in the header");
    }
    return static_cast<std::size_t>(it - header.begin());
  };
  const std::size_t c_invoice = column(map.invoice), c_item = column(map.item),
                    c_description = column(map.description), c_quantity = column(map.quantity),
                    c_date = column(map.date), c_price = column(map.price),
                    c_customer = column(map.customer);

  TransactionLog log;
  CleaningReport& report = log.report;
  Interner customers, items;
  // Kept lines' absolute day numbers until first_date is known; per line, the previous
  // not-yet-removed line of the same customer and item (a stack per pair, most recent on top).
  std::vector<std::int64_t> days;
  std::vector<std::uint32_t> previous;
  std::unordered_map<std::uint64_t, std::uint32_t> latest;  // (customer, item) -> top line
  std::int64_t first_day = std::numeric_limits<std::int64_t>::max();

  while (csv.next(fields)) {
    if (fields.size() != header.size()) {
      csv.fail(csv.line(), std::to_string(fields.size()) + " fields where the header has " +
                               std::to_string(header.size()) +
                               " (a field holding a comma must be quoted)");
    }
    const auto bad = [&](std::size_t c, const std::string& what) {
      csv.fail(csv.line(), "column " + json_quoted(header[c]) + ": " + what + ", got " +
                               json_quoted(trim(fields[c])));
    };
    ++report.rows;

    const std::optional<std::int64_t> day = parse_date_time(trim(fields[c_date]));
    if (!day) bad(c_date, "expected a date \"YYYY-MM-DD HH:MM[:SS]\" or \"M/D/YYYY H:MM\"");
    first_day = std::min(first_day, *day);

    // A dropped row's sales revenue, for the report, when its quantity and price parse.
    const auto dropped_sale = [&](std::int64_t& rule_cents) {
      const std::optional<std::int64_t> q = parse_integer(trim(fields[c_quantity]));
      const std::optional<std::int64_t> p = parse_cents(trim(fields[c_price]));
      const std::optional<std::int64_t> v = q && p ? sale_cents(*q, *p) : std::nullopt;
      if (!v) {
        ++report.unpriced_rows;
        return;
      }
      rule_cents += *v;
      report.sales_cents += *v;
    };

    // 1. Guests.
    const std::string_view customer = customer_id(trim(fields[c_customer]));
    if (customer.empty()) {
      ++report.guest;
      dropped_sale(report.guest_cents);
      continue;
    }
    // 2. Fees, charges, vouchers.
    const std::string_view code = trim(fields[c_item]);
    if (!is_product_code(code)) {
      ++report.non_product;
      dropped_sale(report.non_product_cents);
      continue;
    }
    // 3. Free lines.
    const std::optional<std::int64_t> cents = parse_cents(trim(fields[c_price]));
    if (!cents) bad(c_price, "expected a decimal number");
    if (*cents <= 0) {
      ++report.zero_price;
      continue;
    }
    const std::optional<std::int64_t> quantity = parse_integer(trim(fields[c_quantity]));
    if (!quantity) bad(c_quantity, "expected an integer");
    const bool cancel_invoice = trim(fields[c_invoice]).starts_with('C');

    // 4. Cancellations: net against the customer's latest lines of the item.
    if (cancel_invoice && *quantity < 0) {
      ++report.cancellations;
      // -(q + 1) + 1: no overflow at INT64_MIN.
      std::uint64_t left = static_cast<std::uint64_t>(-(*quantity + 1)) + 1;
      const std::optional<std::uint32_t> c = customers.find(customer);
      const std::optional<std::uint32_t> i = items.find(code);
      if (c && i) {
        const auto top = latest.find(pair_key(*c, *i));
        if (top != latest.end()) {
          std::uint32_t line = top->second;
          while (left > 0 && line != kNone) {
            Transaction& t = log.lines[line];
            ++report.cancelled_lines;
            const std::uint64_t take = std::min<std::uint64_t>(left, t.quantity);
            report.cancelled_cents += static_cast<std::int64_t>(take) * t.price_cents;  // within the line's worth
            t.quantity -= static_cast<std::uint32_t>(take);
            left -= take;
            if (t.quantity == 0) line = previous[line];
          }
          if (line == kNone) {
            latest.erase(top);
          } else {
            top->second = line;
          }
        }
      }
      if (left > 0) ++report.unmatched_cancellations;
      continue;
    }
    // 5. Stock adjustments and the like.
    if (*quantity <= 0 || cancel_invoice) {
      ++report.adjustments;
      dropped_sale(report.adjustments_cents);
      continue;
    }
    if (*quantity > std::numeric_limits<std::uint32_t>::max()) {
      bad(c_quantity, "expected at most 4294967295 units");
    }
    const std::optional<std::int64_t> worth = sale_cents(*quantity, *cents);
    if (!worth) bad(c_price, "expected quantity x price within 64-bit cents");
    report.sales_cents += *worth;

    // Kept.
    ++report.kept;
    const std::uint32_t c = customers.intern(customer, log.customers).first;
    const auto [i, new_item] = items.intern(code, log.items);
    if (new_item) log.descriptions.emplace_back();
    if (log.descriptions[i].empty()) log.descriptions[i] = trim(fields[c_description]);
    const auto line = static_cast<std::uint32_t>(log.lines.size());
    log.lines.push_back(Transaction{c, i, 0, static_cast<std::uint32_t>(*quantity), *cents});
    days.push_back(*day);
    const auto [top, inserted] = latest.try_emplace(pair_key(c, i), line);
    previous.push_back(inserted ? kNone : top->second);
    top->second = line;
  }

  // Days from the earliest date; lines cancelled to 0 go.
  if (report.rows > 0) log.first_date = civil_date_text(first_day);
  std::size_t out = 0;
  for (std::size_t k = 0; k < log.lines.size(); ++k) {
    if (log.lines[k].quantity == 0) continue;
    log.lines[out] = log.lines[k];
    // Years 0000..9999: at most 3.7 million days.
    log.lines[out].day = static_cast<std::int32_t>(days[k] - first_day);
    report.kept_cents += static_cast<std::int64_t>(log.lines[out].quantity) * log.lines[out].price_cents;
    ++out;
  }
  log.lines.resize(out);
  return log;
}

}  // namespace marketsim
