// Behaviour "quantity" (MODEL.md "Choice": quantity): the number of units of each chosen line is
// drawn from an empirical distribution fitted to a retail log (wholesale customers buy 1, 2, 3, 6,
// 12, 24, 48 ... units a line) that depends on the consumer's segment and the line's unit price.
//
// Model. `tables` is a list of {"segment", "lines_from", "price_from", "units", "weights"}: table k
// says that a line of an order of at least `lines_from` lines, bought by a consumer of `segment`
// at a unit price p >= price_from, takes units[i] units with probability weights[i] /
// sum(weights). Among the tables, a line uses those of the largest lines_from at or below its
// order's number of lines (the whole basket is chosen before quantities are set, so it is known:
// a shop's wholesalers buy few lines of many units, its retailers many lines of few), and among
// them as follows. A line of a consumer of segment S at unit price p
// (LineBatch::price: what the consumer pays per unit after per-item promotions and personal
// offers) uses S's own table with the largest price_from <= p; when S has none at or below p, the
// table of "*" (every segment) with the largest price_from <= p. So a segment's own tables
// override "*" from its lowest own price_from up, and "*" covers what is below. Prices are
// compared in cents (p and price_from rounded to the cent, as transactions.csv writes UnitPrice),
// so that a table fitted on a log's UnitPrice bands draws for exactly the lines of its band.
// Consumers are laid out by segment in the scenario's order (MarketSpec::segment_ranges).
//
// Parameters. tables[k].segment: a segment name of the scenario or "*" (default "*");
// price_from: currency units >= 0 (default 0); units: distinct positive integers <= 65535;
// weights: as many numbers >= 0 as units, not all 0 (counts from a log will do: only their
// ratios matter). Errors: an unknown segment, weights and units of different lengths, all-zero
// weights, a (segment, price_from) pair given twice, and a segment left without a table at price 0
// (neither its own nor "*"'s), so that every line finds a table.
//
// Composition. The quantity is SET to the drawn value: the engine's default 1 and whatever a
// module earlier in /market/behaviours set are replaced. Quantities hooks run in scenario order,
// each seeing the quantities the earlier ones left: "household_stock" ADDS its stockpiling units,
// so list it after "quantity" for draws plus extra units on deep discounts; listed before, its
// extra units are overwritten by the draw. Settlement then sells at most the stock on hand.
//
// Randomness. One uniform per line, drawn by inverse CDF over the table's cumulative weights,
// from the module's stream of the consumer (ShardContext::stream) at counter visit << 24 |
// line << 16, with (visit, line) from LineBatch: (consumer, visit, line) names a line for the
// whole run, so the draw does not depend on threads, shards or batch order, and a line that is
// the same in two arms gets the same uniform (common random numbers).
//
// Cost. Per line: the consumer's segment (a binary search over the few segment ends), its price
// band (a binary search over the segment's few price_from), one uniform and a binary search over
// the table's cumulative weights. Tables are resolved per segment once, at construction.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "agents/behaviour.h"
#include "sim/error.h"
#include "sim/money.h"
#include "sim/text.h"

namespace marketsim {
namespace {

constexpr const char* kEverySegment = "*";

/// One fitted distribution: units[i] with probability (cumulative[i] - cumulative[i - 1]).
struct QuantityTable {
  std::vector<std::uint16_t> units;
  /// Normalised cumulative weights, ascending; 1.0 exactly from the last positive weight on, so
  /// that the search for a uniform in [0, 1) always ends on a unit count of positive weight.
  std::vector<double> cumulative;

  std::uint16_t draw(double u) const {
    const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
    return units[static_cast<std::size_t>(it - cumulative.begin())];
  }
};

/// A segment's price band: lines at a unit price of at least `from` cents (up to the next band's
/// `from`) use table `table`.
struct PriceBand {
  Money from;
  std::uint32_t table;
};

/// A segment's tables for orders of at least `lines_from` lines, as a step function over price.
struct SizeGroup {
  std::uint32_t lines_from = 1;
  std::vector<PriceBand> bands;
};

class Quantity final : public Behaviour {
 public:
  Quantity(std::vector<std::uint32_t> segment_end, std::vector<std::vector<SizeGroup>> groups,
           std::vector<QuantityTable> tables)
      : segment_end_(std::move(segment_end)), groups_(std::move(groups)), tables_(std::move(tables)) {}

  unsigned stages() const override { return kStageBasket; }

  void quantities(LineBatch& b) const override {
    if (b.visit.size() != b.consumer.size() || b.line.size() != b.consumer.size()) {
      throw InvariantViolation("quantity: the line batch has no visit and line per line (LineBatch::visit, line)");
    }
    // A visit's lines are consecutive in the batch, numbered from 0: the order's size is known.
    std::uint32_t order_lines = 0;
    for (std::size_t l = 0; l < b.consumer.size(); ++l) {
      if (b.line[l] == 0) {
        std::size_t end = l + 1;
        while (end < b.consumer.size() && b.line[end] != 0) ++end;
        order_lines = static_cast<std::uint32_t>(end - l);
      }
      const ConsumerId c = b.consumer[l];
      const std::vector<SizeGroup>& groups = groups_[segment_of(c)];
      auto group = std::upper_bound(groups.begin(), groups.end(), order_lines,
                                    [](std::uint32_t n, const SizeGroup& g) { return n < g.lines_from; });
      if (group != groups.begin()) --group;
      const std::vector<PriceBand>& bands = group->bands;
      const Money price = to_cents(static_cast<double>(b.price[l]));
      // The last band with from <= price (the first band is from 0; a negative price uses it).
      auto band = std::upper_bound(bands.begin(), bands.end(), price,
                                   [](Money p, const PriceBand& x) { return p < x.from; });
      if (band != bands.begin()) --band;
      CounterRng rng = b.shard.stream(c, (static_cast<std::uint64_t>(b.visit[l]) << 24) |
                                             (static_cast<std::uint64_t>(b.line[l]) << 16));
      b.quantity[l] = tables_[band->table].draw(rng.uniform());
    }
  }

 private:
  std::size_t segment_of(ConsumerId c) const {
    const auto it = std::upper_bound(segment_end_.begin(), segment_end_.end(), c);
    return it == segment_end_.end() ? segment_end_.size() - 1 : static_cast<std::size_t>(it - segment_end_.begin());
  }

  std::vector<std::uint32_t> segment_end_;       // the segments' ends, ascending (ids by segment)
  std::vector<std::vector<SizeGroup>> groups_;   // per segment, ascending lines_from, the first 1
  std::vector<QuantityTable> tables_;
};

const ParamSchema& table_params() {
  static const ParamSchema s = {
      {.name = "segment", .type = ParamType::kString, .default_value = kEverySegment,
       .description = "the consumers' segment (a name of /market/segments) or \"*\": every segment without a "
                      "table of its own at the line's price"},
      {.name = "lines_from", .type = ParamType::kInteger, .default_value = 1, .min = 1, .max = 255,
       .description = "fewest lines of the order (the basket the line belongs to) the table applies to, up to the "
                      "next lines_from"},
      {.name = "price_from", .type = ParamType::kNumber, .default_value = 0.0, .min = 0.0, .max = 1e9,
       .description = "lowest unit price (currency units, to the cent) the table applies to, up to the "
                      "segment's next price_from"},
      {.name = "units", .type = ParamType::kIntegerList, .default_value = nullptr, .min = 1, .max = 65535,
       .description = "the unit counts a line may take, distinct"},
      {.name = "weights", .type = ParamType::kNumberList, .default_value = nullptr, .min = 0, .max = 1e15,
       .description = "one weight per unit count (e.g. counts of lines in a log), not all 0"},
  };
  return s;
}

/// "\"a\", \"b\"": the scenario's segment names, for messages.
std::string segment_names(const std::vector<SegmentRange>& ranges) {
  std::string out;
  for (const SegmentRange& r : ranges) {
    out += out.empty() ? "" : ", ";
    out += json_quoted(r.name);
  }
  return out;
}

std::unique_ptr<Behaviour> make_quantity(const Json& p, const BehaviourContext& ctx) {
  const std::vector<SegmentRange> ranges = ctx.spec.segment_ranges();
  if (ranges.empty()) throw ParamError("tables", "the scenario has no segment to draw quantities for");
  const Json& list = p["tables"];
  if (list.empty()) {
    throw ParamError("tables", "expected at least one table {\"segment\", \"price_from\", \"units\", \"weights\"}");
  }
  constexpr std::size_t kEvery = std::numeric_limits<std::size_t>::max();
  struct Parsed {
    std::size_t segment;  // index into ranges, or kEvery for "*"
    Money from;
    std::uint32_t lines_from;
  };
  std::vector<Parsed> parsed;
  std::vector<QuantityTable> tables;
  for (std::size_t k = 0; k < list.size(); ++k) {
    const std::string at = "/tables/" + std::to_string(k);
    Json t;
    try {
      t = validate_object(table_params(), list[k], "", at);
    } catch (const ScenarioError& e) {
      throw ParamError(e.pointer(), e.detail());
    }
    const auto name = t["segment"].get<std::string>();
    std::size_t segment = kEvery;
    if (name != kEverySegment) {
      const auto it = std::find_if(ranges.begin(), ranges.end(), [&](const SegmentRange& r) { return r.name == name; });
      if (it == ranges.end()) {
        throw ParamError(at + "/segment", "unknown segment " + json_quoted(name) + "; allowed: \"*\" or one of " +
                                              segment_names(ranges));
      }
      segment = static_cast<std::size_t>(it - ranges.begin());
    }
    const Money from = to_cents(t["price_from"].get<double>());
    const auto lines_from = t["lines_from"].get<std::uint32_t>();
    for (std::size_t j = 0; j < parsed.size(); ++j) {
      if (parsed[j].segment == segment && parsed[j].from == from && parsed[j].lines_from == lines_from) {
        throw ParamError(at + "/price_from", "segment " + json_quoted(name) + " already has a table at price_from " +
                                                 t["price_from"].dump() + " (table " + std::to_string(j) +
                                                 "); allowed: each (segment, lines_from, price_from) once, to the cent");
      }
    }
    const Json& units = t["units"];
    const Json& weights = t["weights"];
    if (units.empty()) throw ParamError(at + "/units", "expected at least one unit count");
    if (weights.size() != units.size()) {
      throw ParamError(at + "/weights", "has " + std::to_string(weights.size()) + " weights for " +
                                            std::to_string(units.size()) +
                                            " unit counts; expected one weight per unit count");
    }
    QuantityTable table;
    double total = 0.0;
    std::size_t last_positive = 0;
    for (std::size_t i = 0; i < units.size(); ++i) {
      const auto u = units[i].get<std::uint16_t>();
      if (std::find(table.units.begin(), table.units.end(), u) != table.units.end()) {
        throw ParamError(at + "/units", "lists " + std::to_string(u) + " twice; allowed: distinct unit counts");
      }
      table.units.push_back(u);
      const double w = weights[i].get<double>();
      total += w;
      if (w > 0.0) last_positive = i;
      table.cumulative.push_back(total);
    }
    if (!(total > 0.0)) throw ParamError(at + "/weights", "are all 0; allowed: weights >= 0, at least one positive");
    for (std::size_t i = 0; i < table.cumulative.size(); ++i) {
      table.cumulative[i] = i >= last_positive ? 1.0 : table.cumulative[i] / total;
    }
    parsed.push_back({segment, from, lines_from});
    tables.push_back(std::move(table));
  }

  // Per order size (each lines_from given), each segment's step function over price: "*"'s tables
  // below its lowest own price_from, then its own tables. A size group without a table at price 0
  // is left out (its orders use the group below); the group of lines_from 1 must have one.
  std::vector<std::uint32_t> sizes;
  for (const Parsed& x : parsed) sizes.push_back(x.lines_from);
  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  std::vector<std::vector<SizeGroup>> groups(ranges.size());
  std::vector<std::uint32_t> segment_end;
  for (std::size_t s = 0; s < ranges.size(); ++s) {
    segment_end.push_back(ranges[s].end);
    for (const std::uint32_t size : sizes) {
      Money lowest_own = std::numeric_limits<Money>::max();
      for (const Parsed& x : parsed) {
        if (x.segment == s && x.lines_from == size) lowest_own = std::min(lowest_own, x.from);
      }
      SizeGroup g{size, {}};
      for (std::size_t k = 0; k < parsed.size(); ++k) {
        if (parsed[k].lines_from != size) continue;
        if (parsed[k].segment == s || (parsed[k].segment == kEvery && parsed[k].from < lowest_own)) {
          g.bands.push_back({parsed[k].from, static_cast<std::uint32_t>(k)});
        }
      }
      std::sort(g.bands.begin(), g.bands.end(), [](const PriceBand& a, const PriceBand& b) { return a.from < b.from; });
      if (!g.bands.empty() && g.bands.front().from == 0) groups[s].push_back(std::move(g));
    }
    if (groups[s].empty() || groups[s].front().lines_from != 1) {
      throw ParamError("tables", "segment " + json_quoted(ranges[s].name) +
                                     " has no table at price_from 0 (neither its own nor \"*\"'s) for orders from 1 line "
                                     "(lines_from 1); every segment needs one, so that a line at any price finds a table");
    }
  }
  return std::make_unique<Quantity>(std::move(segment_end), std::move(groups), std::move(tables));
}

}  // namespace

void register_quantity() {
  behaviour_registry().add({
      "quantity",
      "Units per line drawn from fitted distributions by the consumer's segment and the line's unit price "
      "(e.g. a retail log's 1, 2, 3, 6, 12, 24 ... units); sets the quantity (household_stock listed after "
      "it adds to the draw).",
      {
          {.name = "tables", .type = ParamType::kObjectList, .default_value = nullptr,
           .description = "[{\"segment\": name or \"*\" (default), \"lines_from\": order lines (default 1), "
                          "\"price_from\": currency (default 0), \"units\": [1, 2, 6, ...], \"weights\": [...]}, ...]: a line "
                          "uses, among the tables of the largest lines_from <= its order's lines, its segment's table "
                          "(else \"*\"'s) with the largest price_from <= its unit price"},
      },
      make_quantity,
      examples_from(R"([{"tables": [{"units": [1, 2, 3, 6, 12], "weights": [50, 20, 10, 12, 8]}, {"price_from": 30, "units": [1, 2], "weights": [3, 1]}, {"segment": "bargain", "units": [1, 6, 12, 24, 48], "weights": [0.4, 0.3, 0.2, 0.08, 0.02]}]}])"),
  });
}

}  // namespace marketsim
