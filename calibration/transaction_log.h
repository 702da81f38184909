#pragma once
// A retail transaction log (one CSV row per invoice line, as in the UCI "Online Retail" data set)
// read and cleaned into purchase lines for calibration: who bought which product, on which day,
// how many, at what unit price.
//
// The CSV (RFC 4180): the first line is the header; fields may be quoted ("..." with "" for a
// quote; a quoted field may hold commas and line breaks); lines end in LF or CRLF; a UTF-8 byte
// order mark and empty lines are skipped; every row has as many fields as the header. Columns are
// found by name (ColumnMap); other columns (e.g. Country) are ignored. Spaces and tabs around a
// field are trimmed (descriptions included).
//   date      "YYYY-MM-DD HH:MM[:SS]" (also with 'T' for the space) or the original UCI form
//             "M/D/YYYY H:MM[:SS]"; only the calendar date counts (a line's day).
//   customer  any text; an integer written as a decimal ("17850.0", as pandas writes an id column
//             with empty cells) is the integer ("17850").
//   quantity  an integer (also "6.0").
//   price     a decimal number ("2.55", "1e-3"), rounded to whole cents half away from zero.
//
// Cleaning, per data row, in this order (each row is counted in exactly one of kept, guest,
// non_product, zero_price, cancellations and adjustments, which add up to rows):
//   1. guest: an empty customer id (a guest purchase) drops the row;
//   2. non_product: a stock code that is not a product drops the row. A product code is 5 digits
//      optionally followed by letters (85123A, 15056BL, 85123a); everything else is a fee, a
//      charge or a voucher. In the 2010-12..2011-08 log that drops POST (postage), DOT (dotcom
//      postage), C2 (carriage), M/m (manual), D (discount), S (samples), B (bad-debt adjustment),
//      BANK CHARGES, AMAZONFEE, CRUK (commission), PADS, the gift vouchers gift_0001_* and the
//      DCGS* codes (ebay listings; all of those rows are guests anyway);
//   3. zero_price: a unit price that is <= 0 once rounded to cents drops the row (0.0 rows are
//      free replacements and stock write-offs; 0.001 rounds to 0);
//   4. cancellations: an invoice starting with 'C' with a negative quantity cancels that many
//      units of the item for the customer: they are taken from the customer's earlier kept lines
//      of the same item (same customer id and stock code), the most recent first; each line so
//      reduced is counted in cancelled_lines and a line reaching 0 units is removed. A
//      cancellation with units left over (nothing or too little bought before, e.g. a purchase
//      before the log starts) is counted in unmatched_cancellations; the rest is ignored;
//   5. adjustments: any other quantity <= 0 (stock adjustments on ordinary invoices; zero), and
//      a positive quantity on a 'C' invoice, drop the row.
// The rest are kept (purchase lines). `lines` is what remains of them after the cancellations, so
// lines.size() <= report.kept.
//
// Only the fields a row's rules need are read: the date of every row (first_date is the earliest
// of all data rows, dropped ones included), then the customer, the code, the price, the quantity
// and the invoice as far as the row gets; an unused field of a dropped row is not checked (a
// guest's or a fee's quantity and price are read only for the revenue report, when they parse).
// Customers, items and descriptions are those of kept rows (a customer or an item whose lines were
// all cancelled keeps its index). Lines keep the file's order; the reader does not sort (the
// shared log is in time order).
#include <cstdint>
#include <string>
#include <vector>

namespace marketsim {

/// The CSV's column names (defaults: the shared log's). read_column_map() reads a JSON object
/// {"invoice": "...", "item": "...", "description": "...", "quantity": "...", "date": "...",
///  "price": "...", "customer": "..."}; missing keys keep defaults; unknown keys, non-string
/// (or empty) values, a duplicate key or a bad file throw ScenarioError (sim/error.h) with a
/// one-line message naming the file, the JSON pointer (e.g. "/item") and what is allowed.
struct ColumnMap {
  std::string invoice = "InvoiceNo", item = "StockCode", description = "Description",
              quantity = "Quantity", date = "InvoiceDate", price = "UnitPrice",
              customer = "CustomerID";
};
ColumnMap read_column_map(const std::string& file);

/// One cleaned purchase line.
struct Transaction {
  std::uint32_t customer;    // index into TransactionLog::customers
  std::uint32_t item;        // index into TransactionLog::items
  std::int32_t day;          // days since TransactionLog::first_date (civil date of the invoice)
  std::uint32_t quantity;    // net of cancellations, > 0
  std::int64_t price_cents;  // unit price in cents (rounded half away from zero), > 0

  friend bool operator==(const Transaction&, const Transaction&) = default;
};

/// Rows by what became of them (all counts of CSV data rows; see the rules above), and the sales
/// revenue (quantity x unit price in cents, over rows with both positive) that each rule took
/// away. A dropped row's revenue counts only when its quantity and price parse (the rules do not
/// require them to: such rows are counted in unpriced_rows). The revenue adds up:
///   sales = guest + non_product + adjustments + cancelled + kept
/// (zero-price rows have none; cancelled is what cancellations netted from kept lines, at those
/// lines' prices; kept is what the cleaned lines are worth).
struct CleaningReport {
  std::uint64_t rows = 0, kept = 0, guest = 0, non_product = 0, zero_price = 0,
                cancellations = 0,
                cancelled_lines = 0 /* kept lines reduced or removed by a cancellation */,
                unmatched_cancellations = 0 /* cancellations with units left unmatched */,
                adjustments = 0 /* quantity <= 0 not on a C invoice, or > 0 on one */,
                unpriced_rows = 0 /* dropped rows whose quantity or price does not parse */;
  std::int64_t sales_cents = 0, guest_cents = 0, non_product_cents = 0, adjustments_cents = 0,
               cancelled_cents = 0, kept_cents = 0;
};

struct TransactionLog {
  std::vector<std::string> customers;     // external id per index ("17850"), by first appearance
  std::vector<std::string> items;         // stock code per index, in order of first appearance
  std::vector<std::string> descriptions;  // first non-empty description per item ("" if none)
  std::vector<Transaction> lines;         // cleaned, in file order (the log's time order)
  std::string first_date;                 // "YYYY-MM-DD": day 0 (the earliest date among data rows)
  CleaningReport report;
  /// Day index of a "YYYY-MM-DD" date relative to first_date (may be negative or beyond the data);
  /// throws std::invalid_argument on a malformed date (or when first_date is empty: a log
  /// without data rows has no day 0).
  std::int32_t day_of(const std::string& date) const;
};

/// Reads and cleans the log. Throws ScenarioError (sim/error.h; one line: the file, "line N" in
/// place of a JSON pointer, the column) when the file cannot be opened, a mapped column is missing
/// from the header (or appears twice), a row has another number of fields than the header, a
/// quoted field is malformed, or a field the rules read does not parse (or a kept quantity
/// exceeds 2^32 - 1).
TransactionLog read_transaction_log(const std::string& file, const ColumnMap& map = {});

}  // namespace marketsim
