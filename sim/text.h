#pragma once
// Text that reaches a user from untrusted input (names, keys, values, file names) is escaped here,
// so that an error stays one line and an output stays well-formed whatever bytes it contains.
#include <string>
#include <string_view>

namespace marketsim {

/// Whether `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view s);

/// `s` made printable on one line: control characters (C0, DEL and C1) become \n, \r, \t or
/// \u00XX and bytes that are not UTF-8 become \xNN; everything else is kept.
std::string one_line(std::string_view s);

/// `s` as a JSON-style quoted string: one_line() plus \" and \\ escapes, between double quotes.
/// Every user-supplied string echoed in an error message goes through this.
/// A string longer than `max_bytes` is cut there and its length given ("abc..." (5000 bytes)).
std::string json_quoted(std::string_view s, std::size_t max_bytes = 200);
/// `s` without the spaces and tabs around it (a CSV field's).
std::string_view trim(std::string_view s);

/// `s` as one CSV field (RFC 4180): quoted, with quotes doubled, when it holds a comma, a quote,
/// a carriage return or a line feed (or begins or ends with a space); as is otherwise.
std::string csv_field(std::string_view s);

}  // namespace marketsim
