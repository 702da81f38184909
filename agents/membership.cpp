// Behaviour "membership" (MODEL.md "Membership"): status tiers by trailing spend, loyalty points
// earned per currency unit spent at a tier's rate, and the points liability.
//
// Trailing spend. Days fall into periods of `period_days` (period k = days [k P, (k+1) P)); a
// consumer keeps a ring of B = window_days / period_days period sums (cents), so memory is bounded
// (2 B bytes per consumer, B <= 64) whatever the horizon. The trailing spend at the end of day d is
// the sum of periods k-B+1 .. k, where k is d's period: the current period so far and the B-1
// before it, i.e. between window_days - period_days + 1 and window_days days. Spend is what the
// consumer paid (line revenue, after every discount), counted when its order settles. A period sum
// is held in 16 bits (up to 655.34); a consumer whose period sum would pass that moves its B sums
// to its shard's spill table (32 bits each, saturating at 42.9 million a period), so no sum is
// ever cut short.
//
// Tiers. thresholds t_1 < t_2 < ... < t_T (currency): a consumer's tier is the number of
// thresholds its trailing spend reaches (0: no status; >= 1: a member), re-evaluated at every
// day's end. A set_tier command sets the tier (clamped to [0, T]) at the start of the window it is
// applied in and pins it for `pin_days` days: the re-evaluations at the ends of that day and the
// pin_days - 1 days after it leave it alone (pin_days 0: it holds until that day's end).
//
// Points. Each order earns floor(rates[tier] x order spend) points at the tier the consumer has
// when the order settles (rates: one per tier, tier 0 first). A grant_points command adds its value to the
// balance (a negative grant deducts, the balance stays >= 0). A balance is held in 32 bits: one
// that would pass 2,147,483,647 points stops the run with a RangeError. With expiry_days > 0 the
// whole balance expires at the end of the day on which expiry_days days have passed since the
// consumer last earned or was granted points (inactivity expiry).
//
// Liability. The engine's per-seller books know nothing of points, so the points liability is a
// marketplace figure: points balance x point_value, reported as a gauge (metric points_liability).
//
// Cost. A tier changes only when the trailing spend does (an order; a period leaving the window)
// or a pin runs out, so the day's end re-evaluates only those consumers (each shard keeps a list
// of who spent today or lost a period's spend, and of its pinned consumers): the tiers are those
// of re-evaluating everyone (tests: a replay of the orders; a plain model driven hook by hook).
// The rotation to a new period clears one sum per consumer; with expiry_days > 0 a day's end
// also looks at every balance. Days are held in 16 bits (runs of at most 32,767 days, checked).
// The gauges are per-shard counts and balances kept as tiers and points change.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "agents/behaviour.h"
#include "agents/loyalty_programme.h"
#include "sim/error.h"

namespace marketsim {
namespace {

constexpr std::uint16_t kSpilled = 0xFFFF;    // period sum 0 of a consumer whose sums are in the spill table
constexpr std::uint32_t kPeriodMax = 0xFFFE;  // the largest period sum (cents) held in 16 bits
constexpr Day kMaxDay = std::numeric_limits<std::int16_t>::max() - 1;  // days are held in 16 bits
constexpr std::int16_t kPinnedForever = std::numeric_limits<std::int16_t>::max();  // beyond kMaxDay

/// A shard's bookkeeping (only the shard's own hooks touch it).
struct ShardBook {
  std::vector<ConsumerId> dirty;   // trailing spend changed: tier re-evaluated at the day's end
  std::vector<ConsumerId> pinned;  // tiers set by a set_tier command, re-evaluated when the pin runs out
  std::vector<ConsumerId> spill_consumer;                     // spilled consumers, in spill order
  std::vector<std::uint32_t> spill;                           // their B period sums each (cents)
  std::unordered_map<ConsumerId, std::uint32_t> spill_index;  // consumer -> index in spill_consumer
  std::int64_t members = 0;
  std::int64_t top_tier = 0;
  std::int64_t balance = 0;  // points
};

class Membership final : public Behaviour, public TierSource, public PointsAccount {
 public:
  Membership(std::vector<double> thresholds, std::vector<double> rates, Day window_days, Day period_days,
             double point_value, Day expiry_days, Day pin_days)
      : rates_(std::move(rates)),
        buckets_(static_cast<std::size_t>(window_days / period_days)),
        period_days_(period_days),
        point_value_cents_(point_value * 100.0),
        expiry_days_(expiry_days),
        pin_days_(pin_days) {
    for (double t : thresholds) thresholds_.push_back(static_cast<std::uint64_t>(std::llround(t * 100.0)));
  }

  unsigned stages() const override { return kStageSettled | kStageDaily | kStageCommands; }
  std::uint64_t commands_handled() const override {
    return command_bit(grant_points_command()) | command_bit(set_tier_command());
  }

  // The loyalty programme's capabilities (agents/loyalty_programme.h).
  double point_value_cents() const override { return point_value_cents_; }
  std::int64_t balance(const ShardContext& s, ConsumerId c) const override { return *s.row(points_, c); }
  void redeem(const ShardContext& s, ConsumerId c, std::int64_t points) const override {
    std::int32_t& p = *s.row(points_, c);
    set_points(shard_book(s), c, p, std::max<std::int64_t>(0, std::int64_t{p} - points));
  }
  int tier(const ShardContext& s, ConsumerId c) const override { return *s.row(tier_, c); }

  void declare(ColumnLayout& layout) override {
    spend_ = layout.add<std::uint16_t>("membership", "period_spend", buckets_, std::uint16_t{0});
    tier_ = layout.add<std::uint8_t>("membership", "tier", 1, std::uint8_t{0});
    points_ = layout.add<std::int32_t>("membership", "points", 1, std::int32_t{0});
    pinned_until_ = layout.add<std::int16_t>("membership", "tier_pinned_until", 1, std::int16_t{-1});
    if (expiry_days_ > 0) last_earned_ = layout.add<std::int16_t>("membership", "last_earned", 1, std::int16_t{0});
  }

  void settled(const SettledBatch& b) const override {
    // Lines of one order are consecutive (commit order); an order earns points once.
    ShardBook& book = shard_book(b.shard);
    const auto& lines = b.lines;
    // First the rows of the consumers who bought, with loads that overlap (the lines come in
    // commit order, so earn() would wait at nearly every row in turn).
    const std::uint16_t* spend = b.shard.column(spend_);
    const std::uint8_t* tier = b.shard.column(tier_);
    const std::int32_t* points = b.shard.column(points_);
    std::uint32_t touched = 0;
    for (const LineRecord& line : lines) {
      if (line.quantity == 0) continue;
      const std::size_t local = line.consumer - b.shard.begin();
      touched ^= spend[local * buckets_] ^ tier[local] ^ static_cast<std::uint32_t>(points[local]);
    }
    keep_loaded(touched);
    for (std::size_t i = 0; i < lines.size();) {
      const ConsumerId c = lines[i].consumer;
      const std::uint32_t visit = lines[i].visit;
      const Day day = day_of(lines[i].time);
      Money spent = 0;
      for (; i < lines.size() && lines[i].consumer == c && lines[i].visit == visit; ++i) {
        if (lines[i].quantity > 0) spent += std::max<Money>(lines[i].revenue(), 0);
      }
      if (spent > 0) earn(b.shard, book, c, day, spent);
    }
  }

  void daily(const DayBatch& b) const override {
    const ShardContext& s = b.shard;
    if (b.day > kMaxDay) {
      throw RangeError("membership holds days in 16 bits: runs of at most " + std::to_string(kMaxDay + 1) +
                       " days");
    }
    ShardBook& book = shard_book(s);
    const std::int16_t* pinned = s.column(pinned_until_);
    const ConsumerId begin = s.begin();
    // Tiers whose trailing spend changed today, or whose pin ran out today (pinned_until <= day).
    for (const ConsumerId c : book.dirty) {
      if (pinned[c - begin] <= b.day) evaluate(s, book, c);
    }
    book.dirty.clear();
    std::erase_if(book.pinned, [&](ConsumerId c) {
      if (pinned[c - begin] > b.day) return false;
      evaluate(s, book, c);
      return true;
    });
    const auto n = static_cast<std::size_t>(s.end() - begin);
    if (expiry_days_ > 0) {
      std::int32_t* points = s.column(points_);
      const std::int16_t* last = s.column(last_earned_);
      for (std::size_t i = 0; i < n; ++i) {
        if (points[i] > 0 && b.day - last[i] >= expiry_days_) {
          book.balance -= points[i];
          points[i] = 0;
        }
      }
    }
    if ((b.day + 1) % period_days_ == 0) {
      // The period starting tomorrow reuses the ring slot of the oldest period: the consumers who
      // spent in it lose that spend from tomorrow's trailing spend.
      const std::size_t next_slot = static_cast<std::size_t>((b.day + 1) / period_days_) % buckets_;
      std::uint16_t* spend = s.column(spend_);
      for (std::size_t i = 0; i < n; ++i) {
        std::uint16_t* row = spend + i * buckets_;
        if (row[next_slot] == 0 || row[0] == kSpilled) continue;
        row[next_slot] = 0;
        book.dirty.push_back(begin + static_cast<ConsumerId>(i));
      }
      for (std::size_t k = 0; k < book.spill_consumer.size(); ++k) {
        std::uint32_t& sum = book.spill[k * buckets_ + next_slot];
        if (sum == 0) continue;
        sum = 0;
        book.dirty.push_back(book.spill_consumer[k]);
      }
    }
  }

  void commands(const CommandBatch& b) const override {
    ShardBook& book = shard_book(b.shard);
    for (const Command& cmd : b.commands) {
      const Day day = day_of(cmd.time);
      if (cmd.kind == grant_points_command()) {
        std::int32_t& p = *b.shard.row(points_, cmd.consumer);
        // (A grant beyond +-2^33 is clamped first: the sum cannot overflow, the bound still trips.)
        const std::int64_t grant = std::clamp<std::int64_t>(cmd.value, -(std::int64_t{1} << 33), std::int64_t{1} << 33);
        const std::int64_t now = std::max<std::int64_t>(0, std::int64_t{p} + grant);
        set_points(book, cmd.consumer, p, now);
        if (expiry_days_ > 0) *b.shard.row(last_earned_, cmd.consumer) = day16(day);
      } else if (cmd.kind == set_tier_command()) {
        const auto top = static_cast<std::int64_t>(thresholds_.size());
        set_tier(book, *b.shard.row(tier_, cmd.consumer),
                 static_cast<std::uint8_t>(std::clamp<std::int64_t>(cmd.value, 0, top)));
        std::int16_t& until = *b.shard.row(pinned_until_, cmd.consumer);
        // Pinned until the end of day + pin_days; a pin still running (until >= day) is listed.
        if (until < day) book.pinned.push_back(cmd.consumer);
        until = day + pin_days_ >= kPinnedForever ? kPinnedForever : day16(day + pin_days_);
      }
    }
  }

  std::vector<std::string> gauges() const override {
    return {"members", "members_top_tier", "points_balance", "points_liability"};
  }
  void gauge(const DayBatch& b, std::span<double> sums) const override {
    const ShardBook& book = shard_book(b.shard);
    sums[0] += static_cast<double>(book.members);
    sums[1] += static_cast<double>(book.top_tier);
    sums[2] += static_cast<double>(book.balance);
    sums[3] += static_cast<double>(book.balance) * point_value_cents_;  // cents (a money gauge)
  }

 private:
  std::uint8_t tier_of(std::uint64_t spend_cents) const {
    std::uint8_t t = 0;
    while (t < thresholds_.size() && spend_cents >= thresholds_[t]) ++t;
    return t;
  }

  static std::int16_t day16(Day day) {
    if (day > kMaxDay) {
      throw RangeError("membership holds days in 16 bits: runs of at most " + std::to_string(kMaxDay + 1) +
                       " days");
    }
    return static_cast<std::int16_t>(day);
  }

  /// Consumer c's trailing spend (cents): the sum of its period sums.
  std::uint64_t trailing(const ShardContext& s, const ShardBook& book, ConsumerId c) const {
    const std::uint16_t* row = s.row(spend_, c);
    std::uint64_t total = 0;
    if (row[0] == kSpilled) {
      const std::uint32_t* sums = book.spill.data() + book.spill_index.at(c) * buckets_;
      for (std::size_t k = 0; k < buckets_; ++k) total += sums[k];
    } else {
      for (std::size_t k = 0; k < buckets_; ++k) total += row[k];
    }
    return total;
  }

  void evaluate(const ShardContext& s, ShardBook& book, ConsumerId c) const {
    set_tier(book, *s.row(tier_, c), tier_of(trailing(s, book, c)));
  }

  void set_tier(ShardBook& book, std::uint8_t& tier, std::uint8_t now) const {
    if (now == tier) return;
    const auto top = static_cast<std::uint8_t>(thresholds_.size());
    book.members += (now >= 1 ? 1 : 0) - (tier >= 1 ? 1 : 0);
    book.top_tier += (top >= 1 && now == top ? 1 : 0) - (top >= 1 && tier == top ? 1 : 0);
    tier = now;
  }

  static void set_points(ShardBook& book, ConsumerId c, std::int32_t& points, std::int64_t now) {
    if (now > std::numeric_limits<std::int32_t>::max()) {
      throw RangeError("membership: consumer " + std::to_string(c) +
                       "'s points balance would pass 2,147,483,647 points (balances are held in 32 bits)");
    }
    book.balance += now - points;
    points = static_cast<std::int32_t>(now);
  }

  void earn(const ShardContext& s, ShardBook& book, ConsumerId c, Day day, Money spent) const {
    const std::size_t slot = static_cast<std::size_t>(day / period_days_) % buckets_;
    std::uint16_t* row = s.row(spend_, c);
    if (row[0] != kSpilled && static_cast<Money>(row[slot]) + spent <= static_cast<Money>(kPeriodMax)) {
      row[slot] = static_cast<std::uint16_t>(row[slot] + spent);
    } else {
      std::uint32_t& sum = spilled(book, c, row)[slot];
      const auto room = static_cast<Money>(std::numeric_limits<std::uint32_t>::max() - sum);
      sum += static_cast<std::uint32_t>(std::min(spent, room));  // saturates at 42.9 million a period
    }
    book.dirty.push_back(c);
    const double rate = rates_[*s.row(tier_, c)];
    const auto earned = static_cast<std::int64_t>(std::floor(rate * static_cast<double>(spent) / 100.0 + 1e-9));
    if (earned <= 0) return;
    std::int32_t& points = *s.row(points_, c);
    set_points(book, c, points, std::int64_t{points} + earned);
    if (expiry_days_ > 0) *s.row(last_earned_, c) = day16(day);
  }

  /// Consumer c's period sums in the spill table, moved there from its row at first use.
  std::uint32_t* spilled(ShardBook& book, ConsumerId c, std::uint16_t* row) const {
    if (row[0] == kSpilled) return book.spill.data() + book.spill_index.at(c) * buckets_;
    const auto index = static_cast<std::uint32_t>(book.spill_consumer.size());
    book.spill_index.emplace(c, index);
    book.spill_consumer.push_back(c);
    book.spill.insert(book.spill.end(), row, row + buckets_);
    std::fill(row, row + buckets_, std::uint16_t{0});
    row[0] = kSpilled;
    return book.spill.data() + static_cast<std::size_t>(index) * buckets_;
  }

  /// The book of `shard` (created at first use; shards' hooks may ask at once).
  ShardBook& shard_book(const ShardContext& shard) const {
    const std::lock_guard lock(books_mutex_);
    if (books_.size() <= shard.index()) books_.resize(shard.index() + 1);
    std::unique_ptr<ShardBook>& book = books_[shard.index()];
    if (!book) book = std::make_unique<ShardBook>();
    return *book;
  }

  std::vector<std::uint64_t> thresholds_;  // cents, ascending
  std::vector<double> rates_;              // points per currency unit, per tier
  std::size_t buckets_;
  Day period_days_;
  double point_value_cents_;
  Day expiry_days_;
  Day pin_days_;
  Column<std::uint16_t> spend_;
  Column<std::uint8_t> tier_;
  Column<std::int32_t> points_;
  Column<std::int16_t> pinned_until_;
  Column<std::int16_t> last_earned_;
  mutable std::mutex books_mutex_;
  mutable std::vector<std::unique_ptr<ShardBook>> books_;
};

}  // namespace

void register_membership() {
  behaviour_registry().add({
      "membership",
      "Status tiers by trailing spend (re-evaluated daily), loyalty points per currency unit spent at "
      "the tier's rate, points granted and tiers set by promotions' commands; gauges members, "
      "members_top_tier, points_balance and points_liability.",
      {
          {.name = "thresholds", .type = ParamType::kNumberList, .default_value = Json::array({250, 1000}),
           .min = 0.0, .max = 1.0e9,
           .description = "trailing spend (currency) that reaches tiers 1, 2, ...: strictly ascending, at most 15",
           .min_exclusive = true},
          {.name = "rates", .type = ParamType::kNumberList, .default_value = Json::array({1, 1.5, 2}),
           .min = 0.0, .max = 1000.0,
           .description = "points per currency unit spent at tiers 0, 1, ...: one more than thresholds"},
          {.name = "window_days", .type = ParamType::kInteger, .default_value = 360, .min = 1, .max = 3650,
           .description = "days of spend that count toward a tier (a multiple of period_days)"},
          {.name = "period_days", .type = ParamType::kInteger, .default_value = 30, .min = 1, .max = 3650,
           .description = "granularity of the trailing spend: the window is kept as window_days / period_days (<= 64) sums"},
          {.name = "point_value", .type = ParamType::kNumber, .default_value = 0.01, .min = 0.0, .max = 1000.0,
           .description = "currency a point is worth to its holder (the liability per point)"},
          {.name = "expiry_days", .type = ParamType::kInteger, .default_value = 0, .min = 0, .max = 36500,
           .description = "a balance expires after this many days without earning or grants; 0: never"},
          {.name = "pin_days", .type = ParamType::kInteger, .default_value = 30, .min = 0, .max = 36500,
           .description = "days a tier set by a promotion holds before spend re-evaluates it; 0: until the day's end"},
      },
      [](const Json& p, const BehaviourContext&) {
        const auto thresholds = p["thresholds"].get<std::vector<double>>();
        const auto rates = p["rates"].get<std::vector<double>>();
        const auto window = p["window_days"].get<Day>();
        const auto period = p["period_days"].get<Day>();
        if (thresholds.size() > 15) throw ParamError("thresholds", "at most 15 thresholds (16 tiers)");
        for (std::size_t i = 1; i < thresholds.size(); ++i) {
          if (!(std::llround(thresholds[i] * 100.0) > std::llround(thresholds[i - 1] * 100.0))) {
            throw ParamError("thresholds", "must be strictly ascending (to the cent)");
          }
        }
        if (rates.size() != thresholds.size() + 1) {
          throw ParamError("rates", "expected " + std::to_string(thresholds.size() + 1) +
                                        " rates (tier 0 and one per threshold), got " + std::to_string(rates.size()));
        }
        if (window % period != 0) throw ParamError("period_days", "must divide window_days");
        if (window / period > 64) {
          throw ParamError("period_days", "window_days / period_days is " + std::to_string(window / period) +
                                              "; at most 64 period sums per consumer");
        }
        return std::make_unique<Membership>(thresholds, rates, window, period, p["point_value"].get<double>(),
                                            p["expiry_days"].get<Day>(), p["pin_days"].get<Day>());
      },
      examples_from(R"([{"thresholds": [20, 80], "rates": [1, 1.5, 2], "window_days": 28, "period_days": 7, "expiry_days": 10, "pin_days": 7}])"),
  });
}

}  // namespace marketsim
