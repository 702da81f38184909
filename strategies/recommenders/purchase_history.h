#pragma once
// What the learning recommenders learn from: each consumer's purchases of one seller's offers over
// a span of days, as the platform log records them (EventKind::kPurchase events; never a
// consumer's traits). Compressed rows over the consumers who bought (ids ascending), each row the
// distinct offers bought (local ids ascending) with units and the last day bought; and the
// inverted index, per offer its buyers (rows ascending). Built the same way from a simulated
// run's log and from a real transaction log (calibration/), so offline evaluation runs the
// recommenders' own code on either.
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "market/platform_log.h"

namespace marketsim {

struct PurchaseHistory {
  static constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

  std::size_t items = 0;                // the seller's offers (local ids 0 .. items - 1)
  Day from = 0, to = 0;                 // the days covered: [from, to)
  std::vector<ConsumerId> consumers;    // row r's consumer, ascending
  std::vector<std::size_t> row_start;   // rows + 1
  std::vector<std::uint32_t> item;      // per entry, local offer id (ascending within a row)
  std::vector<float> units;             // per entry, units bought
  std::vector<Day> last_day;            // per entry, the last day it was bought
  std::vector<std::size_t> item_start;  // items + 1: the inverted index
  std::vector<std::uint32_t> buyer;     // per inverted entry, the row (ascending within an item)

  /// Purchases of offers [first, first + count) in the log's days [from, to) (clamped to what the
  /// log holds: its declared lookback).
  static PurchaseHistory from_log(const PlatformLog& log, OfferId first, std::size_t count, Day from, Day to);
  /// From (consumer, local item, day, units) purchases; any order, repeats summed.
  struct Purchase {
    ConsumerId consumer;
    std::uint32_t item;
    Day day;
    float units;
  };
  static PurchaseHistory from_purchases(std::size_t items, Day from, Day to, std::vector<Purchase> purchases);

  std::size_t rows() const { return consumers.size(); }
  /// The row of consumer c, or kNone when it bought nothing in the span.
  std::size_t row_of(ConsumerId c) const;
  std::span<const std::uint32_t> items_of(std::size_t row) const {
    return {item.data() + row_start[row], row_start[row + 1] - row_start[row]};
  }
  std::span<const std::uint32_t> buyers_of(std::uint32_t i) const {
    return {buyer.data() + item_start[i], item_start[i + 1] - item_start[i]};
  }
  /// Whether row `row` bought local item i (binary search).
  bool bought(std::size_t row, std::uint32_t i) const;
  /// Distinct buyers per item among purchases on days [since, to).
  std::vector<std::uint32_t> distinct_buyers(Day since) const;
};

/// The k items with the largest scores, best first, ties to the lower id, skipping items whose
/// score is not finite or that `skip` refuses (a vector of per-item flags; empty: none).
void top_k_items(std::span<const double> score, std::size_t k, std::span<const std::uint8_t> skip,
                 std::vector<std::uint32_t>& out);

}  // namespace marketsim
