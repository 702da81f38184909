// Behaviour "membership" (MODEL.md "Membership"): status tiers by trailing spend, loyalty points
// earned per currency unit spent at a tier's rate, and the points liability.
//
// Trailing spend. Days fall into periods of `period_days` (period k = days [k P, (k+1) P)); a
// consumer keeps a ring of B = window_days / period_days period sums (cents), so memory is bounded
// (4 B bytes per consumer, B <= 64) whatever the horizon. The trailing spend at the end of day d is the sum
// of periods k-B+1 .. k, where k is d's period: the current period so far and the B-1 before it,
// i.e. between window_days - period_days + 1 and window_days days. Spend is what the consumer
// paid (line revenue, after every discount), counted when its order settles.
//
// Tiers. thresholds t_1 < t_2 < ... < t_T (currency): a consumer's tier is the number of
// thresholds its trailing spend reaches (0: no status; >= 1: a member), re-evaluated at every
// day's end. A kSetTier command sets the tier (clamped to [0, T]) at the start of the window it is
// applied in and pins it for `pin_days` days: the re-evaluations at the ends of that day and the
// pin_days - 1 days after it leave it alone (pin_days 0: it holds until that day's end).
//
// Points. Each order earns floor(rates[tier] x order spend) points at the tier the consumer has
// when the order settles (rates: one per tier, tier 0 first). kGrantPoints adds its value to the
// balance (a negative grant deducts, the balance stays >= 0). With expiry_days > 0 the whole
// balance expires at the end of the day on which expiry_days days have passed since the consumer
// last earned or was granted points (inactivity expiry).
//
// Liability. The engine's per-seller books know nothing of points, so the points liability is a
// marketplace figure: points balance x point_value, reported as a gauge (metric points_liability).
#include <algorithm>
#include <cmath>
#include <limits>

#include "agents/behaviour.h"
#include "sim/error.h"

namespace marketsim {
namespace {

class Membership final : public Behaviour {
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
  unsigned commands_handled() const override {
    return (1u << static_cast<unsigned>(CommandKind::kGrantPoints)) |
           (1u << static_cast<unsigned>(CommandKind::kSetTier));
  }

  void declare(ColumnLayout& layout) override {
    spend_ = layout.add<std::uint32_t>("membership", "period_spend", buckets_, 0u);
    tier_ = layout.add<std::uint8_t>("membership", "tier", 1, std::uint8_t{0});
    points_ = layout.add<std::int64_t>("membership", "points", 1, std::int64_t{0});
    pinned_until_ = layout.add<std::int32_t>("membership", "tier_pinned_until", 1, std::int32_t{-1});
    if (expiry_days_ > 0) last_earned_ = layout.add<std::int32_t>("membership", "last_earned", 1, std::int32_t{0});
  }

  void settled(const SettledBatch& b) const override {
    // Lines of one order are consecutive (commit order); an order earns points once.
    const auto& lines = b.lines;
    for (std::size_t i = 0; i < lines.size();) {
      const ConsumerId c = lines[i].consumer;
      const std::uint32_t visit = lines[i].visit;
      const Day day = day_of(lines[i].time);
      Money spent = 0;
      for (; i < lines.size() && lines[i].consumer == c && lines[i].visit == visit; ++i) {
        if (lines[i].quantity > 0) spent += std::max<Money>(lines[i].revenue(), 0);
      }
      if (spent > 0) earn(b.shard, c, day, spent);
    }
  }

  void daily(const DayBatch& b) const override {
    const ShardContext& s = b.shard;
    const std::uint32_t* spend = s.column(spend_);
    std::uint8_t* tier = s.column(tier_);
    std::int64_t* points = s.column(points_);
    const std::int32_t* pinned = s.column(pinned_until_);
    const std::int32_t* last = expiry_days_ > 0 ? s.column(last_earned_) : nullptr;
    const bool new_period = (b.day + 1) % period_days_ == 0;
    const std::size_t next_slot = static_cast<std::size_t>((b.day + 1) / period_days_) % buckets_;
    const auto n = static_cast<std::size_t>(s.end() - s.begin());
    for (std::size_t i = 0; i < n; ++i) {
      if (pinned[i] <= b.day) {
        std::uint64_t total = 0;
        for (std::size_t k = 0; k < buckets_; ++k) total += spend[i * buckets_ + k];
        tier[i] = tier_of(total);
      }
      if (last != nullptr && points[i] > 0 && b.day - last[i] >= expiry_days_) points[i] = 0;
    }
    if (new_period) {  // the period starting tomorrow reuses the ring slot of the oldest period
      std::uint32_t* w = s.column(spend_);
      for (std::size_t i = 0; i < n; ++i) w[i * buckets_ + next_slot] = 0;
    }
  }

  void commands(const CommandBatch& b) const override {
    for (const Command& cmd : b.commands) {
      const Day day = day_of(cmd.time);
      if (cmd.kind == CommandKind::kGrantPoints) {
        std::int64_t& p = *b.shard.row(points_, cmd.consumer);
        p = std::max<std::int64_t>(0, p + cmd.value);
        if (expiry_days_ > 0) *b.shard.row(last_earned_, cmd.consumer) = static_cast<std::int32_t>(day);
      } else if (cmd.kind == CommandKind::kSetTier) {
        const auto top = static_cast<std::int64_t>(thresholds_.size());
        *b.shard.row(tier_, cmd.consumer) = static_cast<std::uint8_t>(std::clamp<std::int64_t>(cmd.value, 0, top));
        *b.shard.row(pinned_until_, cmd.consumer) = static_cast<std::int32_t>(day + pin_days_);
      }
    }
  }

  std::vector<std::string> gauges() const override {
    return {"members", "members_top_tier", "points_balance", "points_liability"};
  }
  void gauge(const DayBatch& b, std::span<double> sums) const override {
    const ShardContext& s = b.shard;
    const std::uint8_t* tier = s.column(tier_);
    const std::int64_t* points = s.column(points_);
    const auto top = static_cast<std::uint8_t>(thresholds_.size());
    const auto n = static_cast<std::size_t>(s.end() - s.begin());
    std::uint64_t members = 0, top_tier = 0;
    std::int64_t balance = 0;
    for (std::size_t i = 0; i < n; ++i) {
      members += tier[i] >= 1 ? 1 : 0;
      top_tier += top >= 1 && tier[i] == top ? 1 : 0;
      balance += points[i];
    }
    sums[0] += static_cast<double>(members);
    sums[1] += static_cast<double>(top_tier);
    sums[2] += static_cast<double>(balance);
    sums[3] += static_cast<double>(balance) * point_value_cents_;  // cents (a money gauge)
  }

 private:
  std::uint8_t tier_of(std::uint64_t spend_cents) const {
    std::uint8_t t = 0;
    while (t < thresholds_.size() && spend_cents >= thresholds_[t]) ++t;
    return t;
  }

  void earn(const ShardContext& s, ConsumerId c, Day day, Money spent) const {
    std::uint32_t& slot = s.row(spend_, c)[static_cast<std::size_t>(day / period_days_) % buckets_];
    const auto room = static_cast<Money>(std::numeric_limits<std::uint32_t>::max() - slot);
    slot += static_cast<std::uint32_t>(std::min(spent, room));  // saturates at 42.9 million a period
    const double rate = rates_[*s.row(tier_, c)];
    const auto earned = static_cast<std::int64_t>(std::floor(rate * static_cast<double>(spent) / 100.0 + 1e-9));
    if (earned <= 0) return;
    *s.row(points_, c) += earned;
    if (expiry_days_ > 0) *s.row(last_earned_, c) = static_cast<std::int32_t>(day);
  }

  std::vector<std::uint64_t> thresholds_;  // cents, ascending
  std::vector<double> rates_;              // points per currency unit, per tier
  std::size_t buckets_;
  Day period_days_;
  double point_value_cents_;
  Day expiry_days_;
  Day pin_days_;
  Column<std::uint32_t> spend_;
  Column<std::uint8_t> tier_;
  Column<std::int64_t> points_;
  Column<std::int32_t> pinned_until_;
  Column<std::int32_t> last_earned_;
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
  });
}

}  // namespace marketsim
